/**
 * Recall under churn on real data (docs/writes.md): Fashion-MNIST built on a seeded random half of its
 * 60,000 training vectors, the other half upserted through the write log in batches of 500 (ids after
 * the base's), then 10 % of all rows deleted at random in batches of 1,000 ids. Unfiltered and with
 * filters of about 10 % (class label), 1 % and 0.1 % (uniform attribute), with default options:
 * recall@10 ≥ 0.95 against the exact top 10 of the current content (`snapshotContent`, brute force),
 * every hit satisfies its filter on its own row's attributes, k hits whenever k rows match, no deleted id
 * ever comes back — before and after `compactIndex`, whose content must be the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FashionMnist,
  fashionMnistClasses,
  fashionMnistPartitions,
  fashionMnistSchema,
  loadFashionMnist,
  uniformAttribute,
} from '../../scripts/bench/fashion-mnist.ts';
import { meanRecall } from '../../scripts/bench/recall.ts';
import { AttributeTable, type AttributeValue } from '../../shared/attributes/index.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import { LocalSearch } from '../../shared/index/local-search.ts';
import { createRng } from '../../shared/random.ts';
import { MemoryBlobStore } from '../../shared/store/index.ts';
import { compactIndex } from '../../shared/writes/compact-index.ts';
import { IndexWriter } from '../../shared/writes/index-writer.ts';
import { type SnapshotContent, snapshotContent } from '../../shared/writes/snapshot-content.ts';
import { dataDir, fashionMnistDir } from './data-dir.ts';

const k = 10;
const queryCount = 200;
const upsertBatch = 500;
const deleteBatch = 1000;
const deletedShare = 0.1;
const split = { seed: 11 };

interface FilterCase {
  readonly name: string;
  readonly filterOf: (q: number) => unknown;
  /** The filter evaluated on a row's own attributes (independently of the index's filter code). */
  readonly keepOf: (q: number) => (attributes: Readonly<Record<string, AttributeValue>>) => boolean;
}

/** The live rows of a snapshot as flat arrays: ids, vectors (contiguous) and attributes. */
interface Live {
  readonly ids: number[];
  readonly vectors: Float32Array;
  readonly attributes: Readonly<Record<string, AttributeValue>>[];
  readonly byId: Map<number, number>;
}

interface Measured {
  readonly filter: string;
  readonly stage: 'before compaction' | 'after compaction';
  readonly recall: number;
  readonly seconds: number;
}

