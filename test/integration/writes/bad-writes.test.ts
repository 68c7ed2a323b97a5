/**
 * Issue 10 acceptance 5, over real HTTP: a bad write — wrong dimension, unknown attribute or one of the
 * wrong kind, an id twice, 501 vectors, a body over 6 MB, and the like — is answered with a 4xx whose
 * message names the problem, and leaves the log as it was (no object under `log/`, `CURRENT` untouched).
 * A request with 499 good rows and one bad one is refused whole. The first good write afterwards takes
 * sequence 1: nothing was consumed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  searchUrl,
  upsertUrl,
  vectorToBase64,
  writeEndpoint,
} from '../../../scripts/client/index.ts';
import { CURRENT_KEY } from '../../../shared/format/index.ts';
import type { BlobStore } from '../../../shared/store/index.ts';
import { expectHttpError } from '../search-path/requests.ts';
import { type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { buildWriteIndex, DIM, logSequences, numbers, writeVector } from './write-fixture.ts';

const index = 'writes-refused';
const good = (id: number) => ({ id, vector: numbers(writeVector(id)) });

interface BadCase {
  readonly name: string;
  readonly route: 'upsert' | 'delete';
  /** A JSON value, or raw text sent as it is. */
  readonly body: unknown;
  readonly status: number;
  readonly message: RegExp;
}

const nanVector = new Float32Array(DIM);
nanVector[3] = Number.NaN;

const cases: BadCase[] = [
  {
    name: 'a vector of the wrong dimension',
    route: 'upsert',
    body: { index, vectors: [good(1), { id: 2, vector: [1, 2, 3] }] },
    status: 400,
    message: /vectors\[1\]\.vector has 3 dims, the index expects 16/,
  },
  {
    name: 'a vectorBase64 of the wrong dimension',
    route: 'upsert',
    body: { index, vectors: [{ id: 2, vectorBase64: vectorToBase64(new Float32Array(DIM + 1)) }] },
    status: 400,
    message: /vectors\[0\]\.vector has 17 dims, the index expects 16/,
  },
  {
    name: 'a vector with a NaN',
    route: 'upsert',
    body: { index, vectors: [{ id: 2, vectorBase64: vectorToBase64(nanVector) }] },
    status: 400,
    message: /vectors\[0\]\.vector\[3\] is NaN; expected a finite number/,
  },
  {
    name: 'an unknown attribute',
    route: 'upsert',
    body: { index, vectors: [{ ...good(2), attributes: { colour: 'red' } }] },
    status: 400,
    message:
      /vectors\[0\]\.attributes: unknown attribute `colour`; known attributes: u, category, tags, score/,
  },
  {
    name: 'an attribute of the wrong kind',
    route: 'upsert',
    body: { index, vectors: [{ ...good(2), attributes: { u: 'high' } }] },
    status: 400,
    message:
      /vectors\[0\]\.attributes: attribute `u` \(number\) expects a finite number, received string "high"/,
  },
  {
    name: 'the same id twice in one request',
    route: 'upsert',
    body: { index, vectors: [good(5), good(6), { ...good(7), id: 5 }] },
    status: 400,
    message: /vectors\[2\]\.id is 5, which position 0 already names; an id may appear once per request/,
  },
  {
    name: '499 good rows and one bad one at the end',
    route: 'upsert',
    body: {
      index,
      vectors: [...Array.from({ length: 499 }, (_, i) => good(10_000 + i)), { id: 20_000, vector: [1] }],
    },
    status: 400,
    message: /vectors\[499\]\.vector has 1 dims, the index expects 16/,
  },
  {
    name: '501 vectors',
    route: 'upsert',
    body: { index, vectors: Array.from({ length: 501 }, (_, i) => good(i)) },
    status: 413,
    message: /vectors holds 501 entries; at most 500/,
  },
  {
    name: 'a body over 6 MB',
    route: 'upsert',
    body: { index, vectors: [{ ...good(2), attributes: { category: 'x'.repeat(6.5 * 1024 * 1024) } }] },
    status: 413,
    message: /Request Entity Too Large|6 MB|6291456/,
  },
  {
    name: 'a string id for an index of integer ids',
    route: 'upsert',
    body: { index, vectors: [{ ...good(2), id: 'doc-2' }] },
    status: 400,
    message:
      /vectors\[0\]\.id is string "doc-2"; this index names its rows by integers, so expected a safe integer/,
  },
  {
    name: 'a token with a space',
    route: 'upsert',
    body: { index, vectors: [good(2)], token: 'not valid' },
    status: 400,
    message: /token is string "not valid"; expected 1 to 128 characters/,
  },
  {
    name: 'an index that does not exist',
    route: 'upsert',
    body: { index: 'no-such-index', vectors: [good(2)] },
    status: 404,
    message: /index `no-such-index` does not exist/,
  },
  {
    name: 'a body that is not JSON',
    route: 'upsert',
    body: '{"index": "writes-refused", "vectors": [',
    status: 400,
    message: /not valid JSON/,
  },
  {
    name: 'a delete of 1,001 ids',
    route: 'delete',
    body: { index, ids: Array.from({ length: 1001 }, (_, i) => i) },
    status: 413,
    message: /ids holds 1001 entries; at most 1000/,
  },
  {
    name: 'a delete naming an id twice',
    route: 'delete',
    body: { index, ids: [3, 4, 3] },
    status: 400,
    message: /ids\[2\] is 3, which position 0 already names/,
  },
  {
    name: 'a delete with both ids and a filter',
    route: 'delete',
    body: { index, ids: [1], filter: { u: { $lt: 0.5 } } },
    status: 400,
    message: /exactly one of `ids`/,
  },
  {
    name: 'a delete by a filter on an unknown attribute',
    route: 'delete',
    body: { index, filter: { colour: 'red' } },
    status: 400,
    message: /filter: unknown attribute `colour`/,
  },
];

describe('bad writes are refused whole, over HTTP', () => {
  let target: SearchTarget;
  let store: BlobStore;
  let current: string;

  beforeAll(async () => {
    target = await startSearchTarget();
    store = await buildWriteIndex(target, index);
    current = Buffer.from(await store.get(CURRENT_KEY)).toString('hex');
  });

  afterAll(async () => {
    await target?.stop();
  });

  it.each(cases)(
    '$name: $status naming the problem, nothing written',
    async ({ route, body, status, message }) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      await expectHttpError(
        postJson(writeEndpoint(target.searchUrl, route), text, { sign: target.sign, timeoutMs: 120_000 }),
        status,
        message,
      );
      expect(await logSequences(store)).toEqual({ sequences: [], strangers: [] });
      expect(Buffer.from(await store.get(CURRENT_KEY)).toString('hex')).toBe(current);
    },
  );

  it('the first good write afterwards is sequence 1 and the next search sees it', async () => {
    const answer = await upsertUrl(target.searchUrl, { index, vectors: [good(5)] }, { sign: target.sign });
    expect(answer).toEqual({ index, sequence: 1, upserted: 1, deleted: 0, replayed: false });
    expect((await logSequences(store)).sequences).toEqual([1]);
    const found = await searchUrl(
      target.searchUrl,
      { index, k: 1, queries: [{ vector: good(5).vector }] },
      { sign: target.sign },
    );
    expect(found.stats.snapshot.sequence).toBe(1);
    expect(found.results[0]!.hits).toEqual([{ id: 5, distance: 0 }]);
  });
});
