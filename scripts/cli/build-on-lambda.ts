/**
 * `squash build --on-lambda` (docs/build-on-lambda.md): the same staged build as the CLI's own, with its
 * tasks fanned out over the stack's builder function instead of run here. This process stays the
 * driver: it plans, waits for each stage, writes the attribute slices and publishes the manifest and
 * `CURRENT` last, so it must stay up until the build publishes (a rerun with the printed `--work`
 * resumes a build it left).
 *
 * Design decisions:
 * - Everything the functions touch is in S3: `--vectors`, `--out` and `--work` must be s3:// locations
 *   (attributes are read here and reach the functions as work files, so they may be local).
 * - The work location defaults to `<out>/builds/<uuid>` — below the index's own prefix, which the
 *   builder may already write (its grant is the index prefix), and away from the `v<N>/` versions.
 * - The memory budget is the builder's memory: one task runs in one environment. It comes from
 *   `--memory-budget` or else from GetFunctionConfiguration; a budget above the function's memory is
 *   refused. The attempt timeout is the function's timeout (GetFunctionConfiguration, else Lambda's
 *   900 s) plus a margin.
 */
import { randomUUID } from 'node:crypto';
import { builderConfiguration, lambdaBuildRunner } from '../../functions/invoke/lambda-build-runner.ts';
import type { BuildTaskRunner } from '../../shared/build/staged-build.ts';
import { byteSizeOption, numberOption, positiveInteger, UsageError } from './args.ts';

/** The builder of a stack deployed with the default name (`SquashSearch`, see infra/context-props.ts). */
export const DEFAULT_BUILDER_FUNCTION = 'SquashSearch-builder';

/** Builder invocations in flight at once. */
export const DEFAULT_BUILD_CONCURRENCY = 16;

export const LAMBDA_BUILD_FLAGS = {
  'on-lambda': { type: 'boolean' },
  'builder-function': { type: 'string' },
  concurrency: { type: 'string' },
} as const;

export const lambdaBuildUsage = '[--on-lambda [--builder-function NAME] [--concurrency 16]]';

export const lambdaBuildHelp = `  --on-lambda            run the build's tasks on the stack's builder function (docs/build-on-lambda.md);
                         --vectors, --out and --work must then be s3:// locations, this process drives
                         the build and must run until it publishes; Lambda and S3 use the usual AWS
                         credentials, AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL_S3. --memory-budget
                         defaults to the builder's memory, --work to <out>/builds/<uuid>
  --builder-function NAME
                         the builder function (default: $SQUASH_BUILDER_FUNCTION, else ${DEFAULT_BUILDER_FUNCTION})
  --concurrency N        builder invocations at once (default: ${DEFAULT_BUILD_CONCURRENCY})`;

export interface LambdaBuildArgs {
  readonly 'builder-function'?: string;
  readonly concurrency?: string;
  readonly 'memory-budget'?: string;
  readonly work?: string;
  readonly threads?: string;
}

export interface LambdaBuild {
  readonly runner: BuildTaskRunner;
  /** The work location: `--work`, or `<out>/builds/<uuid>`. */
  readonly work: string;
  readonly functionName: string;
}

/** The runner and work location of `squash build --on-lambda`, from its flags. */
export async function lambdaBuild(args: LambdaBuildArgs, out: string, vectors: string): Promise<LambdaBuild> {
  requireS3(vectors, '--vectors', 'the builder functions read the input');
  requireS3(out, '--out', 'the builder functions write the partitions');
  if (args.work !== undefined) requireS3(args.work, '--work', 'the builder functions share the work files');
  if (args.threads !== undefined) {
    throw new UsageError(
      '--threads does not apply with --on-lambda: use --concurrency (builder invocations)',
    );
  }
  const functionName =
    args['builder-function'] ?? nonEmpty(process.env.SQUASH_BUILDER_FUNCTION) ?? DEFAULT_BUILDER_FUNCTION;
  const concurrency = numberOption(
    args.concurrency,
    '--concurrency',
    DEFAULT_BUILD_CONCURRENCY,
    positiveInteger,
    'a positive integer',
  );
  const configuration = await builderConfiguration(functionName);
  const functionBytes = configuration ? configuration.memoryMiB * 2 ** 20 : undefined;
  const memoryBytes = byteSizeOption(args['memory-budget'], '--memory-budget', functionBytes ?? Number.NaN);
  if (Number.isNaN(memoryBytes)) {
    throw new UsageError(
      `could not read the memory of \`${functionName}\` (GetFunctionConfiguration failed); ` +
        'give --memory-budget, at most the builder function’s memory',
    );
  }
  if (functionBytes !== undefined && memoryBytes > functionBytes) {
    throw new UsageError(
      `--memory-budget ${args['memory-budget']} is more than \`${functionName}\`'s memory, ${configuration!.memoryMiB} MiB; ` +
        'expected at most the builder function’s memory (one task runs in one environment)',
    );
  }
  const work = args.work ?? `${out.replace(/\/+$/, '')}/builds/${randomUUID()}`;
  // Said first, so that a driver killed before it can report still leaves the way to resume.
  process.stderr.write(
    `building on \`${functionName}\` (${concurrency} at once, ${Math.round(memoryBytes / 2 ** 20)} MiB per task); ` +
      `work files in ${work}: if this process stops, run the same command with --work ${work} to resume\n`,
  );
  return {
    functionName,
    work,
    runner: lambdaBuildRunner({
      functionName,
      concurrency,
      memoryBytes,
      ...(configuration ? { timeoutSeconds: configuration.timeoutSeconds } : {}),
    }),
  };
}

function requireS3(location: string, flag: string, why: string): void {
  if (!location.startsWith('s3://')) {
    throw new UsageError(
      `${flag} ${location} is not valid with --on-lambda; expected s3://bucket/… (${why})`,
    );
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
