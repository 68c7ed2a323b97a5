/**
 * Build progress: a bar on a terminal (cli-progress), plain lines otherwise (CI logs, pipes), on stderr so
 * that stdout carries only the JSON summary.
 */
import cliProgress from 'cli-progress';

export type ProgressReporter = (stage: string, done: number, total: number) => void;

export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr): {
  report: ProgressReporter;
  stop(): void;
} {
  if (stream.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    let current = '';
    return {
      report(stage, done, total) {
        if (stage !== current) {
          bar?.stop();
          current = stage;
          bar = new cliProgress.SingleBar(
            { format: `${stage.padEnd(22)} [{bar}] {value}/{total} {duration_formatted}`, stream },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, done);
        } else bar?.update(done);
      },
      stop: () => bar?.stop(),
    };
  }
  let lastLine = '';
  let lastTime = 0;
  return {
    report(stage, done, total) {
      const now = Date.now();
      const finished = done >= total;
      if (!finished && now - lastTime < 2000 && lastLine.startsWith(stage)) return;
      const line = `${stage}: ${done}/${total}`;
      if (line === lastLine) return;
      lastLine = line;
      lastTime = now;
      stream.write(`${line}\n`);
    },
    stop() {},
  };
}
