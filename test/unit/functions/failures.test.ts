/**
 * Failures on the query path (DESIGN §5): a failed or timed-out invocation is retried once; a partition
 * that still fails fails the request with 502 (504 when it timed out) whose body names the partitions,
 * the queries affected and the causes — or, with `allowPartial`, is named in `missingPartitions` of an
 * answer that says `complete: false` and carries `X-Squash-Partial: true`. A failed allocator subtree
 * fails the request the same way, or answers placeholders naming every partition. Never a silent
 * partial answer.
 */
import { describe, expect, it } from 'vitest';
import { processorFunctionFor } from '../../../functions/config.ts';
import { COALESCE_MAX_ROWS } from '../../../functions/tree/processor-searcher.ts';
import { crash, type InvokeCall, timeout } from './in-process-invoker.ts';
import {
  ALLOCATOR,
  buildTestStore,
  COUNT,
  createTestStack,
  dataset,
  INDEX,
  PARTITIONS,
  PROCESSORS,
  queries,
  queryVector,
  testConfig,
  useTestIndex,
} from './test-stack.ts';

const built = useTestIndex();

const FAILING = 2;
const failingFunction = processorFunctionFor(testConfig(), FAILING);
/** The partitions the failing partition's function serves: a coalesced call to it carries them all. */
const SAME_FUNCTION = Array.from({ length: PARTITIONS }, (_, p) => p).filter(
  (p) => processorFunctionFor(testConfig(), p) === failingFunction,
);
const filter = { u: { $lt: 0.5 } };

const crashMessage = `processor \`${failingFunction}\` (partitions ${SAME_FUNCTION.join(', ')}) failed after a retry: \`${failingFunction}\` failed: Runtime.ExitError: exited with signal SIGKILL`;
const crashFailure = {
  target: failingFunction,
  partitions: SAME_FUNCTION,
  code: 'UPSTREAM',
  message: crashMessage,
};

/** The partitions a processor call was asked to search. */
function partitionsOf(call: InvokeCall): number[] {
  return (call.payload.parts as { partition: number }[]).map((part) => part.partition);
}

/**
 * `count` exact-plan queries (the test queries, repeated past their number); while their rows to scan
 * stay within COALESCE_MAX_ROWS per call, each function's partitions go in one coalesced call.
 */
function exactRequest(count: number, options: Record<string, unknown> = {}) {
  return {
    index: INDEX,
    k: 10,
    queries: Array.from({ length: count }, (_, q) => ({
      vector: Array.from(queryVector(q % queries.count)),
      filter,
    })),
    options: { exact: true, ...options },
  };
}

it('the failing partition shares its processor function with others', () => {
  expect(SAME_FUNCTION.length).toBeGreaterThan(1);
  expect(SAME_FUNCTION).toContain(FAILING);
});

