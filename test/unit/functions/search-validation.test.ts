/**
 * The coordinator rejects bad requests before anything fans out: 400 naming the query and field, 413 for
 * oversized batches and answers, 404 for an unknown index. No allocator or processor is invoked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeVector } from '../../../functions/wire/vector-base64.ts';
import type { MemoryBlobStore } from '../../../shared/store/index.ts';
import { buildTestStore, createTestStack, INDEX, queryVector, type TestStack } from './test-stack.ts';

let store: MemoryBlobStore;
let stack: TestStack;
beforeAll(async () => {
  store = await buildTestStore();
  stack = createTestStack(store, { SQUASH_MAX_BATCH: '200' });
});

const vector = Array.from(queryVector(0));
const withNaN = Float32Array.from(queryVector(0));
withNaN[3] = Number.NaN;

async function expectRejected(body: unknown, status: number, code: string, message: string) {
  const before = stack.invoker.calls.length;
  const response = await stack.search(body);
  expect(response).toEqual({ status, body: { code, message } });
  expect(stack.invoker.calls.length).toBe(before);
}

describe('POST /search validation', () => {
  const cases: [string, unknown, string][] = [
    [
      'a vector of the wrong dimension',
      { index: INDEX, k: 10, queries: [{ vector }, { vector: vector.slice(1) }] },
      'queries[1].vector has 15 dims, index `synth` expects 16',
    ],
    [
      'an unknown attribute',
      { index: INDEX, k: 10, queries: [{ vector, filter: { colour: 'red' } }] },
      'queries[0].filter: unknown attribute `colour`; known attributes: u, category, tags, score',
    ],
    [
      'a malformed filter',
      { index: INDEX, k: 10, queries: [{ vector }, { vector, filter: { u: { $lt: 'x' } } }] },
      'queries[1].filter: `u` is a number attribute: $lt needs a finite number, received string "x"',
    ],
    [
      'NaN in a base64 vector',
      { index: INDEX, k: 10, queries: [{ vectorBase64: encodeVector(withNaN) }] },
      'queries[0].vectorBase64[3] is NaN; expected a finite number',
    ],
    [
      'a value outside float32',
      { index: INDEX, k: 10, queries: [{ vector: vector.map((x, j) => (j === 2 ? 1e39 : x)) }] },
      'queries[0].vector[2] is 1e+39, outside the float32 range',
    ],
    [
      'text that is not base64',
      { index: INDEX, k: 10, queries: [{ vectorBase64: 'abc' }] },
      'queries[0].vectorBase64 is not base64 (expected standard base64 of little-endian float32 values, padded to a multiple of 4 characters)',
    ],
    [
      'both vector forms',
      { index: INDEX, k: 10, queries: [{ vector, vectorBase64: encodeVector(queryVector(0)) }] },
      'search request: `queries[0]`: give exactly one of `vector` (JSON numbers) or `vectorBase64` (little-endian float32) (received an object)',
    ],
    [
      'a null in a vector',
      { index: INDEX, k: 10, queries: [{ vector: [1, null] }] },
      'search request: `queries[0].vector[1]`: Invalid input: expected number, received null (received null)',
    ],
    [
      'k out of range',
      { index: INDEX, k: 1001, queries: [{ vector }] },
      'search request: `k`: must be at most 1000 (received 1001)',
    ],
    [
      'a misspelt option and a bad value',
      { index: INDEX, k: 10, queries: [{ vector }], options: { rerank: false, partitonFactor: 2 } },
      'search request: `options.rerank`: must be an integer in 1..100 (the re-rank depth R) or true for the default (received false); ' +
        '`options`: Unrecognized key: "partitonFactor" (received an object)',
    ],
    [
      'the removed option `strict`, naming its replacement',
      { index: INDEX, k: 10, queries: [{ vector }], options: { strict: true } },
      'search request: `options.strict`: was removed: a search now fails with 502/504 naming the failed partitions unless partial answers are allowed; ' +
        'send `allowPartial: true` to accept partial answers, or leave both out for complete-or-fail (received true)',
    ],
    [
      'allowPartial that is not a boolean',
      { index: INDEX, k: 10, queries: [{ vector }], options: { allowPartial: 'yes' } },
      'search request: `options.allowPartial`: Invalid input: expected boolean, received string (received "yes")',
    ],
    [
      'an index name that is not one key segment',
      { index: '../x', k: 10, queries: [{ vector }] },
      'search request: `index`: must be 1 to 128 letters, digits, `.`, `_` or `-`, starting with a letter or digit (received "../x")',
    ],
    [
      'an empty batch',
      { index: INDEX, k: 10, queries: [] },
      'search request: `queries`: must hold at least one query (received an array of 0)',
    ],
  ];
  for (const [name, body, message] of cases) {
    it(`answers 400 for ${name}`, () => expectRejected(body, 400, 'INVALID_QUERY', message));
  }

  it('answers 413 for more queries than SQUASH_MAX_BATCH', () =>
    expectRejected(
      { index: INDEX, k: 10, queries: Array.from({ length: 201 }, () => ({ vector })) },
      413,
      'PAYLOAD_TOO_LARGE',
      'queries holds 201 queries; at most 200 are accepted per request (SQUASH_MAX_BATCH)',
    ));

  it('answers 413 when the answer could exceed 6 MB, saying what to change', () =>
    expectRejected(
      { index: INDEX, k: 1000, queries: Array.from({ length: 120 }, () => ({ vector })) },
      413,
      'PAYLOAD_TOO_LARGE',
      'the answer to 120 queries with k = 1000 could reach 6.5 MiB; a search response is limited to 6.0 MiB: ' +
        'lower k or send fewer queries per request',
    ));

  it('answers 413 for a body over 6 MB', async () => {
    const { serveCoordinator } = await import('../../../functions/coordinator/serve-coordinator.ts');
    const body = JSON.stringify({
      index: INDEX,
      k: 10,
      queries: [{ vector }],
      padding: 'x'.repeat(6 * 1024 * 1024),
    });
    const result = await serveCoordinator(
      { version: '2.0', rawPath: '/search', body, requestContext: { http: { method: 'POST' } } },
      stack.coordinator,
      Date.now() + 10_000,
    );
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(String(result.body))).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      message: `POST /search body is ${Buffer.byteLength(body)} bytes; the limit is 6291456 bytes (6.0 MiB)`,
    });
  });

  it('answers 404 for an unknown index, on search and on GET /indexes/<name>', async () => {
    const message = 'index `nope` does not exist (nothing is published at memory://nope)';
    await expectRejected({ index: 'nope', k: 10, queries: [{ vector }] }, 404, 'INDEX_NOT_FOUND', message);
    expect(await stack.get('/indexes/nope')).toEqual({
      status: 404,
      body: { code: 'INDEX_NOT_FOUND', message },
    });
    expect(await stack.get('/indexes/a%2Fb')).toEqual({
      status: 400,
      body: {
        code: 'INVALID_QUERY',
        message:
          'index name "a/b" must be 1 to 128 letters, digits, `.`, `_` or `-`, starting with a letter or digit',
      },
    });
  });
});
