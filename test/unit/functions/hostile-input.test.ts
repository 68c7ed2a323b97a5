/**
 * The classes of hostile input an outside probe answered with 500 (issue 9), one example each, with the
 * exact answer: filters and bodies nested thousands of levels deep (a stack overflow in serialisation
 * before), a malformed percent-encoding in an index path (URIError before), a vector of a million
 * strings (zod's per-element issues overflowed), base64 and UTF-8 that do not decode. The fuzz suite
 * (fuzz-coordinator.test.ts) searches the space around them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../../functions/coordinator/json-bounds.ts';
import { serveCoordinator } from '../../../functions/coordinator/serve-coordinator.ts';
import { MAX_FILTER_DEPTH, MAX_FILTER_NODES } from '../../../shared/attributes/index.ts';
import { buildTestStore, createTestStack, INDEX, queryVector, type TestStack } from './test-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = createTestStack(await buildTestStore());
});

const vector = JSON.stringify(Array.from(queryVector(0)));

/** Sends a raw event (the body as given, not re-encoded by JSON.stringify, which itself overflows on deep values). */
async function send(method: string, rawPath: string, body?: string, isBase64Encoded = false) {
  const result = await serveCoordinator(
    { version: '2.0', rawPath, body, isBase64Encoded, requestContext: { http: { method } } },
    stack.coordinator,
    Date.now() + 30_000,
  );
  return {
    status: result.statusCode,
    body: JSON.parse(String(result.body)) as { code: string; message: string },
  };
}

const search = (filter: string) =>
  send('POST', '/search', `{"index":"${INDEX}","k":3,"queries":[{"vector":${vector},"filter":${filter}}]}`);

describe('hostile input gets a 4xx naming the problem, never a 500', () => {
  const deepFilters: [string, string][] = [
    ['$not', `${'{"$not":'.repeat(5000)}{"u":1}${'}'.repeat(5000)}`],
    ['$and', `${'{"$and":['.repeat(5000)}{"u":1}${']}'.repeat(5000)}`],
    ['$in arrays', `{"u":{"$in":${'['.repeat(5000)}1${']'.repeat(5000)}}}`],
  ];
  it.each(deepFilters)(
    'a filter nested 5,000 levels in %s: 400 naming the body depth limit',
    async (_, filter) => {
      expect(await search(filter)).toEqual({
        status: 400,
        body: {
          code: 'INVALID_QUERY',
          message: `POST /search body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; the limit is ${MAX_JSON_DEPTH}`,
        },
      });
    },
  );

  it('a filter nested past its own limit but within the body limit: 400 naming the filter depth', async () => {
    const filter = `${'{"$not":'.repeat(MAX_FILTER_DEPTH + 5)}{"u":1}${'}'.repeat(MAX_FILTER_DEPTH + 5)}`;
    const answer = await search(filter);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(`queries[0].filter: nesting deeper than ${MAX_FILTER_DEPTH} levels`);
  });

  it('a filter of 100,000 conditions: 400 naming the node limit, at once', async () => {
    const filter = `{"$or":[${new Array(100_000).fill('{"u":1}').join(',')}]}`;
    const started = performance.now();
    const answer = await search(filter);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain(`the limit is ${MAX_FILTER_NODES} (use $in to match many values)`);
    expect(performance.now() - started).toBeLessThan(10_000); // before: 28 s of evaluation
  });

  it('GET /indexes/ with a malformed percent-encoding: 400 naming the path', async () => {
    expect(await send('GET', '/indexes/%E0%A4')).toEqual({
      status: 400,
      body: {
        code: 'INVALID_QUERY',
        message:
          'path /indexes/%E0%A4 holds a malformed percent-encoding; expected /indexes/<name> with the name URL-encoded',
      },
    });
    // Encoded once more it decodes, to a name that is not one: 400 naming it.
    const twice = await send('GET', '/indexes/%25E0%25A4');
    expect(twice.status).toBe(400);
    expect(twice.body.message).toMatch(/^index name "%E0%A4" must be/);
  });

  it('a vector of a million strings: 400 naming the first bad element', async () => {
    const strings = new Array(1_000_000).fill('"a"').join(',');
    const answer = await send(
      'POST',
      '/search',
      `{"index":"${INDEX}","k":1,"queries":[{"vector":[${strings}]}]}`,
    );
    expect(answer).toEqual({
      status: 400,
      body: {
        code: 'INVALID_QUERY',
        message:
          'search request: `queries[0].vector[0]`: Invalid input: expected number, received string (received "a")',
      },
    });
  });

  it('a body marked base64 that is not, or that is not UTF-8: 400 saying so', async () => {
    expect((await send('POST', '/search', '!!!!', true)).body.message).toBe(
      'POST /search body is marked base64-encoded but is not base64',
    );
    const latin1 = Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]).toString('base64');
    expect((await send('POST', '/search', latin1, true)).body.message).toBe(
      'POST /search body is not UTF-8 text; expected a JSON body (content-type application/json)',
    );
  });

  it('a huge unknown key or path is quoted shortened', async () => {
    const key = 'k'.repeat(1_000_000);
    const answer = await search(`{"${key}":1}`);
    expect(answer.status).toBe(400);
    expect(answer.body.message.length).toBeLessThan(500);
    const route = await send('GET', `/${'p'.repeat(100_000)}`);
    expect(route.status).toBe(404);
    expect(route.body.message.length).toBeLessThan(500);
  });

  it('keys that name Object.prototype members are unknown attributes, and pollute nothing', async () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const answer = await search(`{"${key}":{"polluted":1}}`);
      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain(`unknown attribute \`${key}\``);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