describe('failed processor invocations', () => {
  it('retries a timed-out call once and answers completely', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      call.functionName === failingFunction && partitionsOf(call).includes(FAILING) && call.attempt === 0
        ? timeout(call.functionName)
        : undefined;
    const { status, headers, body } = await stack.searchWithHeaders(exactRequest(3));
    expect(status).toBe(200);
    expect(body.complete).toBe(true);
    expect(headers['x-squash-partial']).toBeUndefined();
    const truth = await built.local.search(
      [0, 1, 2].map((q) => ({ vector: queryVector(q), filter })),
      { k: 10, exact: true },
    );
    expect(body.results.map((result: { hits: unknown }) => result.hits)).toEqual(
      truth.map((result) => result.hits),
    );
    expect(body.stats).toMatchObject({ retries: 1, missingPartitions: [], failures: [] });
    // Each function was asked once for all its partitions (coalesced), the failing one twice.
    expect(body.stats.processorInvocations).toBe(PROCESSORS.length + 1);
    expect(body.stats).toMatchObject({ partitionLoads: PARTITIONS, partitionCacheHits: 0 });
  });

  it('fails by default with 502 naming every partition of the failed coalesced call, the queries and the cause', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      partitionsOf(call).includes(FAILING) ? crash(call.functionName) : undefined;
    const { status, body } = await stack.search(exactRequest(3));
    expect(status).toBe(502);
    expect(body).toEqual({
      code: 'UPSTREAM',
      message:
        `partitions ${SAME_FUNCTION.join(', ')} could not be searched for 3 of 3 queries: ${crashMessage}. ` +
        'No partial answer is given unless `options.allowPartial` is true',
      missingPartitions: SAME_FUNCTION,
      queriesAffected: 3,
      failures: [crashFailure],
      failuresOmitted: 0,
    });
    // One coalesced call per function, the failing one retried once.
    const processorCalls = stack.invoker.callsTo('squash-processor');
    expect(processorCalls.map((call) => [call.functionName, partitionsOf(call)])).toEqual(
      expect.arrayContaining([
        [failingFunction, SAME_FUNCTION],
        [failingFunction, SAME_FUNCTION],
      ]),
    );
    expect(processorCalls).toHaveLength(PROCESSORS.length + 1);
  });

  it('fails only the one partition of a call that was not coalesced (its rows alone above COALESCE_MAX_ROWS)', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      partitionsOf(call).includes(FAILING) ? crash(call.functionName) : undefined;
    // u < 0.5 matches about half of a partition's COUNT / PARTITIONS rows; twice the bound's worth.
    const count = 2 * Math.ceil(COALESCE_MAX_ROWS / (COUNT / PARTITIONS / 2));
    const { status, body } = await stack.search(exactRequest(count));
    expect(status).toBe(502);
    const message = `processor \`${failingFunction}\` (partition ${FAILING}) failed after a retry: \`${failingFunction}\` failed: Runtime.ExitError: exited with signal SIGKILL`;
    expect(body).toMatchObject({
      missingPartitions: [FAILING],
      queriesAffected: count,
      failures: [{ target: failingFunction, partition: FAILING, code: 'UPSTREAM', message }],
    });
    for (const call of stack.invoker.callsTo('squash-processor')) expect(partitionsOf(call)).toHaveLength(1);
  });

  it('fails by default with 504 when the partition timed out', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      partitionsOf(call).includes(FAILING) ? timeout(call.functionName) : undefined;
    const { status, body } = await stack.search(exactRequest(2));
    expect(status).toBe(504);
    expect(body.code).toBe('UPSTREAM_TIMEOUT');
    expect(body.missingPartitions).toEqual(SAME_FUNCTION);
    expect(body.message).toMatch(
      new RegExp(
        `^partitions ${SAME_FUNCTION.join(', ')} could not be searched for 2 of 2 queries: processor .*did not answer`,
      ),
    );
  });

  it('with allowPartial: answers complete: false, X-Squash-Partial and the partition named, hits all passing', async () => {
    const stack = createTestStack(built.store);
    stack.invoker.fault = (call) =>
      partitionsOf(call).includes(FAILING) ? crash(call.functionName) : undefined;
    const { status, headers, body } = await stack.searchWithHeaders(exactRequest(3, { allowPartial: true }));
    expect(status).toBe(200);
    expect(headers['x-squash-partial']).toBe('true');
    expect(body.complete).toBe(false);
    expect(Object.keys(body)[0]).toBe('complete');
    expect(body.stats.missingPartitions).toEqual(SAME_FUNCTION);
    expect(body.stats.retries).toBe(1);
    expect(body.stats.failures).toEqual([crashFailure]);
    for (const result of body.results) {
      expect(result.stats.missingPartitions).toEqual(SAME_FUNCTION);
      expect(result.hits).toHaveLength(10);
      for (const hit of result.hits) expect(dataset.attributes!.u[hit.id]).toBeLessThan(0.5);
    }
  });

  it('fails every partition of a coalesced call whose answer has a malformed part, naming the cause', async () => {
    const stack = createTestStack(built.store);
    const invoke = stack.invoker.invoke.bind(stack.invoker);
    // The failing function answers its last part with one result too few.
    stack.invoker.invoke = async (functionName, payload, timeoutMs) => {
      const reply = await invoke(functionName, payload, timeoutMs);
      if (functionName !== failingFunction) return reply;
      const answer = JSON.parse(reply) as { parts: { results: unknown[] }[] };
      answer.parts.at(-1)!.results.pop();
      return JSON.stringify(answer);
    };
    const { status, body } = await stack.search(exactRequest(3, { allowPartial: true }));
    expect(status).toBe(200);
    expect(body.complete).toBe(false);
    expect(body.stats.missingPartitions).toEqual(SAME_FUNCTION);
    const last = SAME_FUNCTION.at(-1);
    expect(body.stats.failures).toEqual([
      {
        target: failingFunction,
        partitions: SAME_FUNCTION,
        code: 'UPSTREAM',
        message: `processor \`${failingFunction}\` (partitions ${SAME_FUNCTION.join(', ')}) sent a malformed response: its 2 results for partition ${last} do not match the 3 queries sent`,
      },
    ]);
    // Not retried: it would answer the same.
    expect(body.stats).toMatchObject({ retries: 0, processorInvocations: PROCESSORS.length });
    for (const result of body.results) {
      expect(result.stats.missingPartitions).toEqual(SAME_FUNCTION);
      for (const hit of result.hits) expect(dataset.attributes!.u[hit.id]).toBeLessThan(0.5);
    }
  });

  it('retries a coalesced call one of whose partition objects is gone, then fails naming all its partitions and the cause', async () => {
    const broken = await buildTestStore();
    await broken.delete(`${INDEX}/v1/partitions/${FAILING}.bin`);
    const stack = createTestStack(broken);
    const { status, body } = await stack.search(exactRequest(1));
    expect(status).toBe(502);
    expect(body.missingPartitions).toEqual(SAME_FUNCTION);
    expect(body.failures).toEqual([
      {
        target: failingFunction,
        partitions: SAME_FUNCTION,
        code: 'UPSTREAM',
        message:
          `processor \`${failingFunction}\` (partitions ${SAME_FUNCTION.join(', ')}) failed after a retry: ` +
          `BLOB_NOT_FOUND: object \`${INDEX}/v1/partitions/${FAILING}.bin\` does not exist`,
      },
    ]);
    const partial = await stack.search(exactRequest(1, { allowPartial: true }));
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({
      complete: false,
      stats: { missingPartitions: SAME_FUNCTION, retries: 1 },
    });
  });
});

