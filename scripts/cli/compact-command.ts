/**
 * `squash compact`: fold an index's write log into a new version (docs/writes.md "Compaction").
 * `--url URL --index NAME` asks the stack's compactor (`POST /compact`, answered 202 once started) and
 * prints its answer; `--index DIR|s3://…` compacts in process, with progress on stderr, and prints the
 * compaction's summary as the last stdout line.
 */
import { openStore } from '../../shared/store/index.ts';
import { compactIndex } from '../../shared/writes/compact-index.ts';
import { type RetryNotice, SquashClient } from '../client/index.ts';
import { parseCommandArgs } from './args.ts';
import { createProgressReporter } from './progress.ts';
import { type TargetArgs, targetArgs } from './write-target.ts';

export const compactUsage = `squash compact --url SEARCH_URL --index NAME [--sign]
squash compact --index DIR|s3://bucket/prefix`;

/** `squash compact --help`: the usage and what every option means. */
export const compactHelp = `usage:
${compactUsage.replace(/^/gm, '  ')}

Folds the index's write log into a new version: hidden rows dropped, upserted rows added to their
partitions (re-partitioning when they no longer balance), published with a conditional write; searches
in flight keep reading the old version, which is removed after the retention period. Running it twice
is safe.

  --url SEARCH_URL       ask the stack's compactor (POST /compact); answers once it has started (202),
                         and prints that answer
  --index NAME|DIR|s3://bucket/prefix
                         the index: its name with --url, else its location, compacted in process
                         (progress on stderr, a JSON summary last on stdout)
  --sign                 SigV4-sign the request (Function URLs with AWS_IAM auth), with --url
  -h, --help             print this help`;

/** The flags `squash compact` accepts (`--help` is answered before parsing, in main.ts). */
export const COMPACT_FLAGS = {
  url: { type: 'string' },
  index: { type: 'string' },
  sign: { type: 'boolean' },
} as const;

export function parseCompactArgs(argv: string[]): TargetArgs {
  return targetArgs(parseCommandArgs(argv, COMPACT_FLAGS));
}

export async function runCompact(argv: string[]): Promise<void> {
  const target = parseCompactArgs(argv);
  if (target.url !== undefined) {
    const client = new SquashClient({
      url: target.url,
      sign: target.sign,
      onRetry: (notice: RetryNotice) =>
        process.stderr.write(
          `squash: warning: compact request failed (${notice.error.message}); retrying in ${notice.delayMs} ms\n`,
        ),
    });
    const answer = await client.compact({ index: target.index });
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return;
  }
  const progress = createProgressReporter();
  try {
    const summary = await compactIndex(openStore(target.index), { onProgress: progress.report });
    progress.stop();
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    progress.stop();
  }
}
