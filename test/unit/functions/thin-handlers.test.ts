/**
 * The handler entries before the query path exists: the coordinator answers GET /health for real and
 * 501 for POST /search; the allocator and processor validate their payload and throw a typed
 * "not implemented yet". Nothing returns canned search results.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../../functions/config.ts';
import { NotImplementedError } from '../../../functions/not-implemented-error.ts';
import { InvalidQueryError } from '../../../shared/errors/index.ts';

type Handler = (event: unknown) => Promise<unknown>;
let coordinator: Handler;
let allocator: Handler;
let processor: Handler;

beforeAll(async () => {
  vi.stubEnv(ENV.bucket, 'squash-indexes');
  vi.stubEnv(ENV.allocatorFunction, 'S-allocator');
  vi.stubEnv(ENV.processorFunctions, 'S-processor-0,S-processor-1');
  vi.stubEnv(ENV.treeDepth, '3');
  coordinator = (await import('../../../functions/coordinator/handler.ts')).handler;
  allocator = (await import('../../../functions/allocator/handler.ts')).handler;
  processor = (await import('../../../functions/processor/handler.ts')).handler;
});

function urlEvent(method: string, rawPath: string, body?: string, isBase64Encoded = false) {
  return { version: '2.0', rawPath, body, isBase64Encoded, requestContext: { http: { method } } };
}

async function call(event: unknown) {
  const result = (await coordinator(event)) as {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  };
  return { status: result.statusCode, headers: result.headers, body: JSON.parse(result.body) };
}

describe('coordinator handler', () => {
  it('answers GET /health with the deployment shape read from the environment', async () => {
    expect(await call(urlEvent('GET', '/health'))).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { status: 'ok', processorFunctions: 2, treeBranching: 4, treeDepth: 3, maxBatch: 1000 },
    });
  });

  it('answers POST /search with 501 until the query path exists', async () => {
    const body = JSON.stringify({ index: 'x', k: 10, queries: [{ vector: [0, 1] }] });
    for (const event of [urlEvent('POST', '/search', body), urlEvent('POST', '/search', btoa(body), true)]) {
      expect(await call(event)).toMatchObject({
        status: 501,
        body: { code: 'NOT_IMPLEMENTED', message: 'POST /search (the query path) is not implemented yet' },
      });
    }
  });

  it('rejects a missing or malformed body with 400 before searching', async () => {
    expect((await call(urlEvent('POST', '/search'))).body).toEqual({
      code: 'INVALID_QUERY',
      message: 'POST /search needs a JSON body, received none',
    });
    const malformed = await call(urlEvent('POST', '/search', '{"index":'));
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/^POST \/search body is not valid JSON: /);
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    expect(await call(urlEvent('GET', '/nope'))).toMatchObject({
      status: 404,
      body: {
        code: 'ROUTE_NOT_FOUND',
        message: 'no route for GET /nope; expected GET /health or POST /search',
      },
    });
    expect(await call(urlEvent('GET', '/search'))).toMatchObject({
      status: 405,
      headers: { allow: 'POST' },
      body: { code: 'METHOD_NOT_ALLOWED', message: '/search accepts POST, received GET' },
    });
  });

  it('answers an event that is not a Function URL event with 400 naming the field', async () => {
    expect(
      await call({ version: '1.0', rawPath: '/health', requestContext: { http: { method: 'GET' } } }),
    ).toEqual({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: {
        code: 'INVALID_QUERY',
        message: 'Function URL event: `version`: Invalid input: expected "2.0" (received "1.0")',
      },
    });
  });
});

describe('allocator and processor handlers', () => {
  it('validate the payload and throw a typed "not implemented yet"', async () => {
    await expect(allocator({ index: 'x' })).rejects.toThrow(NotImplementedError);
    await expect(allocator({ index: 'x' })).rejects.toThrow('the allocator step is not implemented yet');
    await expect(processor({ partition: 3 })).rejects.toThrow(NotImplementedError);
    await expect(processor({ partition: 3 })).rejects.toThrow('the processor step is not implemented yet');
  });

  it('reject a payload that is not a JSON object with InvalidQueryError', async () => {
    await expect(allocator([1, 2])).rejects.toThrow(InvalidQueryError);
    await expect(allocator([1, 2])).rejects.toThrow(
      'allocator payload: the payload: expected a JSON object (received an array of 2)',
    );
    await expect(processor('x')).rejects.toThrow(
      'processor payload: the payload: expected a JSON object (received "x")',
    );
  });
});
