/**
 * The exact plan of a selective filter answered by the allocator from the filter's matching rows
 * (functions/tree/remote-matching.ts, functions/processor/collect-rows.ts): one rows call per processor
 * function that holds a match, none at all for a repeated filter at the same snapshot, the same answers
 * as the in-process search, log rows included, and the processors' partition path when rows are
 * unavailable.
 */
import { describe, expect, it } from 'vitest';
import { processorFunctionFor } from '../../../functions/config.ts';
import { serveProcessor } from '../../../functions/processor/serve-processor.ts';
import { createRuntime } from '../../../functions/runtime.ts';
import { UpstreamError } from '../../../shared/errors/index.ts';
import { withPrefix } from '../../../shared/store/index.ts';
import type { InvokeCall } from './in-process-invoker.ts';
import {
  bruteForce,
  expectSameHits,
  K,
  SELECTIVE,
  selectiveRequest,
  type WireHit,
} from './selective-filter.ts';
import {
  attributes,
  buildTestStore,
  createTestStack,
  INDEX,
  PROCESSORS,
  queryVector,
  testConfig,
  useTestIndex,
} from './test-stack.ts';

const built = useTestIndex();

async function inProcess(count: number): Promise<WireHit[][]> {
  const results = await built.local.search(
    Array.from({ length: count }, (_, q) => ({ vector: queryVector(q), filter: SELECTIVE })),
    { k: K },
  );
  return results.map((result) => result.hits.map(({ id, distance }) => ({ id, distance })));
}

const isRowsCall = (call: InvokeCall) => call.payload.kind === 'rows';

describe('exact plans answered from the matching rows', () => {
  it('asks each processor function once for its rows, then answers a repeated filter without any call', async () => {
    const stack = createTestStack(built.store);
    const { status, body } = await stack.search(selectiveRequest(1));
    expect(status).toBe(200);
    const [result] = body.results;
    expect(result.stats.plan).toBe('exact');
    expectSameHits(result.hits, (await inProcess(1))[0]!);
    expect(result.hits.map((hit: WireHit) => hit.id)).toEqual(bruteForce(0));

    const calls = stack.invoker.callsTo('squash-processor');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every(isRowsCall)).toBe(true);
    expect(new Set(calls.map((call) => call.functionName)).size).toBe(calls.length);
    const asked = calls.flatMap((call) =>
      (call.payload.partitions as number[]).map((partition) => [call.functionName, partition] as const),
    );
    for (const [name, partition] of asked) expect(processorFunctionFor(testConfig(), partition)).toBe(name);
    expect(asked).toHaveLength(result.stats.partitionsVisited);
    expect(body.stats).toMatchObject({
      processorInvocations: calls.length,
      partitionLoads: asked.length,
      retries: 0,
      failures: [],
    });

    const warm = await stack.search(selectiveRequest(1));
    expect(warm.body.results[0].hits).toEqual(result.hits);
    expect(warm.body.stats.processorInvocations).toBe(0);
    expect(stack.invoker.callsTo('squash-processor')).toHaveLength(calls.length);
  });

  it("answers a batch as the in-process search, with the hits' attributes on request", async () => {
    const stack = createTestStack(built.store);
    const count = 30;
    const { status, body } = await stack.search(selectiveRequest(count, { includeAttributes: true }));
    expect(status).toBe(200);
    const truth = await inProcess(count);
    body.results.forEach((result: { hits: WireHit[] }, q: number) => {
      expectSameHits(result.hits, truth[q]!);
      expect(result.hits.map((hit) => hit.id)).toEqual(bruteForce(q));
      for (const hit of result.hits) expect(hit.attributes).toEqual(attributes.rowValues(hit.id));
    });
    const calls = stack.invoker.callsTo('squash-processor');
    expect(calls.every(isRowsCall)).toBe(true);
    // Per tree node at most one call per function; never one per query or per partition.
    expect(calls.length).toBeLessThanOrEqual(PROCESSORS.length * (1 + body.stats.allocatorInvocations));
  });

  it('visits the partitions through the processors when a rows call fails, and answers completely', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      isRowsCall(call) ? new UpstreamError(`\`${call.functionName}\` failed: Runtime.ExitError`) : undefined;
    const { status, body } = await stack.searchWithHeaders(selectiveRequest(3));
    expect(status).toBe(200);
    expect(body.complete).toBe(true);
    const truth = await inProcess(3);
    body.results.forEach((result: { hits: WireHit[] }, q: number) => {
      expectSameHits(result.hits, truth[q]!);
    });
    const calls = stack.invoker.callsTo('squash-processor');
    expect(calls.some(isRowsCall)).toBe(true);
    expect(calls.some((call) => !isRowsCall(call))).toBe(true);
    expect(body.stats.failures).toEqual([]);
  });

  it('fetches the rows again after a write, and finds the written row', async () => {
    const store = await buildTestStore();
    const stack = createTestStack(store);
    expect((await stack.search(selectiveRequest(1))).status).toBe(200);
    const near = Array.from(queryVector(0), (value) => value + 1e-3);
    const write = await stack.post('/upsert', {
      index: INDEX,
      vectors: [{ id: 80_001, vector: near, attributes: { category: 'red', u: 0.001 } }],
    });
    expect(write.status).toBe(200);
    const before = stack.invoker.callsTo('squash-processor').length;
    const after = await stack.search(selectiveRequest(1));
    expect(after.status).toBe(200);
    expect(after.body.results[0].hits[0].id).toBe(80_001);
    expect(stack.invoker.callsTo('squash-processor').length).toBeGreaterThan(before);
  });

  it('refuses a rows request for a filter that matches everything, or a partition the index lacks', async () => {
    const store = await buildTestStore();
    const runtime = createRuntime(testConfig(), { indexStore: (name) => withPrefix(store, name) });
    const base = { kind: 'rows', index: INDEX, version: 1, sequence: 0, includeAttributes: false };
    expect(await serveProcessor({ ...base, filter: null, partitions: [0] }, runtime)).toMatchObject({
      error: { code: 'INVALID_QUERY', message: expect.stringMatching(/matches every row/) },
    });
    expect(await serveProcessor({ ...base, filter: SELECTIVE, partitions: [99] }, runtime)).toMatchObject({
      error: { code: 'INVALID_QUERY', message: expect.stringMatching(/partition 99 is outside/) },
    });
    expect(await serveProcessor({ ...base, filter: SELECTIVE, partitions: [] }, runtime)).toMatchObject({
      error: { code: 'INVALID_QUERY', message: expect.stringMatching(/at least one partition/) },
    });
  });
});
