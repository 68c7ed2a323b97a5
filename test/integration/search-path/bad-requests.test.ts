/**
 * Bad requests through the search URL get a 4xx with a `{code, message}` body that says what was wrong:
 * 400 for a wrong dimension, an unknown attribute, a malformed JSON body, non-number or NaN vector values
 * and k out of range; 404 for an unknown index; 413 for more queries than one request may carry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SearchRequestBody,
  searchEndpoint,
  searchUrl,
  signingRegion,
  signRequest,
} from '../../../scripts/client/index.ts';
import { copyIndex } from '../../../shared/format/index.ts';
import { type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { expectHttpError, wireQuery } from './requests.ts';
import { loadSiftsmall, type Siftsmall, siftQuery, siftsmallIndex } from './siftsmall.ts';

const index = 'sift-bad';

describe('bad requests get 4xx with clear messages', () => {
  let target: SearchTarget;
  let data: Siftsmall;
  let vector: number[];

  beforeAll(async () => {
    data = await loadSiftsmall();
    target = await startSearchTarget();
    await copyIndex(await siftsmallIndex(data), target.indexStore(index));
    vector = Array.from(siftQuery(data, 0));
  });

  afterAll(async () => {
    await target?.stop();
  });

  const search = (body: unknown) =>
    searchUrl(target.searchUrl, body as SearchRequestBody, { sign: target.sign });

  /** Sends `body` as it is (not JSON-encoded by the client), signed when the target needs it. */
  async function send(
    method: 'GET' | 'POST',
    url: URL,
    body = '',
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    let headers: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json' } : {};
    if (target.sign) headers = await signRequest({ url, method, headers, body }, signingRegion(url));
    const response = await fetch(url, { method, headers, ...(method === 'POST' ? { body } : {}) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('a sane request is answered (the baseline the others differ from)', async () => {
    const response = await search({ index, k: 10, queries: [{ vector }] });
    expect(response.results[0]!.hits).toHaveLength(10);
  });

  it('wrong dimension → 400 naming the query, its dims and the expected dims', async () => {
    const error = await expectHttpError(
      search({ index, k: 10, queries: [{ vector }, { vector: vector.slice(0, 96) }] }),
      400,
      /queries\[1\]\.vector has 96 dims, index `sift-bad` expects 128/,
    );
    expect(error.code).toBe('INVALID_QUERY');
  });

  it('unknown attribute → 400 naming it and the known ones', async () => {
    await expectHttpError(
      search({ index, k: 10, queries: [{ vector, filter: { colour: 'red' } }] }),
      400,
      /queries\[0\]\.filter: unknown attribute `colour`; known attributes: u, group/,
    );
  });

  it('malformed JSON body → 400 saying the body is not valid JSON', async () => {
    const { status, json } = await send(
      'POST',
      searchEndpoint(target.searchUrl),
      '{"index": "sift-bad", "k": 10, "queries": [',
    );
    expect(status).toBe(400);
    expect(json.code).toBe('INVALID_QUERY');
    expect(json.message).toMatch(/^POST \/search body is not valid JSON: /);
  });

  it('a non-number vector value → 400 naming the element', async () => {
    const bad: unknown[] = [...vector];
    bad[5] = 'seven';
    await expectHttpError(
      search({ index, k: 10, queries: [{ vector: bad }] }),
      400,
      /`queries\[0\]\.vector\[5\]`: .*expected number, received string/,
    );
  });

  it('NaN in a vector → 400 naming the element (null in JSON, NaN in base64)', async () => {
    const withNull: unknown[] = [...vector];
    withNull[3] = Number.NaN; // JSON.stringify writes null
    await expectHttpError(
      search({ index, k: 10, queries: [{ vector: withNull }] }),
      400,
      /`queries\[0\]\.vector\[3\]`: .*expected number, received null/,
    );
    const nan = Float32Array.from(vector);
    nan[7] = Number.NaN;
    await expectHttpError(
      search({ index, k: 10, queries: [wireQuery({ vector: nan })] }),
      400,
      /queries\[0\]\.vectorBase64\[7\] is NaN; expected a finite number/,
    );
  });

  it('unknown index → 404 naming it', async () => {
    const error = await expectHttpError(
      search({ index: 'no-such-index', k: 10, queries: [{ vector }] }),
      404,
      /no-such-index/,
    );
    expect(error.code).toBe('INDEX_NOT_FOUND');
  });

  it('more queries than the largest batch (GET /health says how many) → 413 with both numbers', async () => {
    const health = await send('GET', new URL('health', target.searchUrl));
    expect(health.status).toBe(200);
    const maxBatch = health.json.maxBatch as number;
    expect(maxBatch).toBeGreaterThanOrEqual(1);
    const query = wireQuery({ vector: siftQuery(data, 0) });
    const error = await expectHttpError(
      search({ index, k: 10, queries: Array.from({ length: maxBatch + 1 }, () => query) }),
      413,
      new RegExp(`queries holds ${maxBatch + 1} queries; at most ${maxBatch} are accepted`),
    );
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('k out of range → 400 naming k and the bound', async () => {
    await expectHttpError(
      search({ index, k: 0, queries: [{ vector }] }),
      400,
      /`k`: must be at least 1 \(received 0\)/,
    );
    await expectHttpError(
      search({ index, k: 1001, queries: [{ vector }] }),
      400,
      /`k`: must be at most 1000 \(received 1001\)/,
    );
  });
});
