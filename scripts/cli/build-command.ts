/**
 * `squash build`: vectors (.fvecs/.bvecs/.npy) + optional JSON Lines or CSV attributes, or one Parquet file
 * (local or s3://bucket/key) holding vectors, attributes and ids → an index in a folder or under
 * s3://bucket/prefix. Progress goes to stderr; the last stdout line is a JSON summary.
 * Attribute rows are read into memory once (schema inference needs them all before the table is built).
 *
 * Parquet (docs/parquet.md, `shared/data/parquet-reader.ts`): the vector column defaults to the file's only
 * list-of-numbers column, the id column to a column named `id` when there is one, and the attributes to
 * every other column. `--attributes` does not apply (the file carries its attributes); `--schema` does: it
 * declares the attributes' kinds and order and, without `--attribute-columns`, which columns are read.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttributeTable } from '../../shared/attributes/index.ts';
import { defaultBuildOptions } from '../../shared/build/build-index.ts';
import { driverHeldBytes, inProcessRunner, runStagedBuild } from '../../shared/build/staged-build.ts';
import { readParquetAttributes } from '../../shared/data/parquet-reader.ts';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { type Metric, metrics } from '../../shared/metric.ts';
import {
  byteSizeOption,
  numberOption,
  parseCommandArgs,
  positiveInteger,
  requiredString,
  UsageError,
} from './args.ts';
import { readAttributeTable, readSchemaFile } from './attribute-rows.ts';
import { LAMBDA_BUILD_FLAGS, lambdaBuild, lambdaBuildHelp, lambdaBuildUsage } from './build-on-lambda.ts';
import { createProgressReporter, type ProgressReporter } from './progress.ts';
import { type ThreadRunner, threadRunner } from './thread-runner.ts';

export const buildUsage = `squash build --vectors FILE [--attributes FILE.jsonl|FILE.csv] [--schema FILE.json] --partitions P
             [--vector-column NAME] [--id-column NAME] [--attribute-columns a,b,c] (Parquet)
             [--bits-per-dim 4] [--metric l2|cosine|dot] [--seed 1] [--kmeans-iterations 30]
             [--memory-budget 1GiB] [--work DIR] [--threads 1]
             ${lambdaBuildUsage}
             --out DIR|s3://bucket/prefix`;

/** `squash build --help`: the usage and what every option means. */
export const buildHelp = `usage:
${buildUsage.replace(/^/gm, '  ')}

Builds an index from vectors and optional attributes into a folder or under an S3 prefix, writing every
object under a fresh v<version>/ prefix and publishing it last. The vectors are streamed: memory stays within
--memory-budget whatever the input's size (docs/build.md). Progress goes to stderr; the last stdout
line is a JSON summary.

  --vectors FILE         .fvecs, .bvecs (uint8), .npy (float32 or uint8, 2-D) or .parquet (a local path
                         or s3://bucket/key, read by byte range: vectors, attributes and ids in one file);
                         required
  --attributes FILE      one row per vector: JSON Lines (.jsonl) or CSV with a header (.csv); an \`id\`
                         field gives the ids answers return (default: the 0-based row number); not with
                         .parquet, whose columns are the attributes
  --schema FILE.json     attribute kinds (number, category, tags); needs --attributes or .parquet, where it
                         also names the attribute columns unless --attribute-columns does (default: inferred)
  --vector-column NAME   Parquet: the column of vectors, a list of numbers (default: the only such column)
  --id-column NAME       Parquet: the column of ids, strings or integers; '' for none (default: \`id\` if
                         the file has it, else none: answers return 0-based row numbers)
  --attribute-columns a,b,c
                         Parquet: the attribute columns, in this order; '' for none (default: every column
                         but the vector and id columns: numbers → number, strings → category, lists of
                         strings → tags, null = missing)
  --partitions P         number of partitions (balanced k-means); required
  --bits-per-dim B       quantization bits per dimension, on average (default: ${defaultBuildOptions.bitsPerDim})
  --metric M             l2, cosine or dot (default: ${defaultBuildOptions.metric})
  --seed S               seed of the build's randomness: the same inputs and seed give the same index (default: ${defaultBuildOptions.seed})
  --kmeans-iterations N  k-means iterations (default: ${defaultBuildOptions.kmeansIterations})
  --out DIR|s3://bucket/prefix
                         where the index goes; S3 uses the usual AWS credentials and AWS_ENDPOINT_URL_S3
  --memory-budget SIZE   the build's memory: vectors are read in chunks sized by it, never all at once;
                         attributes and ids are held whole (default: 1GiB)
  --work DIR             where intermediate files go (the partitions' spilled rows, about the input's size);
                         a failed build keeps them, and running the same command with this --work resumes it
                         (default: a new temporary directory, removed after a successful build)
  --threads N            build tasks run on N threads, sharing the memory budget (default: 1)
${lambdaBuildHelp}
  -h, --help             print this help`;

