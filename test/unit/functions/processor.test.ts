/**
 * The processor over a MemoryBlobStore-backed index: the same hits as `searchPartition` on the partition
 * loaded directly, cold on the first call and warm after, and the typed errors it answers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CachedValue } from '../../../functions/index-cache.ts';
import type { ProcessorResponse } from '../../../functions/processor/payload.ts';
import { serveProcessor } from '../../../functions/processor/serve-processor.ts';
import { createRuntime } from '../../../functions/runtime.ts';
import { encodeVector } from '../../../functions/wire/vector-base64.ts';
import { LruCache, retainedBytes } from '../../../shared/cache/index.ts';
import { IndexReader } from '../../../shared/index/index-reader.ts';
import { defaultPartitionSearchOptions, searchPartition } from '../../../shared/search/partition-search.ts';
import { workspaceBytes, workspaceOf } from '../../../shared/search/partition-workspace.ts';
import { type Hit, mergeHits } from '../../../shared/search/top-k.ts';
import { type MemoryBlobStore, withPrefix } from '../../../shared/store/index.ts';
import { attributes, buildTestStore, INDEX, queryVector, testConfig } from './test-stack.ts';

let store: MemoryBlobStore;
let reader: IndexReader;
/** Bytes a processor's IndexReader reads to open: none beyond the manifest (no centroids, no allocator codes). */
let openBytes: number;
beforeAll(async () => {
  store = await buildTestStore();
  reader = await IndexReader.open(withPrefix(store, INDEX), { allocator: false });
  openBytes = reader.bytesFetched;
});

it('a processor opens an index without reading centroids or allocator attribute codes', () => {
  expect(openBytes).toBe(0);
  expect(() => reader.layout).toThrow(/without allocator data/);
});

const PARTITION = 3;
const K = 7;
const filters = [null, { u: { $lt: 0.3 } }, { category: { $in: ['red', 'blue'] }, tags: { $nin: ['sale'] } }];
const options = { rerank: 4, hammingKeepPercent: 30, pruningDims: 8, includeAttributes: false };

function part(partition = PARTITION) {
  return {
    partition,
    queries: filters.map((_, q) => ({ position: q, k: K, mode: q === 2 ? 'exact' : 'approximate' })),
  };
}

/**
 * A processor payload of one part per partition listed (one part, partition 3, by default), every part
 * naming the same queries, which the call carries once.
 */
function payload(overrides: Record<string, unknown> = {}, partitions: readonly number[] = [PARTITION]) {
  return {
    index: INDEX,
    version: 1,
    sequence: 0,
    options,
    queries: filters.map((filter, q) => ({
      position: q,
      vectorBase64: encodeVector(queryVector(q)),
      filter,
    })),
    parts: partitions.map((partition) => part(partition)),
    ...overrides,
  };
}