describe('failed allocator invocations', () => {
  const allocatorMessage = `allocator \`${ALLOCATOR}\` (tree node 3) failed after a retry: \`${ALLOCATOR}\` failed: Runtime.ExitError: exited with signal SIGKILL`;
  const count = 100;
  const treeRequest = (options: Record<string, unknown> = {}) => ({
    index: INDEX,
    k: 5,
    queries: Array.from({ length: count }, (_, q) => ({ vector: Array.from(queryVector(q)) })),
    options: { maxAllocators: 6, ...options },
  });
  const crashNode3 = (stack: ReturnType<typeof createTestStack>) => {
    stack.invoker.fault = (call) =>
      call.functionName === ALLOCATOR && (call.payload.node as { id: number }).id === 3
        ? crash(ALLOCATOR)
        : undefined;
  };

  it('fails by default with 502 naming the tree node and the 50 queries it left unanswered', async () => {
    const stack = createTestStack(built.store);
    crashNode3(stack);
    const { status, body } = await stack.search(treeRequest());
    expect(status).toBe(502);
    expect(body).toEqual({
      code: 'UPSTREAM',
      message:
        `partitions 0, 1, 2, 3, 4, 5 could not be searched for 50 of 100 queries: ${allocatorMessage}. ` +
        'No partial answer is given unless `options.allowPartial` is true',
      missingPartitions: [0, 1, 2, 3, 4, 5],
      queriesAffected: 50,
      failures: [{ target: ALLOCATOR, node: 3, code: 'UPSTREAM', message: allocatorMessage }],
      failuresOmitted: 0,
    });
  });

  it('with allowPartial: answers a failed subtree with placeholders naming every partition, the rest completely', async () => {
    const stack = createTestStack(built.store);
    crashNode3(stack);
    const { status, headers, body } = await stack.searchWithHeaders(treeRequest({ allowPartial: true }));
    expect(status).toBe(200);
    expect(headers['x-squash-partial']).toBe('true');
    expect(body.complete).toBe(false);
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
      { target: ALLOCATOR, node: 3, code: 'UPSTREAM', message: allocatorMessage },
    ]);
    // Nodes 0, 1, 2 answered; node 3 was tried twice; 4 and 5 were never reached.
    expect(body.stats.allocatorInvocations).toBe(5);
    expect(body.stats.retries).toBe(1);
  });
});
