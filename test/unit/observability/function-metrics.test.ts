/**
 * The metrics each function adds for one request, through the in-process query path (coordinator →
 * allocators → processors, test/unit/functions/test-stack.ts), checked against the answer's own stats:
 * the coordinator's Queries, PartitionsVisited and SecondRounds, the invocations and retries each
 * function sent itself, and the processors' partition loads (not container starts) and bytes.
 */
import { describe, expect, it } from 'vitest';
import type { FunctionRuntime } from '../../../functions/runtime.ts';
import { encodeVector } from '../../../functions/wire/vector-base64.ts';
import {
  ALLOCATOR,
  createTestStack,
  INDEX,
  PROCESSORS,
  queryVector,
  useTestIndex,
} from '../functions/test-stack.ts';

const built = useTestIndex();

function request(count: number, options: Record<string, unknown> = {}) {
  return {
    index: INDEX,
    k: 10,
    queries: Array.from({ length: count }, (_, q) => ({
      vectorBase64: encodeVector(queryVector(q)),
      filter: { u: { $lt: 0.2 } },
    })),
    options,
  };
}

/** The values a runtime's telemetry added since the last read (then cleared). */
function take(runtime: FunctionRuntime | undefined): Record<string, number> {
  if (runtime === undefined) return {};
  const values = Object.fromEntries(runtime.telemetry.values());
  runtime.telemetry.flush();
  return values;
}

function sum(rows: readonly Record<string, number>[], name: string): number {
  return rows.reduce((total, row) => total + (row[name] ?? 0), 0);
}

describe('function metrics', () => {
  it('in-process batch: the coordinator counts queries, partitions and its own processor calls', async () => {
    const stack = createTestStack(built.store);
    const first = await stack.search(request(12, { maxAllocators: 0 }));
    expect(first.status).toBe(200);
    const stats = first.body.stats;
    const coordinator = take(stack.coordinator.runtime);
    const secondRounds = first.body.results.filter(
      (result: { stats: { rounds: number } }) => result.stats.rounds > 1,
    ).length;
    expect(coordinator).toEqual({
      SearchLatency: expect.any(Number),
      Queries: 12,
      PartitionsVisited: stats.partitionsVisited,
      MissingPartitions: 0,
      SecondRounds: secondRounds,
      IncompleteAnswers: 0,
      ProcessorInvocations: stats.processorInvocations,
      Retries: 0,
    });
    expect(coordinator.SearchLatency).toBeGreaterThan(0);
    expect(stats.partitionsVisited).toBeGreaterThanOrEqual(12);

    const processors = PROCESSORS.map((name) => take(stack.runtimes.get(name)));
    expect(sum(processors, 'ColdLoads')).toBe(stats.partitionLoads);
    expect(sum(processors, 'ColdLoads')).toBeGreaterThan(0);
    expect(sum(processors, 'PartitionsSearched')).toBe(stats.partitionLoads + stats.partitionCacheHits);
    expect(sum(processors, 'BytesRead')).toBeGreaterThan(0);
    expect(sum(processors, 'BytesRead')).toBeLessThanOrEqual(stats.bytesFetched);

    // Warm: the same containers (no container start, no partition load) read nothing.
    const second = await stack.search(request(12, { maxAllocators: 0 }));
    const warm = PROCESSORS.map((name) => take(stack.runtimes.get(name)));
    expect(second.body.stats.partitionLoads).toBe(0);
    expect(sum(warm, 'ColdLoads')).toBe(0);
    expect(sum(warm, 'BytesRead')).toBe(0);
    expect(sum(warm, 'PartitionsSearched')).toBe(second.body.stats.processorInvocations);
  });

  it('over an allocator tree: the allocators report the processor calls, the coordinator none', async () => {
    const stack = createTestStack(built.store);
    const response = await stack.search(request(20, { maxAllocators: 3 }));
    expect(response.status).toBe(200);
    const { stats } = response.body;
    expect(stats.allocatorInvocations).toBeGreaterThan(1);
    const coordinator = take(stack.coordinator.runtime);
    expect(coordinator).toMatchObject({ Queries: 20, ProcessorInvocations: 0, Retries: 0 });
    const allocator = take(stack.runtimes.get(ALLOCATOR));
    // One runtime serves every allocator node here: their invocations' values summed.
    expect(allocator.ProcessorInvocations).toBe(stats.processorInvocations);
    expect(allocator.Retries).toBe(0);
    expect(allocator.AllocatorLatency).toBeGreaterThan(0);
  });

  it('a refused search adds no search metric; writes count the rows upserted and deleted', async () => {
    const stack = createTestStack(built.store);
    const bad = await stack.search({ index: INDEX, k: 0, queries: [] });
    expect(bad.status).toBe(400);
    // serveCoordinator alone adds no search metric for a refused request.
    expect(take(stack.coordinator.runtime)).toEqual({});

    const upsert = await stack.post('/upsert', {
      index: INDEX,
      vectors: [
        { id: 70_001, vector: Array.from(queryVector(0)) },
        { id: 70_002, vector: Array.from(queryVector(1)) },
      ],
    });
    expect(upsert.status).toBe(200);
    const removed = await stack.post('/delete', { index: INDEX, ids: [70_001] });
    expect(removed.status).toBe(200);
    expect(take(stack.coordinator.runtime)).toEqual({ Writes: 3 });
  });
});