describe('processPartition', () => {
  it('returns what searchPartition returns on the partition loaded directly, cold then warm', async () => {
    const runtime = createRuntime(testConfig(), { indexStore: (name) => withPrefix(store, name) });
    const data = await reader.loadPartition(PARTITION);
    const searchOptions = {
      ...defaultPartitionSearchOptions,
      rerank: 4,
      hammingKeepPercent: 30,
      pruningDims: 8,
    };
    const direct = filters.map((filter, q) =>
      searchPartition(
        data,
        {
          vector: queryVector(q),
          filter: reader.compileFilter(filter),
          k: 7,
          mode: q === 2 ? 'exact' : 'approximate',
        },
        searchOptions,
      ),
    );

    const reply = (await serveProcessor(payload(), runtime)) as ProcessorResponse;
    expect(reply).toMatchObject({ containerStart: true });
    expect(reply.parts).toHaveLength(1);
    const first = reply.parts[0]!;
    expect(first.results).toEqual(
      direct.map((result, q) => ({
        position: q,
        ids: result.hits.map((hit) => hit.id),
        distances: result.hits.map((hit) => hit.distance),
        candidates: result.candidates,
        reranked: result.reranked,
        exhausted: result.exhausted,
        plan: result.plan,
      })),
    );
    expect(direct[0]!.hits).toHaveLength(7);
    const ref = reader.manifest.objects.partitions[PARTITION]!;
    expect(first).toMatchObject({ partition: PARTITION, cold: true });
    // The reader (nothing beyond the manifest) and the partition object: every section, plus its header and
    // padding, which are read to be checked too (shared/format/fetch-object.ts); nothing else.
    expect(first.bytesFetched).toBe(openBytes + ref.bytes);
    expect(runtime.cache.keys()).toEqual([
      `reader:${INDEX}@1:processor`,
      `partition:${INDEX}@1/${PARTITION}`,
    ]);

    const again = (await serveProcessor(payload(), runtime)) as ProcessorResponse;
    expect(again.containerStart).toBe(false);
    const second = again.parts[0]!;
    expect(second).toMatchObject({ cold: false, bytesFetched: 0 });
    expect(second.results).toEqual(first.results);
    expect(runtime.cache.usedBytes).toBe(openBytes + retainedBytes(data) + workspaceBytes(data));
    // The charge covers what the searches made the workspace hold.
    expect(retainedBytes([data, workspaceOf(data)]) - retainedBytes(data)).toBeLessThanOrEqual(
      workspaceBytes(data),
    );
  });

  it('answers a call of several parts as one call per partition does, query by query', async () => {
    const partitions = [5, 0, 3];
    const separate = createRuntime(testConfig(), { indexStore: (name) => withPrefix(store, name) });
    const single: ProcessorResponse['parts'] = [];
    for (const partition of partitions) {
      const reply = (await serveProcessor(payload({}, [partition]), separate)) as ProcessorResponse;
      single.push(reply.parts[0]!);
    }
    const together = createRuntime(testConfig(), { indexStore: (name) => withPrefix(store, name) });
    const cold = (await serveProcessor(payload({}, partitions), together)) as ProcessorResponse;
    expect(cold.containerStart).toBe(true);
    // The first part is searched alone; later parts skip rows that cannot beat the query's k-th best
    // from earlier parts, so their own lists may be shorter, but each query's merged answer is the same.
    expect(cold.parts[0]!.results).toEqual(single[0]!.results);
    expect(mergedByPosition(cold.parts)).toEqual(mergedByPosition(single));
    expect(cold.parts.map((answer) => answer.partition)).toEqual(partitions);
    // The reader is opened once and counted in the first part; each part counts its partition object.
    const objects = reader.manifest.objects.partitions;
    expect(cold.parts.map((answer) => answer.bytesFetched)).toEqual(
      partitions.map((partition, i) => (i === 0 ? openBytes : 0) + objects[partition]!.bytes),
    );
    const warm = (await serveProcessor(payload({}, [3, 5]), together)) as ProcessorResponse;
    expect(
      warm.parts.map(({ partition, cold, bytesFetched }) => ({ partition, cold, bytesFetched })),
    ).toEqual([
      { partition: 3, cold: false, bytesFetched: 0 },
      { partition: 5, cold: false, bytesFetched: 0 },
    ]);
    expect(warm.parts[0]!.results).toEqual(single[2]!.results);
    expect(mergedByPosition(warm.parts)).toEqual(mergedByPosition([single[2]!, single[0]!]));
  });

  it("returns each hit's attributes when asked", async () => {
    const runtime = createRuntime(testConfig(), { indexStore: (name) => withPrefix(store, name) });
    const reply = (await serveProcessor(
      payload({ options: { ...options, includeAttributes: true } }),
      runtime,
    )) as ProcessorResponse;
    for (const result of reply.parts[0]!.results) {
      expect(result.attributes).toEqual(result.ids.map((id: number) => attributes.rowValues(id)));
    }
  });

  it('keeps partitions within the cache budget, evicting the least recently used', async () => {
    const sizes = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (p) => {
        const data = await reader.loadPartition(p);
        return retainedBytes(data) + workspaceBytes(data);
      }),
    );
    // Room for the reader and the two largest partitions, not three.
    const largest = [...sizes].sort((a, b) => b - a);
    const budget = openBytes + largest[0]! + largest[1]!;
    expect(budget).toBeLessThan(openBytes + sizes[3]! + sizes[4]! + sizes[5]!);
    const runtime = {
      ...createRuntime(testConfig(), { indexStore: (name) => withPrefix(store, name) }),
      cache: new LruCache<CachedValue>(budget),
    };
    const cold: boolean[] = [];
    for (const partition of [0, 1, 2, 3, 4, 5, 5, 4, 0]) {
      const reply = (await serveProcessor(payload({}, [partition]), runtime)) as ProcessorResponse;
      cold.push(reply.parts[0]!.cold);
      expect(runtime.cache.usedBytes).toBeLessThanOrEqual(budget);
    }
    expect(cold).toEqual([true, true, true, true, true, true, false, false, true]);
    expect(runtime.cache.keys().sort()).toEqual([
      `partition:${INDEX}@1/0`,
      `partition:${INDEX}@1/4`,
      `reader:${INDEX}@1:processor`,
    ]);
  });

  it('answers typed errors as { error } and rejects malformed payloads', async () => {
    const runtime = createRuntime(testConfig(), { indexStore: (name) => withPrefix(store, name) });
    expect(await serveProcessor(payload({}, [0, 6]), runtime)).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message: 'processor payload: partition 6 is outside 0..5 of index `synth` version 1',
      },
    });
    expect(await serveProcessor(payload({ version: 2 }), runtime)).toEqual({
      error: {
        code: 'INDEX_NOT_FOUND',
        message: 'memory://synth has no version 2 (`v2/manifest.json` does not exist)',
      },
    });
    const short = payload({}, [0, 1]);
    short.queries[1]!.vectorBase64 = encodeVector(queryVector(0).subarray(0, 8));
    expect(await serveProcessor(short, runtime)).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message:
          'processor payload: queries[1].vectorBase64 has 8 dims; the prepared vectors of index `synth` have 16',
      },
    });
    const unnamed = payload({}, [0, 1]);
    unnamed.parts[1]!.queries[2]!.position = 9;
    expect(await serveProcessor(unnamed, runtime)).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message:
          "processor payload: parts[1].queries[2] names position 9, which is not among the call's queries",
      },
    });
    const repeated = payload();
    repeated.queries[2]!.position = 0;
    expect(await serveProcessor(repeated, runtime)).toEqual({
      error: { code: 'INVALID_QUERY', message: 'processor payload: queries[2] repeats position 0' },
    });
    expect(await serveProcessor(payload({ parts: [] }), runtime)).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message: 'processor payload: `parts`: must hold at least one part (received an array of 0)',
      },
    });
    expect(await serveProcessor(payload({ parts: [{ partition: 1, queries: [] }] }), runtime)).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message:
          'processor payload: `parts[0].queries`: must hold at least one query (received an array of 0)',
      },
    });
  });
});

/** Each query position's hits over all parts, merged into its top k. */
function mergedByPosition(parts: ProcessorResponse['parts']): Map<number, readonly Hit[]> {
  const lists = new Map<number, Hit[][]>();
  for (const part of parts) {
    for (const result of part.results) {
      const hits = result.ids.map((id: number, i: number) => ({ id, distance: result.distances[i]! }));
      lists.set(result.position, [...(lists.get(result.position) ?? []), hits]);
    }
  }
  return new Map([...lists].map(([position, found]) => [position, mergeHits(found, K)]));
}
