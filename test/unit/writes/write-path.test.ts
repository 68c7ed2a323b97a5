import { beforeEach, describe, expect, it } from 'vitest';
import { AttributeTable, type AttributeValue } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { InvalidQueryError, PayloadTooLargeError } from '../../../shared/errors/index.ts';
import { IndexReader } from '../../../shared/index/index-reader.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { type BlobStore, MemoryBlobStore } from '../../../shared/store/index.ts';
import { generateDataset, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { compactIndex } from '../../../shared/writes/compact-index.ts';
import { IndexWriter } from '../../../shared/writes/index-writer.ts';
import { WriteLog } from '../../../shared/writes/write-log.ts';

const count = 1500;
const dim = 16;
const dataset = generateDataset({ count, dim, seed: 3, clusters: 6 });
const table = new AttributeTable(SYNTHETIC_SCHEMA, count, dataset.attributes!.columns());

interface Row {
  readonly vector: Float32Array;
  readonly attributes: Record<string, AttributeValue>;
}

/** The content an index should hold: id → row; the oracle every answer is checked against. */
function baseContent(): Map<number, Row> {
  const content = new Map<number, Row>();
  for (let i = 0; i < count; i++) {
    content.set(i, { vector: dataset.vectors.slice(i * dim, (i + 1) * dim), attributes: table.rowValues(i) });
  }
  return content;
}

function exactTop(content: Map<number, Row>, query: Float32Array, k: number, keep: (row: Row) => boolean) {
  const scored: { id: number; distance: number }[] = [];
  for (const [id, row] of content) {
    if (!keep(row)) continue;
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (query[j]! - row.vector[j]!) ** 2;
    scored.push({ id, distance: Math.sqrt(sum) });
  }
  return scored.sort((a, b) => a.distance - b.distance || a.id - b.id).slice(0, k);
}

function vectorNear(seed: number): Float32Array {
  const v = new Float32Array(dim);
  for (let j = 0; j < dim; j++) v[j] = Math.sin(seed * 7.1 + j) * 3;
  return v;
}

describe('writes on an in-process index', () => {
  let store: MemoryBlobStore;
  let content: Map<number, Row>;
  beforeEach(async () => {
    store = new MemoryBlobStore();
    await buildIndex({ vectors: dataset.vectors, count, dim, attributes: table }, store, {
      partitions: 6,
      bitsPerDim: 4,
      metric: 'l2',
      seed: 1,
      kmeansIterations: 8,
    });
    content = baseContent();
  });

  async function expectExactMatches(filter: unknown, keep: (row: Row) => boolean) {
    const search = await LocalSearch.open(store);
    for (let q = 0; q < 8; q++) {
      const query = vectorNear(q);
      const [result] = await search.search([{ vector: query, filter }], { k: 10, exact: true });
      const expected = exactTop(content, query, 10, keep);
      expect(result!.hits.map((hit) => hit.externalId ?? hit.id)).toEqual(expected.map((hit) => hit.id));
      result!.hits.forEach((hit, i) => {
        expect(hit.distance).toBeCloseTo(expected[i]!.distance, 4);
      });
    }
  }

  it('finds an upserted vector at once, with its own attributes, and the base row it replaced never', async () => {
    const writer = await IndexWriter.open(store);
    const upserts: { id: number; vector: Float32Array; attributes: Record<string, AttributeValue> }[] = [
      { id: 5000, vector: vectorNear(0), attributes: { u: 0.5, category: 'ultraviolet' } },
      { id: 7, vector: vectorNear(1), attributes: { u: 0.25, tags: ['fresh'] } },
    ];
    const result = await writer.upsert(upserts, { token: 'first' });
    expect(result).toMatchObject({
      sequence: 1,
      upserted: 2,
      deleted: 0,
      replayed: false,
      logRows: 10,
      rows: 10,
    });
    for (const row of upserts) content.set(row.id, { vector: row.vector, attributes: row.attributes });

    const search = await LocalSearch.open(store);
    expect(search.snapshot).toEqual({ version: 1, sequence: 1 });
    const [nearest] = await search.search([{ vector: vectorNear(0) }], { k: 1 });
    expect(nearest!.hits[0]).toMatchObject({ externalId: 5000, distance: 0 });
    const [violet] = await search.search([{ vector: vectorNear(5), filter: { category: 'ultraviolet' } }], {
      k: 5,
    });
    expect(violet!.hits.map((hit) => hit.externalId)).toEqual([5000]);
    await expectExactMatches({ u: { $lt: 0.3 } }, (row) => (row.attributes.u as number) < 0.3);
    await expectExactMatches(undefined, () => true);
  });

  it('never returns deleted rows, by id or by filter, and a later upsert survives an earlier filter delete', async () => {
    const writer = await IndexWriter.open(store);
    const doomed = [...content.keys()].filter((id) => id % 3 === 0);
    for (let i = 0; i < doomed.length; i += 1000) await writer.delete({ ids: doomed.slice(i, i + 1000) });
    for (const id of doomed) content.delete(id);
    await writer.delete({ filter: { category: 'red' } });
    for (const [id, row] of content) if (row.attributes.category === 'red') content.delete(id);
    await writer.upsert([{ id: 9001, vector: vectorNear(2), attributes: { category: 'red', u: 0.1 } }]);
    content.set(9001, { vector: vectorNear(2), attributes: { category: 'red', u: 0.1 } });

    await expectExactMatches(undefined, () => true);
    await expectExactMatches({ category: 'red' }, (row) => row.attributes.category === 'red');
    const search = await LocalSearch.open(store);
    const results = await search.search(
      Array.from({ length: 8 }, (_, q) => ({ vector: vectorNear(q) })),
      { k: 10 },
    );
    for (const result of results) {
      for (const hit of result.hits) expect(content.has(Number(hit.externalId ?? hit.id))).toBe(true);
    }
  });

  it('applies a token once, and refuses bad requests whole', async () => {
    const writer = await IndexWriter.open(store);
    const first = await writer.upsert([{ id: 1, vector: vectorNear(1) }], { token: 'retry-me' });
    const again = await writer.upsert([{ id: 1, vector: vectorNear(1) }], { token: 'retry-me' });
    expect(again).toMatchObject({ sequence: first.sequence, replayed: true });
    expect(await writer.log.lastSequence()).toBe(1);

    const other = await IndexWriter.open(store);
    expect(await other.upsert([{ id: 1, vector: vectorNear(1) }], { token: 'retry-me' })).toMatchObject({
      sequence: 1,
      replayed: true,
    });

    await expect(writer.upsert([{ id: 2, vector: new Float32Array(dim + 1) }])).rejects.toThrow(
      /vectors\[0\]\.vector has 17 dims, the index expects 16/,
    );
    await expect(
      writer.upsert([{ id: 2, vector: vectorNear(2), attributes: { colour: 'x' } }]),
    ).rejects.toThrow(/unknown attribute `colour`/);
    await expect(
      writer.upsert([
        { id: 2, vector: vectorNear(2) },
        { id: 2, vector: vectorNear(3) },
      ]),
    ).rejects.toThrow(InvalidQueryError);
    await expect(
      writer.upsert(Array.from({ length: 501 }, (_, i) => ({ id: i, vector: vectorNear(i) }))),
    ).rejects.toThrow(PayloadTooLargeError);
    await expect(writer.upsert([{ id: 'seven', vector: vectorNear(2) }])).rejects.toThrow(
      /expected a safe integer/,
    );
    await expect(writer.delete({ filter: { nope: 1 } })).rejects.toThrow(InvalidQueryError);
    expect(await writer.log.lastSequence()).toBe(1);
  });

  it('gives concurrent writers distinct consecutive sequences and loses nothing', async () => {
    const writers = await Promise.all(Array.from({ length: 8 }, () => IndexWriter.open(store)));
    const results = await Promise.all(
      writers.map((writer, w) =>
        (async () => {
          const sequences: number[] = [];
          for (let b = 0; b < 5; b++) {
            const id = 10_000 + w * 100 + b;
            sequences.push((await writer.upsert([{ id, vector: vectorNear(id) }])).sequence);
          }
          return sequences;
        })(),
      ),
    );
    expect(results.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (let w = 0; w < 8; w++) {
      for (let b = 0; b < 5; b++) {
        const id = 10_000 + w * 100 + b;
        content.set(id, { vector: vectorNear(id), attributes: {} });
      }
    }
    await expectExactMatches(undefined, () => true);
  });

  it('races for its budget after a slow first catch-up, even when others appended meanwhile', async () => {
    const warm = await IndexWriter.open(store);
    for (let b = 0; b < 5; b++) await warm.upsert([{ id: 20_000 + b, vector: vectorNear(b) }]);
    // A budget long enough that no stall of a loaded machine between two attempts outlasts it.
    const budgetMs = 1000;
    let appendMeanwhile: Promise<unknown> | undefined;
    // A cold writer whose first reads of the log take longer than its whole budget; while it reads, the
    // warm writer takes the sequence it will first try.
    const slowLog: BlobStore = {
      description: store.description,
      get: async (key) => {
        if (appendMeanwhile === undefined) {
          appendMeanwhile = warm.upsert([{ id: 20_100, vector: vectorNear(100) }]);
          await appendMeanwhile;
          await new Promise((resolve) => setTimeout(resolve, 1.5 * budgetMs));
        }
        await appendMeanwhile;
        return store.get(key);
      },
      getRange: (key, offset, length) => store.getRange(key, offset, length),
      getRangeWithSize: (key, offset, length) => store.getRangeWithSize(key, offset, length),
      put: (key, body, options) => store.put(key, body, options),
      head: (key) => store.head(key),
      list: (prefix, startAfter) => store.list(prefix, startAfter),
      delete: (key) => store.delete(key),
    };
    const reader = await IndexReader.open(store, { allocator: false });
    const cold = new IndexWriter(reader, new WriteLog(slowLog), { budgetMs });
    const result = await cold.upsert([{ id: 20_200, vector: vectorNear(200) }]);
    expect(result.sequence).toBe(7);
    expect(await cold.log.lastSequence()).toBe(7);
  });
});

describe('compaction', () => {
  it('folds the log into a new version with the same content, and a second run folds nothing', async () => {
    const store = new MemoryBlobStore();
    await buildIndex({ vectors: dataset.vectors, count, dim, attributes: table }, store, {
      partitions: 6,
      bitsPerDim: 4,
      metric: 'l2',
      seed: 1,
      kmeansIterations: 8,
    });
    const content = baseContent();
    const writer = await IndexWriter.open(store);
    await writer.delete({ ids: Array.from({ length: 300 }, (_, i) => i * 5) });
    for (let i = 0; i < 300; i++) content.delete(i * 5);
    await writer.delete({ filter: { category: 'red' } });
    for (const [id, row] of content) if (row.attributes.category === 'red') content.delete(id);
    const upserts = Array.from({ length: 200 }, (_, i) => ({
      id: i % 2 === 0 ? 20_000 + i : i * 5 + 1,
      vector: vectorNear(i + 100),
      attributes: { u: (i % 10) / 10, category: i % 3 === 0 ? 'red' : 'teal' },
    }));
    await writer.upsert(upserts);
    for (const row of upserts) content.set(row.id, { vector: row.vector, attributes: row.attributes });

    const before = await LocalSearch.open(store);
    const queries = Array.from({ length: 12 }, (_, q) => ({ vector: vectorNear(q * 13) }));
    const answersBefore = await before.search(queries, { k: 10, exact: true });

    const summary = await compactIndex(store, { retentionSeconds: 0 });
    expect(summary).toMatchObject({
      previousVersion: 1,
      version: 2,
      logThrough: 3,
      entriesFolded: 3,
      rowsFolded: 200,
      count: content.size,
    });
    const after = await LocalSearch.open(store);
    expect(after.snapshot).toEqual({ version: 2, sequence: 3 });
    expect(after.reader.manifest.count).toBe(content.size);
    const answersAfter = await after.search(queries, { k: 10, exact: true });
    answersAfter.forEach((answer, q) => {
      const expected = exactTop(content, queries[q]!.vector, 10, () => true);
      expect(answer.hits.map((hit) => hit.externalId)).toEqual(expected.map((hit) => hit.id));
      expect(answersBefore[q]!.hits.map((hit) => hit.externalId ?? hit.id)).toEqual(
        expected.map((hit) => hit.id),
      );
    });
    const [red] = await after.search([{ vector: vectorNear(100), filter: { category: 'red' } }], { k: 3 });
    expect(red!.hits[0]).toMatchObject({ externalId: 20_000, distance: 0 });
    // Retention 0: version 1 and the folded log entries are gone already.
    expect(summary.removed).toEqual({ versions: [1], logObjects: 3 });
    expect(await store.list('v1/')).toEqual([]);

    const again = await compactIndex(store);
    expect(again).toMatchObject({ version: undefined, skipped: 'the log holds nothing to fold' });

    await writer.upsert([{ id: 1, vector: vectorNear(999) }]);
    const later = await LocalSearch.open(store);
    expect(later.snapshot).toEqual({ version: 2, sequence: 4 });
    const [found] = await later.search([{ vector: vectorNear(999) }], { k: 1 });
    expect(found!.hits[0]).toMatchObject({ externalId: 1, distance: 0 });
  });
});
