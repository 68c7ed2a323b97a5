/**
 * Failures on the query path (DESIGN §5): a failed or timed-out invocation is retried once; a partition
 * that still fails is named in `missingPartitions` (or fails the request with 502/504 under `strict`);
 * a failed allocator subtree answers placeholders naming every partition. Never a silent partial answer.
 */
import { describe, expect, it } from 'vitest';
import { processorFunctionFor } from '../../../functions/config.ts';
import { crash, timeout } from './in-process-invoker.ts';
import {
  ALLOCATOR,
  buildTestStore,
  createTestStack,
  dataset,
  INDEX,
  PARTITIONS,
  queryVector,
  testConfig,
  useTestIndex,
} from './test-stack.ts';

const built = useTestIndex();

const FAILING = 2;
const failingFunction = processorFunctionFor(testConfig(), FAILING);
const filter = { u: { $lt: 0.5 } };

function exactRequest(count: number, options: Record<string, unknown> = {}) {
  return {
    index: INDEX,
    k: 10,
    queries: Array.from({ length: count }, (_, q) => ({ vector: Array.from(queryVector(q)), filter })),
    options: { exact: true, ...options },
  };
}

describe('failed processor invocations', () => {
  it('retries a timed-out call once and answers completely', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      call.functionName === failingFunction && call.payload.partition === FAILING && call.attempt === 0
        ? timeout(call.functionName)
        : undefined;
    const { status, body } = await stack.search(exactRequest(3));
    expect(status).toBe(200);
    const truth = await built.local.search(
      [0, 1, 2].map((q) => ({ vector: queryVector(q), filter })),
      { k: 10, exact: true },
    );
    expect(body.results.map((result: { hits: unknown }) => result.hits)).toEqual(
      truth.map((result) => result.hits),
    );
    expect(body.stats).toMatchObject({ retries: 1, missingPartitions: [], failures: [] });
    // Every partition with matches was asked once, the failing one twice.
    expect(body.stats.processorInvocations).toBe(PARTITIONS + 1);
  });

  it('names a partition that fails twice, and still returns only rows that satisfy the filter', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      call.payload.partition === FAILING ? crash(call.functionName) : undefined;
    const { status, body } = await stack.search(exactRequest(3));
    expect(status).toBe(200);
    expect(body.stats.missingPartitions).toEqual([FAILING]);
    expect(body.stats.retries).toBe(1);
    expect(body.stats.failures).toEqual([
      {
        target: failingFunction,
        partition: FAILING,
        code: 'UPSTREAM',
        message: `processor \`${failingFunction}\` (partition ${FAILING}) failed after a retry: \`${failingFunction}\` failed: Runtime.ExitError: exited with signal SIGKILL`,
      },
    ]);
    for (const result of body.results) {
      expect(result.stats.missingPartitions).toEqual([FAILING]);
      expect(result.hits).toHaveLength(10);
      for (const hit of result.hits) expect(dataset.attributes!.u[hit.id]).toBeLessThan(0.5);
    }
  });

  it('fails a strict request with 502, or 504 when the partition timed out', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      call.payload.partition === FAILING ? crash(call.functionName) : undefined;
    const crashed = await stack.search(exactRequest(2, { strict: true }));
    expect(crashed.status).toBe(502);
    expect(crashed.body.code).toBe('UPSTREAM');
    expect(crashed.body.message).toMatch(
      new RegExp(
        `^partitions ${FAILING} could not be searched and strict answers were requested: processor `,
      ),
    );
    stack.invoker.fault = (call) =>
      call.payload.partition === FAILING ? timeout(call.functionName) : undefined;
    const timedOut = await stack.search(exactRequest(2, { strict: true }));
    expect(timedOut.status).toBe(504);
    expect(timedOut.body.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('retries a processor whose partition object is gone, then names the partition missing', async () => {
    const broken = await buildTestStore();
    await broken.delete(`${INDEX}/v1/partitions/${FAILING}.bin`);
    const stack = createTestStack(broken);
    const { status, body } = await stack.search(exactRequest(1));
    expect(status).toBe(200);
    expect(body.stats.missingPartitions).toEqual([FAILING]);
    expect(body.stats.retries).toBe(1);
    expect(body.stats.failures[0].message).toBe(
      `processor \`${failingFunction}\` (partition ${FAILING}) failed after a retry: ` +
        `BLOB_NOT_FOUND: object \`${INDEX}/v1/partitions/${FAILING}.bin\` does not exist`,
    );
  });
});

describe('failed allocator invocations', () => {
  it('answers a failed subtree with placeholders naming every partition, the rest completely', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      call.functionName === ALLOCATOR && (call.payload.node as { id: number }).id === 3
        ? crash(ALLOCATOR)
        : undefined;
    const count = 100;
    const { status, body } = await stack.search({
      index: INDEX,
      k: 5,
      queries: Array.from({ length: count }, (_, q) => ({ vector: Array.from(queryVector(q)) })),
      options: { maxAllocators: 6 },
    });
    expect(status).toBe(200);
    const truth = await built.local.search(
      Array.from({ length: count }, (_, q) => ({ vector: queryVector(q) })),
      { k: 5 },
    );
    // Node 3 (level 1) serves positions 50..99 with its children 4 and 5.
    body.results.forEach((result: { hits: unknown[]; stats: { missingPartitions: number[] } }, q: number) => {
      if (q < 50) {
        expect(result.hits).toEqual(truth[q]!.hits);
        expect(result.stats.missingPartitions).toEqual([]);
      } else {
        expect(result.hits).toEqual([]);
        expect(result.stats.missingPartitions).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
      }
    });
    expect(body.stats.failures).toEqual([
      {
        target: ALLOCATOR,
        node: 3,
        code: 'UPSTREAM',
        message: `allocator \`${ALLOCATOR}\` (tree node 3) failed after a retry: \`${ALLOCATOR}\` failed: Runtime.ExitError: exited with signal SIGKILL`,
      },
    ]);
    // Nodes 0, 1, 2 answered; node 3 was tried twice; 4 and 5 were never reached.
    expect(body.stats.allocatorInvocations).toBe(5);
    expect(body.stats.retries).toBe(1);
  });
});
