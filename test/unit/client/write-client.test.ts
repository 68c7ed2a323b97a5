/**
 * The write client against a small HTTP server on 127.0.0.1 that answers from a script: what it POSTs
 * where, and its retries — the same token on every attempt, only for failures worth repeating.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  compactUrl,
  deleteUrl,
  type RetryNotice,
  upsertUrl,
  vectorToBase64,
  writeEndpoint,
} from '../../../scripts/client/index.ts';
import { SearchHttpError } from '../../../scripts/client/search-http-error.ts';
import { InvalidInputError, UpstreamError, UpstreamTimeoutError } from '../../../shared/errors/index.ts';

interface Seen {
  readonly path: string;
  readonly body: Record<string, unknown>;
}
type Reply = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let base: string;
let seen: Seen[];
let replies: Reply[];

const json =
  (status: number, body: unknown): Reply =>
  (_, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
const answer = { index: 'docs', sequence: 42, upserted: 2, deleted: 0, replayed: false };
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ path: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const reply = replies.shift() ?? json(500, { code: 'INTERNAL', message: 'no scripted reply left' });
      reply(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  replies = [];
});

const upsert = {
  index: 'docs',
  vectors: [
    { id: 'a', vector: [0.5, 1], attributes: { color: 'red' } },
    { id: 'b', vectorBase64: vectorToBase64([2, -1]) },
  ],
};

describe('upsertUrl', () => {
  it('POSTs the request to <url>/upsert with a fresh UUID token and returns the answer', async () => {
    replies = [json(200, answer)];
    expect(await upsertUrl(base, upsert)).toEqual(answer);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/upsert');
    const { token, ...rest } = seen[0]!.body;
    expect(rest).toEqual(upsert);
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    replies = [json(200, answer)];
    await upsertUrl(base, upsert);
    expect(seen[1]!.body.token).not.toBe(token);
  });

  it('retries a 503 with the same token and returns the answer of the retry', async () => {
    const notices: RetryNotice[] = [];
    replies = [
      json(503, { code: 'UPSTREAM', message: 'the write log moved 8 times; try again' }),
      json(200, { ...answer, replayed: true }),
    ];
    const result = await upsertUrl(base, upsert, { ...fast, onRetry: (notice) => notices.push(notice) });
    expect(result).toEqual({ ...answer, replayed: true });
    expect(seen.map((request) => request.path)).toEqual(['/upsert', '/upsert']);
    expect(typeof seen[0]!.body.token).toBe('string');
    expect(seen[1]!.body).toEqual(seen[0]!.body);
    expect(notices.map((notice) => [notice.attempt, (notice.error as SearchHttpError).status])).toEqual([
      [1, 503],
    ]);
  });

  it("keeps the caller's token on every attempt through 429, 502 and 504", async () => {
    replies = [
      json(429, { message: 'slow down' }),
      json(502, { code: 'UPSTREAM', message: 'x' }),
      json(504, { code: 'UPSTREAM_TIMEOUT', message: 'y' }),
      json(200, answer),
    ];
    expect(await upsertUrl(base, { ...upsert, token: 'load-7' }, fast)).toEqual(answer);
    expect(seen.map((request) => request.body.token)).toEqual(['load-7', 'load-7', 'load-7', 'load-7']);
  });

  it('does not retry a 400 and throws with the server message', async () => {
    replies = [
      json(400, { code: 'INVALID_QUERY', message: 'vectors[1].vector has 2 dims, index `docs` expects 3' }),
      json(200, answer),
    ];
    const error = await upsertUrl(base, upsert, fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SearchHttpError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_QUERY' });
    expect((error as Error).message).toBe(
      `POST ${base}upsert answered 400 INVALID_QUERY: vectors[1].vector has 2 dims, index \`docs\` expects 3`,
    );
    expect(seen).toHaveLength(1);
  });

  it('does not retry a 413 or a 500 either', async () => {
    for (const status of [413, 500]) {
      seen = [];
      replies = [json(status, { message: `answer ${status}` }), json(200, answer)];
      await expect(upsertUrl(base, upsert, fast)).rejects.toMatchObject({ status });
      expect(seen, String(status)).toHaveLength(1);
    }
  });

  it('retries a dropped connection and a timed-out attempt with the same token', async () => {
    replies = [(request) => request.socket.destroy(), () => {}, json(200, answer)];
    const notices: RetryNotice[] = [];
    const result = await upsertUrl(base, upsert, {
      ...fast,
      timeoutMs: 1000,
      onRetry: (notice) => notices.push(notice),
    });
    expect(result).toEqual(answer);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((request) => request.body.token)).size).toBe(1);
    expect(notices[0]!.error).toBeInstanceOf(UpstreamError);
    expect(notices[1]!.error).toBeInstanceOf(UpstreamTimeoutError);
    expect(notices[1]!.error.message).toBe(`POST ${base}upsert got no answer within 1000 ms`);
  });

  it('gives up after the bounded attempts, saying how many and with which token', async () => {
    replies = Array.from({ length: 5 }, () => json(503, { code: 'UPSTREAM', message: 'busy' }));
    const error = await upsertUrl(
      base,
      { ...upsert, token: 't-1' },
      { retry: { ...fast.retry, attempts: 3 } },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SearchHttpError);
    expect((error as SearchHttpError).status).toBe(503);
    expect((error as Error).message).toBe(
      `POST ${base}upsert answered 503 UPSTREAM: busy (gave up after 3 attempts with token t-1)`,
    );
    expect(seen).toHaveLength(3);
  });

  it('refuses an invalid token before sending anything', async () => {
    for (const token of ['', 'has space', 'x'.repeat(129), 'é']) {
      await expect(upsertUrl(base, { ...upsert, token })).rejects.toThrow(InvalidInputError);
    }
    await expect(upsertUrl(base, { ...upsert, token: 'a b' })).rejects.toThrow(
      'write token "a b" (3 characters) is not valid; expected 1–128 characters from A–Z a–z 0–9 - _ . :',
    );
    expect(seen).toHaveLength(0);
  });

  it('refuses a 200 that is not a write answer, without retrying', async () => {
    replies = [json(200, { results: [] }), json(200, answer)];
    await expect(upsertUrl(base, upsert, fast)).rejects.toThrow(
      /answered 200 without a write answer \(\{index, sequence, upserted, deleted, replayed\}\): \{"results":\[\]\}/,
    );
    expect(seen).toHaveLength(1);
  });
});

describe('deleteUrl and compactUrl', () => {
  it('deletes by ids and by filter at <url>/delete, with a token each', async () => {
    const byFilter = {
      index: 'docs',
      sequence: 44,
      upserted: 0,
      deleted: 0,
      deletedByFilter: true,
      replayed: false,
    };
    replies = [json(200, { ...answer, upserted: 0, deleted: 2 }), json(200, byFilter)];
    expect(await deleteUrl(`${base}search`, { index: 'docs', ids: [7, 9] })).toEqual({
      ...answer,
      upserted: 0,
      deleted: 2,
    });
    expect(
      await deleteUrl(base, { index: 'docs', filter: { color: { $eq: 'red' } }, token: 'purge:red' }),
    ).toEqual(byFilter);
    expect(seen.map((request) => request.path)).toEqual(['/delete', '/delete']);
    expect(seen[0]!.body).toMatchObject({ index: 'docs', ids: [7, 9] });
    expect(seen[1]!.body).toEqual({ index: 'docs', filter: { color: { $eq: 'red' } }, token: 'purge:red' });
  });

  it('asks for a compaction at <url>/compact and returns the 202 answer', async () => {
    replies = [json(503, { message: 'busy' }), json(202, { index: 'docs', started: true })];
    expect(await compactUrl(base, { index: 'docs' }, fast)).toEqual({ index: 'docs', started: true });
    expect(seen).toEqual([
      { path: '/compact', body: { index: 'docs' } },
      { path: '/compact', body: { index: 'docs' } },
    ]);
  });
});

describe('writeEndpoint', () => {
  it('appends the route to the Function URL, or replaces the route the URL names', () => {
    const cases: [string, string][] = [
      ['https://abc.lambda-url.eu-west-1.on.aws/', 'https://abc.lambda-url.eu-west-1.on.aws/upsert'],
      ['https://abc.lambda-url.eu-west-1.on.aws', 'https://abc.lambda-url.eu-west-1.on.aws/upsert'],
      ['https://abc.lambda-url.eu-west-1.on.aws/search', 'https://abc.lambda-url.eu-west-1.on.aws/upsert'],
      ['http://127.0.0.1:3000/stage/delete/', 'http://127.0.0.1:3000/stage/upsert'],
      ['http://127.0.0.1:3000/stage', 'http://127.0.0.1:3000/stage/upsert'],
    ];
    expect(cases.map(([url]) => writeEndpoint(url, 'upsert').href)).toEqual(cases.map(([, href]) => href));
    expect(() => writeEndpoint('ftp://x/', 'delete')).toThrow(
      'Function URL `ftp://x/` must be http or https',
    );
    expect(() => writeEndpoint('not a url', 'delete')).toThrow('Function URL `not a url` is not a valid URL');
  });

  it('vectorToBase64 writes little-endian float32', () => {
    expect(Buffer.from(vectorToBase64([1, -2.5]), 'base64')).toEqual(
      Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]),
    );
  });
});