describe('Fashion-MNIST under churn (half built, half upserted, 10 % deleted)', () => {
  let data: FashionMnist;
  let u: Float64Array;
  let dim: number;
  let store: MemoryBlobStore;
  /** Source training row of each id: ids 0…n/2−1 are the base, n/2… the upserted half. */
  let sourceOf: Int32Array;
  const deleted = new Set<number>();
  /** The last write's log sequence: every search must see it. */
  let lastSequence = 0;
  let live: Live;
  /** Per query, the squared L2 distance to every live row (same order as `live.ids`). */
  let distances: Float64Array[];
  const measured: Measured[] = [];
  const timings: [string, number][] = [];

  async function timed<T>(stage: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await run();
    timings.push([stage, (performance.now() - started) / 1000]);
    return result;
  }

  const query = (q: number) => data.queries.subarray(q * dim, (q + 1) * dim);

  const cases: FilterCase[] = [
    { name: 'unfiltered', filterOf: () => undefined, keepOf: () => () => true },
    {
      name: 'label = query label (10 %)',
      filterOf: (q) => ({ label: fashionMnistClasses[data.queryLabels[q]!]! }),
      keepOf: (q) => (row) => row.label === fashionMnistClasses[data.queryLabels[q]!]!,
    },
    {
      name: 'u < 0.01 (1 %)',
      filterOf: () => ({ u: { $lt: 0.01 } }),
      keepOf: () => (row) => (row.u as number) < 0.01,
    },
    {
      name: 'u < 0.001 (0.1 %)',
      filterOf: () => ({ u: { $lt: 0.001 } }),
      keepOf: () => (row) => (row.u as number) < 0.001,
    },
  ];

  beforeAll(async () => {
    data = await loadFashionMnist(fashionMnistDir, dataDir);
    dim = data.dim;
    u = uniformAttribute(data.count);
    const attributesOf = (row: number) => ({ label: fashionMnistClasses[data.labels[row]!]!, u: u[row]! });
    sourceOf = shuffled(data.count, split.seed);
    const half = Math.floor(data.count / 2);

    store = new MemoryBlobStore();
    await timed('build (30,000 rows)', async () => {
      const vectors = new Float32Array(half * dim);
      for (let id = 0; id < half; id++) vectors.set(trainVector(sourceOf[id]!), id * dim);
      await buildIndex(
        {
          vectors,
          count: half,
          dim,
          attributes: AttributeTable.fromRows(
            fashionMnistSchema,
            Array.from({ length: half }, (_, id) => attributesOf(sourceOf[id]!)),
          ),
        },
        store,
        { partitions: fashionMnistPartitions, bitsPerDim: 4, metric: 'l2', seed: 1, kmeansIterations: 30 },
      );
    });

    const writer = await IndexWriter.open(store);
    await timed('upsert 30,000 rows (60 × 500)', async () => {
      for (let start = half; start < data.count; start += upsertBatch) {
        const rows = [];
        for (let id = start; id < Math.min(start + upsertBatch, data.count); id++) {
          rows.push({ id, vector: trainVector(sourceOf[id]!), attributes: attributesOf(sourceOf[id]!) });
        }
        const result = await writer.upsert(rows, { token: `churn-upsert-${start}` });
        expect(result).toMatchObject({ upserted: rows.length, replayed: false });
      }
    });

    const doomed = shuffled(data.count, split.seed + 1).subarray(0, Math.round(deletedShare * data.count));
    await timed('delete 6,000 rows (6 × 1,000)', async () => {
      for (let start = 0; start < doomed.length; start += deleteBatch) {
        const ids = Array.from(doomed.subarray(start, start + deleteBatch));
        const result = await writer.delete({ ids }, { token: `churn-delete-${start}` });
        expect(result).toMatchObject({ deleted: ids.length, replayed: false });
        lastSequence = result.sequence;
        for (const id of ids) deleted.add(id);
      }
    });

    live = liveRows(await timed('snapshotContent', () => snapshotContent(store)));
    distances = await timed('exact distances (brute force)', async () =>
      Array.from({ length: queryCount }, (_, q) => squaredDistances(live.vectors, dim, query(q))),
    );
  });

  afterAll(() => {
    const lines = ['', 'Fashion-MNIST under churn: recall@10 (default options, 200 queries)'];
    lines.push(`${'filter'.padEnd(28)}${'stage'.padEnd(20)}${'recall'.padStart(8)}${'seconds'.padStart(9)}`);
    for (const row of measured) {
      lines.push(
        `${row.filter.padEnd(28)}${row.stage.padEnd(20)}${row.recall.toFixed(4).padStart(8)}${row.seconds.toFixed(1).padStart(9)}`,
      );
    }
    lines.push('', `${'stage'.padEnd(56)}${'seconds'.padStart(9)}`);
    for (const [stage, seconds] of timings)
      lines.push(`${stage.padEnd(56)}${seconds.toFixed(1).padStart(9)}`);
    console.log(lines.join('\n'));
  });

  function trainVector(row: number): Float32Array {
    return data.base.subarray(row * dim, (row + 1) * dim);
  }

  it('the snapshot content is the base half plus the upserted half minus the deleted rows, bit for bit', () => {
    expect(deleted.size).toBe(6000);
    const present = new Set(live.ids);
    const unexpected = live.ids.filter((id) => deleted.has(id) || id < 0 || id >= data.count);
    const missing = Array.from({ length: data.count }, (_, id) => id).filter(
      (id) => !deleted.has(id) && !present.has(id),
    );
    expect({ rows: live.ids.length, distinct: present.size, unexpected: unexpected.slice(0, 10) }).toEqual({
      rows: data.count - deleted.size,
      distinct: data.count - deleted.size,
      unexpected: [],
    });
    expect(missing.slice(0, 10)).toEqual([]);
    const mismatched: string[] = [];
    live.ids.forEach((id, i) => {
      const source = sourceOf[id]!;
      const vector = live.vectors.subarray(i * dim, (i + 1) * dim);
      if (!trainVector(source).every((value, j) => value === vector[j]))
        mismatched.push(`id ${id}: vector differs from training row ${source}`);
      const attributes = live.attributes[i]!;
      if (attributes.label !== fashionMnistClasses[data.labels[source]!] || attributes.u !== u[source]) {
        mismatched.push(
          `id ${id}: attributes ${JSON.stringify(attributes)}, expected training row ${source}'s`,
        );
      }
    });
    expect(mismatched.slice(0, 5)).toEqual([]);
  });

  async function checkSearch(stage: Measured['stage'], version: number) {
    const search = await LocalSearch.open(store);
    expect(search.snapshot).toEqual({ version, sequence: lastSequence });
    const problemsOf = new Map<string, string[]>();
    for (const { name, filterOf, keepOf } of cases) {
      const started = performance.now();
      const results = await search.search(
        Array.from({ length: queryCount }, (_, q) => ({ vector: query(q), filter: filterOf(q) })),
        { k },
      );
      const seconds = (performance.now() - started) / 1000;
      const problems: string[] = [];
      const recall = meanRecall(
        results.map((result, q) => {
          const keep = keepOf(q);
          const truth = exactTop(distances[q]!, (i) => keep(live.attributes[i]!), k);
          const ids = result.hits.map((hit) => hit.externalId ?? hit.id);
          if (result.hits.length !== Math.min(k, truth.length))
            problems.push(`query ${q}: ${result.hits.length} hits, ${truth.length} rows match`);
          if (new Set(ids).size !== ids.length) problems.push(`query ${q}: an id twice in ${ids.join(', ')}`);
          for (const id of ids) {
            if (typeof id !== 'number' || deleted.has(id))
              problems.push(`query ${q}: deleted id ${id} returned`);
            const row = live.byId.get(id as number);
            if (row === undefined) problems.push(`query ${q}: id ${id} is not in the content`);
            else if (!keep(live.attributes[row]!)) problems.push(`query ${q}: id ${id} fails the filter`);
          }
          return { returned: result.hits.map((hit) => hit.distance), truth };
        }),
        k,
      );
      measured.push({ filter: name, stage, recall, seconds });
      problemsOf.set(name, problems.slice(0, 5));
    }
    // Every filter is measured before anything is asserted, so a failure still reports every number.
    for (const [name, problems] of problemsOf) expect(problems, `${name}, ${stage}`).toEqual([]);
    for (const { filter, recall } of measured.filter((row) => row.stage === stage)) {
      expect(recall, `${filter}, ${stage}: recall@10`).toBeGreaterThanOrEqual(0.95);
    }
  }

  it('before compaction: recall@10 ≥ 0.95 per filter, exact filters, k hits, no deleted id', async () => {
    await checkSearch('before compaction', 1);
  });

  it('after compaction: the same rows, and the same checks hold on the compacted version', async () => {
    const started = performance.now();
    const summary = await compactIndex(store, { retentionSeconds: 0 });
    timings.push([
      `compactIndex (${summary.repartitioned ? 're-partitioned' : 'centroids kept'}, ` +
        `${summary.rowsFolded} folded, ${summary.rowsDropped} dropped)`,
      (performance.now() - started) / 1000,
    ]);
    expect(summary).toMatchObject({ previousVersion: 1, version: 2, count: live.ids.length });
    const after = liveRows(await snapshotContent(store));
    expect(after.ids.length).toBe(live.ids.length);
    const differing: number[] = [];
    after.ids.forEach((id, i) => {
      const row = live.byId.get(id);
      const same =
        row !== undefined &&
        after.vectors
          .subarray(i * dim, (i + 1) * dim)
          .every((value, j) => value === live.vectors[row * dim + j]) &&
        JSON.stringify(after.attributes[i]) === JSON.stringify(live.attributes[row]);
      if (!same) differing.push(id);
    });
    expect(differing.slice(0, 10)).toEqual([]);
    await checkSearch('after compaction', 2);
  });
});

