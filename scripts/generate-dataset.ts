/**
 * Writes a seeded synthetic dataset (shared/synthetic) to a directory, streaming it in chunks so that
 * 1 M × 128 needs no more memory than one chunk:
 *   base.fvecs        the vectors
 *   attributes.jsonl  one JSON object per row: {"u", "category", "tags", "score"}
 *   schema.json       the attribute schema (`squash build --schema`)
 *   queries.fvecs     `queries` query vectors from the same distribution (when queries > 0)
 *   dataset.json      the parameters and file names
 *
 * Usage: npx tsx scripts/generate-dataset.ts --count 1000000 --dim 128 --seed 1 --out data/synthetic-1m
 *        [--clusters 32] [--queries 1000]
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeFvecs } from '../shared/data/index.ts';
import { InvalidInputError, SquashError } from '../shared/errors/index.ts';
import {
  DEFAULT_CLUSTERS,
  generateQueries,
  SYNTHETIC_SCHEMA,
  SyntheticDatasetStream,
} from '../shared/synthetic/index.ts';

export interface GenerateDatasetFilesOptions {
  readonly count: number;
  readonly dim: number;
  readonly seed: number;
  /** @default DEFAULT_CLUSTERS */
  readonly clusters?: number;
  /** Query vectors to write; 0 writes none. @default 0 */
  readonly queries?: number;
  /** Rows per chunk: memory is about chunkRows × (4·dim + 100) bytes. @default 16384 */
  readonly chunkRows?: number;
}

export interface DatasetDescription {
  readonly count: number;
  readonly dim: number;
  readonly seed: number;
  readonly clusters: number;
  readonly queries: number;
  readonly files: {
    readonly vectors: string;
    readonly attributes: string;
    readonly schema: string;
    readonly queries?: string;
  };
}

export async function writeSyntheticDataset(
  directory: string,
  options: GenerateDatasetFilesOptions,
): Promise<DatasetDescription> {
  const { count, dim, seed } = options;
  const clusters = options.clusters ?? DEFAULT_CLUSTERS;
  const queries = options.queries ?? 0;
  if (!Number.isSafeInteger(queries) || queries < 0) {
    throw new InvalidInputError(`queries must be an integer ≥ 0, got ${queries}`);
  }
  const stream = new SyntheticDatasetStream({ count, dim, seed, clusters });
  await mkdir(directory, { recursive: true });
  const files = {
    vectors: 'base.fvecs',
    attributes: 'attributes.jsonl',
    schema: 'schema.json',
    ...(queries > 0 ? { queries: 'queries.fvecs' } : {}),
  };
  const vectorFile = await open(join(directory, files.vectors), 'w');
  const attributeFile = await open(join(directory, files.attributes), 'w');
  try {
    const chunkRows = options.chunkRows ?? 16_384;
    for (let chunk = stream.next(chunkRows); chunk !== null; chunk = stream.next(chunkRows)) {
      await vectorFile.write(encodeFvecs(chunk.vectors, chunk.count, dim));
      const lines: string[] = [];
      for (const row of chunk.attributes!.rows()) lines.push(JSON.stringify(row));
      await attributeFile.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await vectorFile.close();
    await attributeFile.close();
  }
  await writeFile(join(directory, files.schema), `${JSON.stringify(SYNTHETIC_SCHEMA, null, 2)}\n`);
  if (files.queries !== undefined) {
    const generated = generateQueries({ count: queries, dim, seed, fromDataset: { seed, clusters } });
    await writeFile(join(directory, files.queries), encodeFvecs(generated.vectors, queries, dim));
  }
  const description: DatasetDescription = { count, dim, seed, clusters, queries, files };
  await writeFile(join(directory, 'dataset.json'), `${JSON.stringify(description, null, 2)}\n`);
  return description;
}

function integerOption(values: Record<string, string | undefined>, name: string, fallback?: number): number {
  const text = values[name];
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    throw new InvalidInputError(`--${name} is required`);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new InvalidInputError(`--${name} must be an integer, got \`${text}\``);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      dim: { type: 'string' },
      seed: { type: 'string' },
      clusters: { type: 'string' },
      queries: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values.out === undefined) throw new InvalidInputError('--out <directory> is required');
  const started = performance.now();
  const description = await writeSyntheticDataset(resolve(values.out), {
    count: integerOption(values, 'count'),
    dim: integerOption(values, 'dim'),
    seed: integerOption(values, 'seed', 1),
    clusters: integerOption(values, 'clusters', DEFAULT_CLUSTERS),
    queries: integerOption(values, 'queries', 0),
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ ...description, directory: resolve(values.out), seconds })}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `generate-dataset: ${error instanceof SquashError ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
