/**
 * Logs and metrics through the local stack (issue 12): the bundled functions run in the local Lambda
 * host as on AWS, and every line they write reaches `onLog`. A search must leave, per function, JSON
 * log lines carrying the invocation's request id (the coordinator's is the URL answer's
 * `x-amzn-RequestId`), and one CloudWatch EMF document per invocation with the contract's namespace,
 * `service` dimension and metrics, whose values agree with the answer's own stats. The allocators and
 * processors run at POWERTOOLS_LOG_LEVEL=DEBUG here, where they log a line per invocation; the
 * coordinator at the stack's level (INFO), where a search is one line. They also run with
 * POWERTOOLS_TRACE_ENABLED=true, so the bundles' tracer must load (it stays off outside Lambda).
 *
 * Local targets only: on a deployed stack the lines go to CloudWatch Logs, not to this process.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResponse } from '../../../scripts/client/index.ts';
import { type LocalStack, startLocalStack } from '../../../scripts/local/index.ts';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { projectRoot, testTarget } from '../support/search-target.ts';

const INDEX = 'observed';
const COUNT = 4000;
const DIM = 16;
const BATCH = 12;

/** One line a function wrote, parsed. */
// biome-ignore lint/suspicious/noExplicitAny: JSON lines of any shape, checked by the assertions
type Line = Record<string, any>;

interface Written {
  readonly functionName: string;
  readonly text: string;
}

const isEmf = (line: Line) => line._aws !== undefined;

