/**
 * `squash local [--port P]`: starts the local stack from the synthesized CDK app (synthesizing it
 * first when `cdk.out` is missing), prints one JSON line when ready —
 * `{"searchUrl", "s3Endpoint", "bucket", "env"}`, where `env` is what a client process sets to use the
 * stack — and stays in the foreground until SIGINT or SIGTERM, which stop everything it started,
 * function environments included. stdout carries only that line; logs go to stderr.
 *
 * Before that line it starts one environment of every function (`--warm`), so a first search on a busy
 * machine does not wait for a cold start per function.
 */
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../shared/errors/index.ts';
import type { SynthMode } from './cdk-synth.ts';
import { startLocalStack } from './local-stack.ts';

export const LOCAL_USAGE = `usage: squash local [--port P] [--s3-port P] [--lambda-port P] [--cdk-out DIR] [--stack NAME] [--synth always|if-stale|if-missing|never]
                    [--warm N] [--max-environments N] [--idle-timeout SECONDS]

Starts the local S3 server, the local Lambda host and the search Function URL on 127.0.0.1 and
prints one JSON line {"searchUrl", "s3Endpoint", "bucket", "env"} when ready. Stop with Ctrl-C.

  --port P          port of the search Function URL (default: any free port)
  --s3-port P       port of the S3 server (default: any free port)
  --lambda-port P   port of the Lambda Invoke API (default: any free port)
  --cdk-out DIR     synthesized CDK app (default: cdk.out)
  --stack NAME      stack to run (default: the one stack with Lambda functions)
  --synth MODE      run \`cdk synth\` first: always, if-stale (default: when sources are newer), if-missing or never
  --warm N          environments of every function started before the ready line (default: 1; 0: none)
  --max-environments N
                    environments one function keeps; more invocations queue for a free one
                    (default: the number of CPU cores, at least 2)
  --idle-timeout SECONDS
                    an environment idle this long is stopped (default: 300)`;

/** Runs the command until the process is signalled; resolves to the exit code. */
export async function runLocalCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseLocalArgs(argv);
  if (values.help) {
    process.stdout.write(`${LOCAL_USAGE}\n`);
    return 0;
  }
  const synth = values.synth;
  if (synth !== 'always' && synth !== 'if-stale' && synth !== 'if-missing' && synth !== 'never') {
    throw new InvalidInputError(`--synth is \`${synth}\`; expected always, if-stale, if-missing or never`);
  }
  const stack = await startLocalStack({
    cdkOut: values['cdk-out'],
    stackName: values.stack,
    synth: synth satisfies SynthMode,
    port: portOption('--port', values.port),
    s3Port: portOption('--s3-port', values['s3-port']),
    lambdaPort: portOption('--lambda-port', values['lambda-port']),
    warm: countOption('--warm', values.warm, 0),
    capacity: {
      maxEnvironmentsPerFunction:
        values['max-environments'] === undefined
          ? undefined
          : countOption('--max-environments', values['max-environments'], 1),
      idleTimeoutMs: countOption('--idle-timeout', values['idle-timeout'], 1) * 1000,
    },
  });
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write(`squash local: ${signal}, stopping\n`);
      stack.stop().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`squash local: stop failed: ${String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const ready = {
    searchUrl: stack.searchUrl,
    s3Endpoint: stack.s3Endpoint,
    bucket: stack.bucket,
    env: stack.env,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  return stopped;
}

function portOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidInputError(`${flag} is \`${value}\`; expected a port number 0–65535`);
  }
  return port;
}

function countOption(flag: string, value: string, min: number): number {
  const count = Number(value);
  if (!/^[0-9]+$/.test(value) || count < min) {
    throw new InvalidInputError(`${flag} is \`${value}\`; expected an integer ≥ ${min}`);
  }
  return count;
}

function parseLocalArgs(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        's3-port': { type: 'string' },
        'lambda-port': { type: 'string' },
        'cdk-out': { type: 'string', default: 'cdk.out' },
        stack: { type: 'string' },
        synth: { type: 'string', default: 'if-stale' },
        warm: { type: 'string', default: '1' },
        'max-environments': { type: 'string' },
        'idle-timeout': { type: 'string', default: '300' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new InvalidInputError(`${(error as Error).message}\n${LOCAL_USAGE}`);
  }
}
