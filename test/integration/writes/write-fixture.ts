/**
 * What the write-path acceptance tests share: a small synthetic index (3,000 × 16, the synthetic
 * attributes, integer ids 0…2999) built into the target's bucket, deterministic vectors for upserts, the
 * content the index should hold (id → vector and attributes), and the exact oracle an answer is checked
 * against: `snapshotContent` of the very objects the functions read, compared row by row.
 */
import { AttributeTable, type AttributeValue } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import type { ExternalId } from '../../../shared/format/index.ts';
import { createRng } from '../../../shared/random.ts';
import { type BlobStore, S3BlobStore } from '../../../shared/store/index.ts';
import { generateDataset, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { LOG_PREFIX, sequenceOfLogKey } from '../../../shared/writes/log-keys.ts';
import type { SnapshotContent } from '../../../shared/writes/snapshot-content.ts';
import type { SearchTarget } from '../support/search-target.ts';

export const COUNT = 3000;
export const DIM = 16;
export const dataset = generateDataset({ count: COUNT, dim: DIM, seed: 11, clusters: 8 });
export const table = new AttributeTable(SYNTHETIC_SCHEMA, COUNT, dataset.attributes!.columns());

export interface Row {
  readonly vector: Float32Array;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** Builds the test index as `name` in the target's bucket (6 partitions, 4 bits, seeded). */
export async function buildWriteIndex(target: SearchTarget, name: string): Promise<BlobStore> {
  const store = target.indexStore(name);
  await buildIndex({ vectors: dataset.vectors, count: COUNT, dim: DIM, attributes: table }, store, {
    partitions: 6,
    bitsPerDim: 4,
    metric: 'l2',
    seed: 1,
    kmeansIterations: 8,
  });
  return store;
}

/** The built index's content: id → row, for ids 0…COUNT−1. */
export function baseContent(): Map<ExternalId, Row> {
  const content = new Map<ExternalId, Row>();
  for (let i = 0; i < COUNT; i++) content.set(i, { vector: baseVector(i), attributes: table.rowValues(i) });
  return content;
}

export function baseVector(row: number): Float32Array {
  return dataset.vectors.slice(row * DIM, (row + 1) * DIM);
}

/**
 * A vector for upserts, seeded by `seed`: a base row's vector moved a little, so written rows sit among
 * the index's own (they are found by approximate searches and land in every partition).
 */
export function writeVector(seed: number): Float32Array {
  const rng = createRng(0x5eed + seed * 7919);
  const vector = baseVector(rng.int(COUNT));
  for (let j = 0; j < DIM; j++) vector[j] = vector[j]! + rng.normal() * 0.05;
  return vector;
}

/** The JSON numbers of a float32 vector (each converts back to the same float32). */
export function numbers(vector: Float32Array): number[] {
  return Array.from(vector);
}

/**
 * Differences between the content read from the index and the expected one, at most `limit` of them:
 * an id twice, an id missing or unexpected, a vector whose bits differ, attributes that differ. Empty when
 * they are equal.
 */
export function contentDifferences(
  content: SnapshotContent,
  expected: ReadonlyMap<ExternalId, Row>,
  limit = 20,
): string[] {
  const problems: string[] = [];
  const seen = new Set<ExternalId>();
  for (const row of content.rows) {
    if (problems.length >= limit) return problems;
    if (seen.has(row.id)) {
      problems.push(`id ${row.id} is in the content twice`);
      continue;
    }
    seen.add(row.id);
    const want = expected.get(row.id);
    if (!want) {
      problems.push(`id ${row.id} is in the content but should not be (${row.fromLog ? 'log' : 'base'} row)`);
      continue;
    }
    if (!sameBits(row.vector, want.vector)) {
      problems.push(
        `id ${row.id}: vector [${row.vector.slice(0, 3).join(', ')}…] differs from the one written`,
      );
    }
    if (JSON.stringify(sortedKeys(row.attributes)) !== JSON.stringify(sortedKeys(want.attributes))) {
      problems.push(
        `id ${row.id}: attributes ${JSON.stringify(row.attributes)}, expected ${JSON.stringify(want.attributes)}`,
      );
    }
  }
  for (const id of expected.keys()) {
    if (problems.length >= limit) break;
    if (!seen.has(id)) problems.push(`id ${id} is missing from the content`);
  }
  return problems;
}

/** Row by row, two contents are the same (ids, vector bits, attributes), whatever their order. */
export function contentAsRows(content: SnapshotContent): Map<ExternalId, Row> {
  const rows = new Map<ExternalId, Row>();
  for (const row of content.rows) rows.set(row.id, { vector: row.vector, attributes: row.attributes });
  return rows;
}

export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  );
}

function sortedKeys(record: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Sequences of the objects under `log/`, ascending; a key that is not a log entry is reported by name. */
export async function logSequences(store: BlobStore): Promise<{ sequences: number[]; strangers: string[] }> {
  const sequences: number[] = [];
  const strangers: string[] = [];
  for (const key of await store.list(LOG_PREFIX)) {
    const sequence = sequenceOfLogKey(key);
    if (sequence === undefined) strangers.push(key);
    else sequences.push(sequence);
  }
  return { sequences: sequences.sort((a, b) => a - b), strangers };
}

/** `s3://bucket/prefix` of an index store of the target (for the CLI and child processes). */
export function s3Location(store: BlobStore): string {
  if (!(store instanceof S3BlobStore)) throw new Error(`${store.description} is not an S3 store`);
  return `s3://${store.bucket}/${store.prefix.replace(/\/$/, '')}`;
}

/** Exact top-k over `rows` by L2 distance (float64 sums of float32 values), ties broken by id. */
export function exactTop(
  rows: ReadonlyMap<ExternalId, Row>,
  query: Float32Array,
  k: number,
  keep: (row: Row) => boolean = () => true,
): { id: ExternalId; distance: number }[] {
  const scored: { id: ExternalId; distance: number }[] = [];
  for (const [id, row] of rows) {
    if (!keep(row)) continue;
    let sum = 0;
    for (let j = 0; j < DIM; j++) sum += (query[j]! - row.vector[j]!) ** 2;
    scored.push({ id, distance: Math.sqrt(sum) });
  }
  return scored
    .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, k);
}