/** A seeded permutation of 0…n−1 (Fisher–Yates). */
function shuffled(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** The content's rows in one contiguous array (ids are integers: the index was built without ids). */
function liveRows(content: SnapshotContent): Live {
  const dim = content.rows[0]?.vector.length ?? 0;
  const vectors = new Float32Array(content.rows.length * dim);
  const ids = content.rows.map((row, i) => {
    if (typeof row.id !== 'number')
      throw new Error(`content row ${i} has id ${String(row.id)}; expected an integer`);
    vectors.set(row.vector, i * dim);
    return row.id;
  });
  return {
    ids,
    vectors,
    attributes: content.rows.map((row) => row.attributes),
    byId: new Map(ids.map((id, i) => [id, i])),
  };
}

/** Squared L2 distance from the query to every row. */
function squaredDistances(vectors: Float32Array, dim: number, query: Float32Array): Float64Array {
  const n = vectors.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    const offset = i * dim;
    for (let j = 0; j < dim; j++) {
      const diff = query[j]! - vectors[offset + j]!;
      sum += diff * diff;
    }
    out[i] = sum;
  }
  return out;
}

/** The k smallest L2 distances among the rows `keep` accepts, ascending (fewer when fewer match). */
function exactTop(squared: Float64Array, keep: (row: number) => boolean, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < squared.length; i++) {
    const d = squared[i]!;
    if ((best.length === k && d >= best[k - 1]!) || !keep(i)) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]! > d) at--;
    best.splice(at, 0, d);
    if (best.length > k) best.pop();
  }
  return best.map(Math.sqrt);
}
