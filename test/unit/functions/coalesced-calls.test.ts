/**
 * Coalesced processor calls (functions/tree/processor-searcher.ts): a selective filter's exact plan
 * visits every partition with a match, each for a handful of rows; those calls go as one invocation per
 * processor function instead of one per partition, with the same answers. The allocator's own answer
 * from the filter's matching rows (remote-matching.ts, tested in matching-rows.test.ts) is turned off
 * here, so that these plans reach the processors.
 */
import { describe, expect, it } from 'vitest';
import { ENV, processorFunctionFor } from '../../../functions/config.ts';
import type { InvokeCall } from './in-process-invoker.ts';
import {
  bruteForce,
  expectSameHits,
  K,
  SELECTIVE,
  selectiveRequest,
  type WireHit,
} from './selective-filter.ts';
import { createTestStack, PROCESSORS, queryVector, testConfig, useTestIndex } from './test-stack.ts';

const built = useTestIndex();

function partitionsOf(call: InvokeCall): number[] {
  return (call.payload.parts as { partition: number }[]).map((part) => part.partition);
}

describe('coalesced processor calls', () => {
  it('answers a selective single query with one invocation per processor function, not one per partition', async () => {
    const stack = createTestStack(built.store, { [ENV.matchingRowsMaxKiB]: '0' });
    const { status, body } = await stack.search(selectiveRequest(1));
    expect(status).toBe(200);
    const [result] = body.results;
    expect(result.stats.plan).toBe('exact');
    const truth = await built.local.search([{ vector: queryVector(0), filter: SELECTIVE }], { k: K });
    expectSameHits(result.hits, truth[0]!.hits);
    expect(result.hits.map((hit: WireHit) => hit.id)).toEqual(bruteForce(0));

    const visited: number = result.stats.partitionsVisited;
    // One call per partition would have taken `visited` invocations, more than there are functions.
    expect(visited).toBeGreaterThan(PROCESSORS.length);
    const calls = stack.invoker.callsTo('squash-processor');
    const functions = new Set(calls.map((call) => call.functionName));
    expect(calls).toHaveLength(functions.size);
    expect(calls.length).toBeLessThanOrEqual(PROCESSORS.length);
    expect(body.stats).toMatchObject({
      processorInvocations: calls.length,
      partitionsVisited: visited,
      partitionLoads: visited,
      partitionCacheHits: 0,
      retries: 0,
    });
    // Each call carries exactly its function's partitions, every visited partition once.
    const parts = calls.flatMap((call) => partitionsOf(call).map((p) => [call.functionName, p] as const));
    expect(parts).toHaveLength(visited);
    for (const [name, partition] of parts) expect(processorFunctionFor(testConfig(), partition)).toBe(name);
    expect(new Set(parts.map(([, p]) => p)).size).toBe(visited);

    const warm = await stack.search(selectiveRequest(1));
    expect(warm.body.results[0].hits).toEqual(result.hits);
    expect(warm.body.stats).toMatchObject({
      processorInvocations: calls.length,
      partitionLoads: 0,
      partitionCacheHits: visited,
    });
  });

  it('coalesces a batch of exact queries, and answers as the in-process search', async () => {
    const stack = createTestStack(built.store, { [ENV.matchingRowsMaxKiB]: '0' });
    const count = 20;
    const { status, body } = await stack.search(selectiveRequest(count));
    expect(status).toBe(200);
    const truth = await built.local.search(
      Array.from({ length: count }, (_, q) => ({ vector: queryVector(q), filter: SELECTIVE })),
      { k: K },
    );
    body.results.forEach((result: { hits: WireHit[] }, q: number) => {
      expectSameHits(result.hits, truth[q]!.hits);
      expect(result.hits.map((hit) => hit.id)).toEqual(bruteForce(q));
    });
    expect(body.stats.processorInvocations).toBeLessThanOrEqual(PROCESSORS.length);
  });

  it("carries each query's vector and filter once per call, however many of its parts name it", async () => {
    const stack = createTestStack(built.store, { [ENV.matchingRowsMaxKiB]: '0' });
    const count = 40;
    const { status, body } = await stack.search(selectiveRequest(count));
    expect(status).toBe(200);
    const calls = stack.invoker.callsTo('squash-processor');
    expect(calls.length).toBeLessThanOrEqual(PROCESSORS.length);
    let multiPartCalls = 0;
    for (const call of calls) {
      const payload = call.payload as {
        queries: { position: number; vectorBase64: string }[];
        parts: { partition: number; queries: { position: number }[] }[];
      };
      const carried = payload.queries.map((query) => query.position);
      expect(new Set(carried).size).toBe(carried.length);
      const named = new Set(payload.parts.flatMap((part) => part.queries.map((entry) => entry.position)));
      expect([...named].sort((a, b) => a - b)).toEqual([...carried].sort((a, b) => a - b));
      if (payload.parts.length > 1) multiPartCalls++;
    }
    expect(multiPartCalls).toBeGreaterThan(0);
    body.results.forEach((result: { hits: { id: number }[] }, q: number) => {
      expect(result.hits.map((hit) => hit.id)).toEqual(bruteForce(q));
    });
  });
});
