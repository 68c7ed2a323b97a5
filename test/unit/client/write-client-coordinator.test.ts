/**
 * The write client against the real coordinator (its URL entry served over HTTP on 127.0.0.1, the
 * query path in one process): the requests it sends are the ones the server takes, and the answers and
 * errors the server gives are the ones it understands.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCoordinator } from '../../../functions/coordinator/serve-coordinator.ts';
import {
  deleteUrl,
  SearchHttpError,
  searchUrl,
  upsertUrl,
  vectorToBase64,
} from '../../../scripts/client/index.ts';
import { buildTestStore, createTestStack, DIM, INDEX } from '../functions/test-stack.ts';

let server: Server;
let url: string;
const near = (seed: number) => Array.from({ length: DIM }, (_, j) => Math.sin(seed * 5.3 + j) * 3);

beforeAll(async () => {
  const stack = createTestStack(await buildTestStore());
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const result = await serveCoordinator(
        {
          version: '2.0',
          rawPath: new URL(request.url ?? '/', 'http://x').pathname,
          body: Buffer.concat(chunks).toString('utf8'),
          isBase64Encoded: false,
          requestContext: { http: { method: request.method } },
        },
        stack.coordinator,
        Date.now() + 60_000,
      );
      response.writeHead(result.statusCode ?? 500, result.headers as Record<string, string>);
      response.end(result.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 120_000);
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('the write client and the coordinator', () => {
  it('upserts (vector and vectorBase64), replays a repeated token, deletes by ids and by filter', async () => {
    const first = await upsertUrl(url, {
      index: INDEX,
      vectors: [
        { id: 80_001, vector: near(1), attributes: { category: 'ultraviolet', u: 0.25 } },
        { id: 80_002, vectorBase64: vectorToBase64(near(2)), attributes: { category: 'ultraviolet' } },
      ],
      token: 'contract-1',
    });
    expect(first).toEqual({ index: INDEX, sequence: 1, upserted: 2, deleted: 0, replayed: false });
    const again = await upsertUrl(url, {
      index: INDEX,
      vectors: [{ id: 80_001, vector: near(1) }],
      token: 'contract-1',
    });
    expect(again).toEqual({ ...first, replayed: true });

    const found = await searchUrl(url, {
      index: INDEX,
      k: 5,
      queries: [{ vector: near(2), filter: { category: 'ultraviolet' } }],
    });
    expect(found.results[0]!.hits.map((hit) => hit.id)).toEqual([80_002, 80_001]);

    expect(await deleteUrl(url, { index: INDEX, ids: [80_001, 5] })).toEqual({
      index: INDEX,
      sequence: 2,
      upserted: 0,
      deleted: 2,
      replayed: false,
    });
    expect(await deleteUrl(url, { index: INDEX, filter: { category: { $eq: 'ultraviolet' } } })).toEqual({
      index: INDEX,
      sequence: 3,
      upserted: 0,
      deleted: 0,
      deletedByFilter: true,
      replayed: false,
    });
    const after = await searchUrl(url, {
      index: INDEX,
      k: 5,
      queries: [{ vector: near(2), filter: { category: 'ultraviolet' } }],
    });
    expect(after.results[0]!.hits).toEqual([]);
  });

  it("surfaces the server's 400 at once, naming what it refused", async () => {
    const error = await upsertUrl(
      url,
      { index: INDEX, vectors: [{ id: 80_003, vector: near(3), attributes: { colour: 'red' } }] },
      { retry: { baseDelayMs: 1 } },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SearchHttpError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_QUERY' });
    expect((error as Error).message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/upsert answered 400 INVALID_QUERY: .*colour/,
    );
  });
});