/** The flags `squash build` accepts (`--help` is answered before parsing, in main.ts). */
export const BUILD_FLAGS = {
  vectors: { type: 'string' },
  attributes: { type: 'string' },
  schema: { type: 'string' },
  'vector-column': { type: 'string' },
  'id-column': { type: 'string' },
  'attribute-columns': { type: 'string' },
  partitions: { type: 'string' },
  'bits-per-dim': { type: 'string' },
  metric: { type: 'string' },
  seed: { type: 'string' },
  'kmeans-iterations': { type: 'string' },
  out: { type: 'string' },
  'memory-budget': { type: 'string' },
  work: { type: 'string' },
  threads: { type: 'string' },
  ...LAMBDA_BUILD_FLAGS,
} as const;

/** 1 GiB: a build's peak RSS stays about within it whatever the input's size. */
export const DEFAULT_MEMORY_BUDGET = 1 << 30;

export async function runBuild(argv: string[]): Promise<void> {
  const args = parseCommandArgs(argv, BUILD_FLAGS);
  const vectorsPath = requiredString(args.vectors, '--vectors');
  const out = requiredString(args.out, '--out');
  const partitions = numberOption(
    args.partitions,
    '--partitions',
    Number.NaN,
    positiveInteger,
    'a positive integer',
  );
  if (Number.isNaN(partitions)) throw new UsageError('--partitions is required');
  const metric = (args.metric ?? defaultBuildOptions.metric) as Metric;
  if (!metrics.includes(metric)) {
    throw new UsageError(
      `--metric ${JSON.stringify(args.metric)} is not valid; expected one of ${metrics.join(', ')}`,
    );
  }
  const options = {
    partitions,
    metric,
    bitsPerDim: numberOption(args['bits-per-dim'], '--bits-per-dim', defaultBuildOptions.bitsPerDim),
    seed: numberOption(args.seed, '--seed', defaultBuildOptions.seed, Number.isInteger, 'an integer'),
    kmeansIterations: numberOption(
      args['kmeans-iterations'],
      '--kmeans-iterations',
      defaultBuildOptions.kmeansIterations,
      positiveInteger,
      'a positive integer',
    ),
  };

  const parquet = isParquet(vectorsPath);
  const parquetFlags = (['vector-column', 'id-column', 'attribute-columns'] as const).filter(
    (flag) => args[flag] !== undefined,
  );
  if (!parquet && parquetFlags.length > 0) {
    throw new UsageError(`--${parquetFlags[0]} needs --vectors FILE.parquet; received ${vectorsPath}`);
  }
  if (parquet && args.attributes) {
    throw new UsageError(
      '--attributes does not apply to --vectors FILE.parquet: its columns are the attributes (choose them with --attribute-columns)',
    );
  }
  if (args.schema && !args.attributes && !parquet) {
    throw new UsageError('--schema needs --attributes or --vectors FILE.parquet');
  }

  const memoryBudget = byteSizeOption(args['memory-budget'], '--memory-budget', DEFAULT_MEMORY_BUDGET);
  const threads = numberOption(
    args.threads,
    '--threads',
    1,
    (n) => positiveInteger(n) && n <= availableParallelism(),
    `an integer in 1..${availableParallelism()} (the cores here)`,
  );
  const onLambda = args['on-lambda'] ? await lambdaBuild(args, out, vectorsPath) : undefined;
  const progress = createProgressReporter();
  const { attributes, ids } = parquet
    ? await readParquetInput(vectorsPath, args, progress.report)
    : args.attributes
      ? await readAttributes(args.attributes, args.schema)
      : {};
  const temporaryWork = onLambda === undefined && args.work === undefined;
  const work = onLambda?.work ?? args.work ?? (await mkdtemp(join(tmpdir(), 'squash-build-')));
  // The driver's attributes and ids share this process's budget with in-process tasks.
  const held = driverHeldBytes({ ...(attributes ? { attributes } : {}), ...(ids ? { ids } : {}) });
  const taskBudget = memoryBudget - held;
  if (held > 0 && !onLambda) {
    process.stderr.write(
      `attributes and ids hold about ${Math.round(held / 2 ** 20)} MiB; build tasks get the other ${Math.round(taskBudget / 2 ** 20)} MiB of --memory-budget\n`,
    );
  }
  const runner =
    onLambda?.runner ?? (threads === 1 ? inProcessRunner(taskBudget) : threadRunner(taskBudget, threads));
  try {
    const summary = await runStagedBuild(
      {
        vectors: vectorsPath,
        ...(args['vector-column'] === undefined ? {} : { vectorColumn: args['vector-column'] }),
        ...(attributes ? { attributes } : {}),
        ...(ids ? { ids } : {}),
      },
      out,
      {
        ...options,
        work,
        onProgress: progress.report,
        onTaskRetry: (task, attempt, error) =>
          process.stderr.write(
            `${task.kind} failed (attempt ${attempt}): ${(error as Error).message}; retrying\n`,
          ),
      },
      runner,
    );
    progress.stop();
    if (temporaryWork) await rm(work, { recursive: true, force: true });
    process.stdout.write(
      `${JSON.stringify({ ...summary, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
    );
  } catch (error) {
    progress.stop();
    if (temporaryWork && error instanceof InvalidInputError) await rm(work, { recursive: true, force: true });
    else
      process.stderr.write(
        `the build's files are kept in ${work}: run the same command with --work ${work} to resume\n`,
      );
    throw error;
  } finally {
    await (runner as Partial<ThreadRunner>).close?.();
  }
}

