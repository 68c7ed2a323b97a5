/**
 * The Lambda entries as deployed (module-scope config from the environment): routes, status codes and
 * payload validation that answer before any store or function is reached.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../../functions/config.ts';

type Handler = (event: unknown) => Promise<unknown>;
let coordinator: Handler;
let allocator: Handler;
let processor: Handler;

beforeAll(async () => {
  vi.stubEnv(ENV.bucket, 'squash-indexes');
  vi.stubEnv(ENV.allocatorFunction, 'S-allocator');
  vi.stubEnv(ENV.processorFunctions, 'S-processor-0,S-processor-1');
  vi.stubEnv(ENV.treeDepth, '3');
  // Log and metric lines are tested in test/unit/observability; here they would only be noise.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
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

  it('validates POST /search bodies, plain or base64-encoded, before reaching the store', async () => {
    const body = JSON.stringify({ index: 'x', k: 0, queries: [{ vector: [0, 1] }] });
    for (const event of [urlEvent('POST', '/search', body), urlEvent('POST', '/search', btoa(body), true)]) {
      expect(await call(event)).toMatchObject({
        status: 400,
        body: { code: 'INVALID_QUERY', message: 'search request: `k`: must be at least 1 (received 0)' },
      });
    }
  });

  it('rejects a missing or malformed body with 400', async () => {
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
        message:
          'no route for GET /nope; expected POST /search, POST /upsert, POST /delete, POST /compact, GET /indexes/<name> or GET /health',
      },
    });
    expect(await call(urlEvent('GET', '/search'))).toMatchObject({
      status: 405,
      headers: { allow: 'POST' },
      body: { code: 'METHOD_NOT_ALLOWED', message: '/search accepts POST, received GET' },
    });
    expect(await call(urlEvent('DELETE', '/indexes/x'))).toMatchObject({
      status: 405,
      body: { code: 'METHOD_NOT_ALLOWED', message: '/indexes/x accepts GET, received DELETE' },
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
  it('answer a payload that is not theirs with a typed { error }', async () => {
    expect(await allocator([1, 2])).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message:
          'allocator payload: the payload: Invalid input: expected object, received array (received an array of 2)',
      },
    });
    expect(await processor({ index: 'x', version: 1, sequence: 0, parts: [{ partition: -1 }] })).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message:
          'processor payload: `options`: Invalid input: expected object, received undefined (received nothing); ' +
          '`queries`: Invalid input: expected array, received undefined (received nothing); ' +
          '`parts[0].partition`: Too small: expected number to be >=0 (received -1); ' +
          '`parts[0].queries`: Invalid input: expected array, received undefined (received nothing)',
      },
    });
  });
});
