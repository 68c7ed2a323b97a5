/**
 * The deployed entries report through Powertools: a refused request is one INFO line with the error's
 * type and code and the request id, and one EMF line with `RequestErrors`; a processor payload that
 * names no valid request is the same at the processor. Output is captured, never printed.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../../functions/config.ts';

type Handler = (event: unknown, context?: Context) => Promise<unknown>;

/** The fields of the Lambda context the handlers read (the local stack's runtime passes more). */
const lambdaContext = (awsRequestId: string) => ({ awsRequestId }) as Context;
let coordinator: Handler;
let processor: Handler;
let lines: string[];

beforeAll(async () => {
  vi.stubEnv(ENV.bucket, 'squash-indexes');
  vi.stubEnv(ENV.allocatorFunction, 'S-allocator');
  vi.stubEnv(ENV.processorFunctions, 'S-processor-0');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', undefined);
  vi.stubEnv('POWERTOOLS_DEV', undefined);
  coordinator = (await import('../../../functions/coordinator/handler.ts')).handler;
  processor = (await import('../../../functions/processor/handler.ts')).handler;
});

afterAll(() => {
  vi.unstubAllEnvs();
});

beforeEach(() => {
  lines = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
  }
  return () => vi.restoreAllMocks();
});

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines, checked by the assertions
const parsed = (): any[] => lines.map((line) => JSON.parse(line));

describe('handlers', () => {
  it('coordinator: a 400 is logged with its type and request id and counted in RequestErrors', async () => {
    const event = {
      version: '2.0',
      rawPath: '/search',
      body: JSON.stringify({ index: 'x', k: 0, queries: [{ vector: [0, 1] }] }),
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST' } },
    };
    const result = (await coordinator(event, lambdaContext('req-400'))) as { statusCode: number };
    expect(result.statusCode).toBe(400);
    const [log, emf, ...rest] = parsed();
    expect(rest).toEqual([]);
    expect(log).toMatchObject({
      level: 'INFO',
      message: 'request refused',
      service: 'squash-coordinator',
      function_request_id: 'req-400',
      status: 400,
      error: {
        name: 'InvalidQueryError',
        code: 'INVALID_QUERY',
        message: 'search request: `k`: must be at least 1 (received 0)',
      },
    });
    expect(emf).toMatchObject({ service: 'squash-coordinator', RequestErrors: 1 });
    expect(emf._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'RequestErrors', Unit: 'Count' }]);

    lines = [];
    const health = (await coordinator(
      { ...event, rawPath: '/health', body: undefined, requestContext: { http: { method: 'GET' } } },
      lambdaContext('req-200'),
    )) as { statusCode: number };
    expect(health.statusCode).toBe(200);
    expect(parsed()).toEqual([expect.objectContaining({ RequestErrors: 0 })]);
  });

  it('processor: a malformed payload is answered as an error reply, logged with its code, no metrics', async () => {
    const reply = await processor({ index: 'x' }, lambdaContext('req-p'));
    expect(reply).toMatchObject({ error: { code: 'INVALID_QUERY' } });
    expect(parsed()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'request refused',
        service: 'squash-processor',
        function_request_id: 'req-p',
        error: expect.objectContaining({ name: 'InvalidQueryError', code: 'INVALID_QUERY' }),
      }),
    ]);
  });
});