describe.skipIf(testTarget === 'external')('logs and metrics on the local stack', () => {
  let stack: LocalStack;
  const written: Written[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      cdkOut: resolve(projectRoot, 'cdk.out'),
      synth: 'if-stale',
      onLog: (functionName, text) => written.push({ functionName, text }),
      // Tracing on loads the bundled tracer and X-Ray SDK (which then stay off outside Lambda).
      functionOverrides: (fn) =>
        /allocator|processor/i.test(fn.name)
          ? {
              ...fn,
              environment: {
                ...fn.environment,
                POWERTOOLS_LOG_LEVEL: 'DEBUG',
                POWERTOOLS_TRACE_ENABLED: 'true',
              },
            }
          : fn,
      ...(testTarget === 'localstack-s3' ? { s3Endpoint: process.env.AWS_ENDPOINT_URL_S3 } : {}),
    });
    const dataset = generateDataset({ count: COUNT, dim: DIM, seed: 5, clusters: 8 });
    const attributes = new AttributeTable(SYNTHETIC_SCHEMA, COUNT, dataset.attributes!.columns());
    await buildIndex(
      { vectors: dataset.vectors, count: COUNT, dim: DIM, attributes },
      stack.indexStore(INDEX),
      {
        partitions: 8,
        bitsPerDim: 4,
        metric: 'l2',
        seed: 1,
        kmeansIterations: 8,
      },
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const queries = generateQueries({ count: BATCH, dim: DIM, seed: 6, fromDataset: { seed: 5, clusters: 8 } });
  const body = (options: Record<string, unknown>) => ({
    index: INDEX,
    k: 10,
    queries: Array.from({ length: BATCH }, (_, q) => ({
      vectorBase64: Buffer.from(queries.vectors.buffer, q * DIM * 4, DIM * 4).toString('base64'),
      filter: { u: { $lt: 0.3 } },
    })),
    options,
  });

  async function search(
    options: Record<string, unknown>,
  ): Promise<{ requestId: string; answer: SearchResponse }> {
    const response = await fetch(new URL('search', stack.searchUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body(options)),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-amzn-requestid');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    return { requestId: requestId!, answer: (await response.json()) as SearchResponse };
  }

  /** The lines functions matching `name` wrote since `from`, each parsed (a line that is not JSON fails). */
  function linesOf(name: RegExp, from: number): (Line & { functionName: string })[] {
    return written
      .slice(from)
      .filter((entry) => name.test(entry.functionName))
      .map((entry) => {
        let line: Line;
        try {
          line = JSON.parse(entry.text) as Line;
        } catch {
          throw new Error(
            `[${entry.functionName}] wrote a line that is not JSON: ${entry.text.slice(0, 200)}`,
          );
        }
        return { ...line, functionName: entry.functionName };
      });
  }

  /** Lines travel through pipes beside the answer: wait until `ready` holds for what was written. */
  async function waitFor(ready: () => boolean, what: string): Promise<void> {
    const until = Date.now() + 30_000;
    while (!ready()) {
      if (Date.now() > until) throw new Error(`no ${what} within 30 s; lines: ${written.length}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  function checkEmf(line: Line, service: string, names: readonly string[]): void {
    const [directive, ...more] = line._aws.CloudWatchMetrics;
    expect(more).toEqual([]);
    expect(directive.Namespace).toBe('Squash');
    expect(directive.Dimensions).toEqual([['service']]);
    expect(line.service).toBe(service);
    expect(line._aws.Timestamp).toBeGreaterThan(Date.now() - 600_000);
    const declared = directive.Metrics.map((metric: { Name: string }) => metric.Name);
    expect(declared).toEqual(expect.arrayContaining([...names]));
    for (const name of declared) expect(typeof line[name]).toBe('number');
  }

  it('an in-process search: coordinator and processor lines parse as JSON and EMF, with plausible values', async () => {
    const from = written.length;
    const { requestId, answer } = await search({ maxAllocators: 0 });
    const { stats } = answer;
    const coordinatorEmf = () => linesOf(/coordinator/, from).filter(isEmf);
    const processorEmf = () => linesOf(/processor/, from).filter(isEmf);
    await waitFor(
      () =>
        coordinatorEmf().length === 1 &&
        processorEmf().reduce((sum, line) => sum + line.PartitionsSearched, 0) ===
          stats.partitionLoads + stats.partitionCacheHits,
      'coordinator and processor metric lines',
    );

    const coordinator = linesOf(/coordinator/, from);
    const [searchLine] = coordinator.filter((line) => line.message === 'search');
    expect(searchLine).toMatchObject({
      level: 'INFO',
      service: 'squash-coordinator',
      function_request_id: requestId,
      index: INDEX,
      batchSize: BATCH,
      k: 10,
      partitionsVisited: stats.partitionsVisited,
      processorInvocations: stats.processorInvocations,
      retries: 0,
      complete: true,
    });
    expect(searchLine!.plans).toEqual(expect.any(Object));
    const [emf] = coordinatorEmf();
    checkEmf(emf!, 'squash-coordinator', [
      'SearchLatency',
      'Queries',
      'PartitionsVisited',
      'MissingPartitions',
      'SecondRounds',
      'IncompleteAnswers',
      'RequestErrors',
    ]);
    expect(emf).toMatchObject({
      Queries: BATCH,
      PartitionsVisited: stats.partitionsVisited,
      MissingPartitions: 0,
      IncompleteAnswers: 0,
      RequestErrors: 0,
      ProcessorInvocations: stats.processorInvocations,
    });
    expect(emf!.PartitionsVisited).toBeGreaterThanOrEqual(1);
    expect(emf!.SearchLatency).toBeGreaterThan(0);
    // Every line of the invocation carries its request id.
    for (const line of coordinator.filter((entry) => !isEmf(entry))) {
      expect(line.function_request_id).toBe(requestId);
    }

    const processors = linesOf(/processor/, from);
    const logs = processors.filter((line) => !isEmf(line));
    const emfs = processors.filter(isEmf);
    expect(emfs).toHaveLength(stats.processorInvocations);
    expect(logs.filter((line) => line.message === 'process')).toHaveLength(stats.processorInvocations);
    for (const line of logs) expect(line).toMatchObject({ level: 'DEBUG', index: INDEX });
    const ids = new Set(logs.map((line) => line.function_request_id));
    expect(ids.size).toBe(stats.processorInvocations);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    for (const line of emfs)
      checkEmf(line, 'squash-processor', [
        'ProcessorLatency',
        'PartitionsSearched',
        'ColdLoads',
        'BytesRead',
      ]);
    expect(emfs.reduce((sum, line) => sum + line.ColdLoads, 0)).toBe(stats.partitionLoads);
    expect(emfs.reduce((sum, line) => sum + line.BytesRead, 0)).toBeLessThanOrEqual(stats.bytesFetched);
  });

  it('over an allocator tree: the allocators report the processor calls they sent', async () => {
    const from = written.length;
    const { answer } = await search({ maxAllocators: 2 });
    const { stats } = answer;
    expect(stats.allocatorInvocations).toBe(2);
    const allocatorEmf = () => linesOf(/allocator/, from).filter(isEmf);
    await waitFor(() => allocatorEmf().length === 2, 'two allocator metric lines');
    for (const line of allocatorEmf())
      checkEmf(line, 'squash-allocator', ['AllocatorLatency', 'ProcessorInvocations', 'Retries']);
    expect(allocatorEmf().reduce((sum, line) => sum + line.ProcessorInvocations, 0)).toBe(
      stats.processorInvocations,
    );
    const allocations = linesOf(/allocator/, from).filter((line) => line.message === 'allocate');
    expect(allocations.map((line) => line.index)).toEqual([INDEX, INDEX]);
    expect(new Set(allocations.map((line) => line.function_request_id)).size).toBe(2);
  });

  it('a refused request is one INFO line with the error type and a RequestErrors count', async () => {
    const from = written.length;
    const response = await fetch(new URL('search', stack.searchUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index: 'no-such-index', k: 1, queries: [{ vector: [1] }] }),
    });
    expect(response.status).toBe(404);
    const requestId = response.headers.get('x-amzn-requestid');
    const coordinatorLines = () => linesOf(/coordinator/, from);
    await waitFor(() => coordinatorLines().some(isEmf), 'the coordinator metric line');
    const [refused, emf, ...rest] = coordinatorLines();
    expect(rest).toEqual([]);
    expect(refused).toMatchObject({
      level: 'INFO',
      message: 'request refused',
      function_request_id: requestId,
      index: 'no-such-index',
      status: 404,
      error: { name: 'IndexNotFoundError', code: 'INDEX_NOT_FOUND' },
    });
    expect(emf).toMatchObject({ RequestErrors: 1 });
  });
});
