/**
 * Hostile input over real HTTP (issue 9): fast-check requests (test/support/hostile-requests.ts) —
 * structured-but-wrong searches, deep nesting, random bytes and text, random methods, paths and headers,
 * bodies past 6 MB — sent with node:http (raw request lines: malformed percent-encodings reach the
 * server as sent) to the local stack's search Function URL, where the real bundled coordinator,
 * allocator and processors run. Every answer must be below 500, JSON, with a short error message for a
 * 4xx; afterwards the stack must still answer a correct search. A body far past the limit must be
 * refused without the server buffering it. The in-process suite (test/unit/functions) runs many more.
 */
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { generateDataset, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { expectWellFormed, FuzzTally } from '../../support/fuzz-oracle.ts';
import { fuzzRuns, fuzzSeed, replayPath, shortReport } from '../../support/fuzz-settings.ts';
import {
  describeRequest,
  type FuzzIndex,
  type HostileRequest,
  hostileRequests,
} from '../../support/hostile-requests.ts';
import { isEmulated, type SearchTarget, startSearchTarget } from '../support/search-target.ts';

const COUNT = 3000;
const DIM = 16;
const index: FuzzIndex = {
  name: 'fuzz',
  dim: DIM,
  schema: SYNTHETIC_SCHEMA,
  strings: ['red', 'blue', 'grey', 'common', 'rare', 'popular'],
  maxBatch: 1000,
};
const dataset = generateDataset({ count: COUNT, dim: DIM, seed: 5, clusters: 8 });
const vector = Array.from(dataset.vectors.subarray(0, DIM));

interface RawAnswer {
  readonly status: number;
  readonly body: string;
}

/** Sends `request` as it is; rejects only on a transport failure (no HTTP answer at all). */
function send(base: URL, request: HostileRequest): Promise<RawAnswer> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, ...(body ? { 'content-length': body.length } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error('no answer within 120 s')));
    req.on('error', reject);
    req.end(body);
  });
}

describe.skipIf(!isEmulated)('the search Function URL under hostile requests (HTTP)', () => {
  const seed = fuzzSeed('search URL fuzz (HTTP)');
  const tally = new FuzzTally('fuzz-http', seed);
  let target: SearchTarget;
  let base: URL;

  beforeAll(async () => {
    target = await startSearchTarget();
    base = new URL(target.searchUrl);
    const attributes = new AttributeTable(SYNTHETIC_SCHEMA, COUNT, dataset.attributes!.columns());
    await buildIndex(
      { vectors: dataset.vectors, count: COUNT, dim: DIM, attributes },
      target.indexStore(index.name),
      {
        partitions: 6,
        bitsPerDim: 4,
        metric: 'l2',
        seed: 1,
        kmeansIterations: 8,
      },
    );
  });

  afterAll(async () => {
    tally.report();
    await target?.stop();
  });

  const correctSearch = () =>
    send(base, {
      kind: 'correct',
      method: 'POST',
      path: '/search',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index: index.name, k: 5, queries: [{ vector, filter: { category: 'red' } }] }),
    });

  it('a correct search is answered (the baseline)', async () => {
    const answer = await correctSearch();
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body).results[0].hits).toHaveLength(5);
  });

  it('paths the probe broke reach the function: /%ZZ 404, malformed or double-encoded index names 400', async () => {
    const get = async (path: string) => {
      const answer = await send(base, { kind: 'route', method: 'GET', path, headers: {} });
      return { status: answer.status, body: JSON.parse(answer.body) as { code: string; message: string } };
    };
    const zz = await get('/%ZZ');
    expect(zz.status).toBe(404);
    expect(zz.body.code).toBe('ROUTE_NOT_FOUND'); // the coordinator's answer, not the emulator's 502
    expect(await get('/indexes/%E0%A4')).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('path /indexes/%E0%A4 holds a malformed percent-encoding') },
    });
    expect(await get('/indexes/%25E0%25A4')).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^index name "%E0%A4" must be/) },
    });
    expect(await get(`/indexes/${index.name}`)).toMatchObject({ status: 200 });
  });

  it(
    'answers every hostile request below 500, as JSON with a short message',
    async () => {
      await fc.assert(
        fc.asyncProperty(hostileRequests(index, { wideBytes: 1_000_000 }), async (request) => {
          let answer: RawAnswer;
          try {
            answer = await send(base, request);
          } catch (error) {
            tally.crashes++;
            throw error;
          }
          tally.record(request, answer.status);
          expectWellFormed(request, answer);
        }),
        { seed, numRuns: fuzzRuns(600), reporter: shortReport(describeRequest), ...replayPath() },
      );
    },
    fuzzRuns(300_000),
  );

  it('refuses bodies over 6 MB with 413: declared, chunked, and endless without buffering them', async () => {
    const sixMb = 6 * 1024 * 1024;
    const oversized = await fc.sample(
      hostileRequests(index, { oversized: true }).filter((r) => r.kind === 'oversized'),
      {
        seed,
        numRuns: 3,
      },
    );
    for (const request of oversized) {
      const answer = await send(base, request);
      tally.record(request, answer.status);
      expect(answer.status).toBe(413);
      expectWellFormed(request, answer);
    }
    // Chunked (no content-length), 200 MB offered: the 413 arrives after about 6 MB, and the server's
    // memory does not follow the body.
    const rssBefore = process.memoryUsage().rss;
    const streamed = await streamEndless(base, 200 * 1024 * 1024);
    tally.record({ kind: 'oversized', method: 'POST', path: '/search', headers: {} }, streamed.status);
    expect(streamed.status).toBe(413);
    expect(streamed.sentBytes).toBeGreaterThan(sixMb);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('still answers a correct search afterwards (nothing crashed)', async () => {
    const answer = await correctSearch();
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body).results[0].hits).toHaveLength(5);
    expect(tally.crashes).toBe(0);
  });
});

/**
 * POSTs a chunked body of up to `limit` bytes, 64 KiB at a time, until the server answers; returns its
 * status and how much was sent by then.
 */
function streamEndless(base: URL, limit: number): Promise<{ status: number; sentBytes: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: '/search',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        answered = true;
        res.resume();
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, sentBytes });
        });
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const write = () => {
      while (!answered && sentBytes < limit) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      if (!answered) req.end();
    };
    write();
  });
}