/** `.parquet`, `s3://bucket/key.parquet` (any case). */
function isParquet(path: string): boolean {
  return path.toLowerCase().endsWith('.parquet');
}

async function readParquetInput(
  path: string,
  args: { schema?: string; 'vector-column'?: string; 'id-column'?: string; 'attribute-columns'?: string },
  onProgress: ProgressReporter,
): Promise<{ attributes?: AttributeTable; ids?: (string | number)[] }> {
  const columns = args['attribute-columns'];
  return readParquetAttributes(path, {
    ...(args['vector-column'] === undefined ? {} : { vectorColumn: args['vector-column'] }),
    ...(args['id-column'] === undefined ? {} : { idColumn: args['id-column'] }),
    ...(columns === undefined
      ? {}
      : {
          attributeColumns: columns
            .split(',')
            .map((name) => name.trim())
            .filter((name) => name !== ''),
        }),
    ...(args.schema ? { schema: await readSchemaFile(args.schema) } : {}),
    onProgress,
  });
}

/**
 * The attribute table, and the rows' external ids when they carry an `id` field (a reserved name: it is
 * the vector's id in answers, not an attribute).
 */
async function readAttributes(
  path: string,
  schemaPath: string | undefined,
): Promise<{ attributes: AttributeTable; ids?: (string | number)[] }> {
  const declared = schemaPath ? await readSchemaFile(schemaPath) : undefined;
  const { attributes, ids } = await readAttributeTable(path, declared);
  return ids ? { attributes, ids: ids as (string | number)[] } : { attributes };
}
