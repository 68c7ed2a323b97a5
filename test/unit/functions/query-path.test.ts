/**
 * The serverless query path in one process: coordinator → allocator tree → processors, through JSON
 * payloads and an in-process invoker, against the in-process search on the same index.
 */
import { describe, expect, it } from 'vitest';
import { prepareQueries } from '../../../functions/coordinator/prepare-queries.ts';
import { allocatorWork } from '../../../functions/coordinator/search.ts';
import { encodeVector } from '../../../functions/wire/vector-base64.ts';
import {
  ALLOCATOR,
  attributes,
  createTestStack,
  dataset,
  INDEX,
  PARTITIONS,
  queryVector,
  useTestIndex,
} from './test-stack.ts';

const built = useTestIndex();

const u = dataset.attributes!.u;
const lowU = { u: { $lt: 0.2 } };

function request(count: number, filter: unknown, options: Record<string, unknown> = {}, k = 10) {
  return {
    index: INDEX,
    k,
    queries: Array.from({ length: count }, (_, q) =>
      q % 2 === 0
        ? { vector: Array.from(queryVector(q)), filter }
        : { vectorBase64: encodeVector(queryVector(q)), filter },
    ),
    options,
  };
}

async function expected(count: number, filter: unknown, options: Record<string, unknown> = {}, k = 10) {
  const results = await built.local.search(
    Array.from({ length: count }, (_, q) => ({ vector: queryVector(q), filter })),
    { k, ...options },
  );
  return results.map((result) => result.hits);
}

describe('coordinator, allocators and processors', () => {
  it('answers a single query in-process with the same hits as the in-process search, cold then warm', async () => {
    const stack = createTestStack(built.store);
    const first = await stack.search(request(1, lowU));
    expect(first.status).toBe(200);
    const hits = first.body.results[0].hits;
    expect(hits).toEqual(await expected(1, lowU).then((all) => all[0]));
    expect(hits).toHaveLength(10);
    for (const hit of hits) expect(u[hit.id]).toBeLessThan(0.2);

    const stats = first.body.stats;
    const visited = first.body.results[0].stats.partitionsVisited;
    expect(visited).toBeGreaterThan(0);
    expect(stats).toMatchObject({
      index: INDEX,
      version: 1,
      queries: 1,
      allocatorInvocations: 0,
      processorInvocations: visited,
      partitionsVisited: visited,
      partitionLoads: visited,
      partitionCacheHits: 0,
      retries: 0,
      missingPartitions: [],
      failures: [],
    });
    expect(stats.bytesFetched).toBeGreaterThan(0);
    expect(stack.invoker.callsTo(ALLOCATOR)).toHaveLength(0);

    const second = await stack.search(request(1, lowU));
    expect(second.body.results[0].hits).toEqual(hits);
    expect(second.body.stats).toMatchObject({
      partitionLoads: 0,
      partitionCacheHits: visited,
      bytesFetched: 0,
      containerStarts: 0,
    });
  });

  it('splits a batch over a tree of allocators (b = 2, l = 2: 6 nodes) and keeps request order', async () => {
    const stack = createTestStack(built.store);
    const count = 100;
    const response = await stack.search(request(count, undefined, { maxAllocators: 6 }));
    expect(response.status).toBe(200);
    expect(response.body.results.map((result: { hits: unknown }) => result.hits)).toEqual(
      await expected(count, undefined),
    );
    expect(response.body.stats.allocatorInvocations).toBe(6);
    const nodes = stack.invoker
      .callsTo(ALLOCATOR)
      .map((call) => call.payload.node as { id: number; level: number });
    expect(nodes.map((node) => node.id).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    // Node i serves positions ⌊i·100/6⌋..⌊(i+1)·100/6⌋; level-1 nodes 0 and 3 receive their whole subtree.
    const sizes = Object.fromEntries(
      stack.invoker
        .callsTo(ALLOCATOR)
        .map((call) => [
          (call.payload.node as { id: number }).id,
          (call.payload.queries as unknown[]).length,
        ]),
    );
    expect(sizes).toEqual({ 0: 50, 1: 17, 2: 17, 3: 50, 4: 17, 5: 17 });
  });

  it("returns the true top-k with exact: true and the hits' attributes on request", async () => {
    const stack = createTestStack(built.store);
    const filter = { $or: [{ category: 'red' }, { tags: { $in: ['new'] } }] };
    const response = await stack.search(request(40, filter, { exact: true, includeAttributes: true }, 5));
    expect(response.status).toBe(200);
    const truth = await expected(40, filter, { exact: true }, 5);
    response.body.results.forEach(
      (result: { hits: { id: number; distance: number; attributes: unknown }[] }, q: number) => {
        expect(result.hits.map(({ id, distance }) => ({ id, distance }))).toEqual(truth[q]);
        for (const hit of result.hits) expect(hit.attributes).toEqual(attributes.rowValues(hit.id));
      },
    );
    expect(response.body.stats.allocatorInvocations).toBe(0);
  });

  it('sizes the tree by allocator work, or as the request asks, never with an empty allocator', async () => {
    const stack = createTestStack(built.store);
    const shapes: [number, Record<string, unknown>, number][] = [
      [120, {}, 0], // 120 filtered queries are 1.4 M operations: far below one allocator's worth
      [120, { maxAllocators: 0 }, 0],
      [120, { maxAllocators: 1 }, 1],
      [5, { maxAllocators: 100 }, 2], // at most 5 allocators: (2, 1) fits, (2, 2) = 6 does not
      [120, { maxAllocators: 100 }, 6],
    ];
    for (const [count, options, allocators] of shapes) {
      const response = await stack.search(request(count, lowU, options, 1));
      expect(response.status).toBe(200);
      expect(response.body.results).toHaveLength(count);
      expect(response.body.stats.allocatorInvocations).toBe(allocators);
    }
    const index = await stack.coordinator.catalog.resolve(INDEX);
    const filtered = prepareQueries(index.reader, INDEX, [
      { vector: Array.from(queryVector(0)), filter: lowU },
    ]);
    const unfiltered = prepareQueries(index.reader, INDEX, [{ vector: Array.from(queryVector(0)) }]);
    // P·D per query, plus N·A per filtered query.
    expect(allocatorWork(index, unfiltered)).toBe(PARTITIONS * 16);
    expect(allocatorWork(index, [...filtered, ...unfiltered])).toBe(2 * PARTITIONS * 16 + 3000 * 4);
  });

  it('answers GET /indexes/<name> with the manifest summary', async () => {
    const stack = createTestStack(built.store);
    const { status, body } = await stack.get(`/indexes/${INDEX}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      name: INDEX,
      version: 1,
      count: 3000,
      dim: 16,
      metric: 'l2',
      partitions: PARTITIONS,
    });
    expect(body.partitionSizes.reduce((a: number, b: number) => a + b, 0)).toBe(3000);
    expect(body.attributes).toEqual([
      { name: 'u', kind: 'number' },
      { name: 'category', kind: 'category' },
      { name: 'tags', kind: 'tags' },
      { name: 'score', kind: 'number' },
    ]);
  });
});
