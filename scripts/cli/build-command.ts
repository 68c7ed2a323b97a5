/**
 * `squash build`: vectors (.fvecs/.bvecs/.npy) + optional JSON Lines or CSV attributes → an index in a folder or
 * under s3://bucket/prefix. Progress goes to stderr; the last stdout line is a JSON summary.
 * Attribute rows are read into memory once (schema inference needs them all before the table is built).
 */
import { readFile } from 'node:fs/promises';
import { AttributeTable, inferSchema, parseSchema } from '../../shared/attributes/index.ts';
import { buildIndex, defaultBuildOptions } from '../../shared/build/build-index.ts';
import { readCsvAttributes, readJsonLinesArray, readVectors } from '../../shared/data/index.ts';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { type Metric, metrics } from '../../shared/metric.ts';
import { openStore } from '../../shared/store/index.ts';
import { numberOption, parseCommandArgs, positiveInteger, requiredString, UsageError } from './args.ts';
import { createProgressReporter } from './progress.ts';

export const buildUsage = `squash build --vectors FILE [--attributes FILE.jsonl|FILE.csv] [--schema FILE.json] --partitions P
             [--bits-per-dim 4] [--metric l2|cosine|dot] [--seed 1] [--kmeans-iterations 30]
             --out DIR|s3://bucket/prefix`;

export async function runBuild(argv: string[]): Promise<void> {
  const args = parseCommandArgs(argv, {
    vectors: { type: 'string' },
    attributes: { type: 'string' },
    schema: { type: 'string' },
    partitions: { type: 'string' },
    'bits-per-dim': { type: 'string' },
    metric: { type: 'string' },
    seed: { type: 'string' },
    'kmeans-iterations': { type: 'string' },
    out: { type: 'string' },
  });
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

  const progress = createProgressReporter();
  const vectors = await readVectors(vectorsPath);
  const { attributes, ids } = args.attributes ? await readAttributes(args.attributes, args.schema) : {};
  if (args.schema && !args.attributes) throw new UsageError('--schema needs --attributes');
  const store = openStore(out);
  try {
    const summary = await buildIndex(
      {
        vectors: vectors.vectors,
        count: vectors.n,
        dim: vectors.dim,
        ...(attributes ? { attributes } : {}),
        ...(ids ? { ids } : {}),
      },
      store,
      { ...options, onProgress: progress.report },
    );
    progress.stop();
    process.stdout.write(
      `${JSON.stringify({ ...summary, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
    );
  } finally {
    progress.stop();
  }
}

/**
 * The attribute table, and the rows' external ids when they carry an `id` field (a reserved name: it is
 * the vector's id in answers, not an attribute).
 */
async function readAttributes(
  path: string,
  schemaPath: string | undefined,
): Promise<{ attributes: AttributeTable; ids?: (string | number)[] }> {
  const declared = schemaPath ? parseSchema(await readJson(schemaPath)) : undefined;
  const rows = path.toLowerCase().endsWith('.csv')
    ? await readCsvAttributes(path, declared)
    : await readJsonLinesArray(path);
  const carriesIds = rows.some((row) => row.id !== undefined);
  const ids = carriesIds ? rows.map((row) => row.id as string | number) : undefined;
  if (carriesIds) for (const row of rows) delete row.id;
  const attributes = AttributeTable.fromRows(declared ?? inferSchema(rows), rows);
  return ids ? { attributes, ids } : { attributes };
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}
