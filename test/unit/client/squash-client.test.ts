/** SquashClient over a stubbed `fetch` (no network): which failures a search retries, and signing. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SearchHttpError, SearchIncompleteError } from '../../../scripts/client/search-http-error.ts';
import { SquashClient } from '../../../scripts/client/squash-client.ts';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

/** Answers each request with the next of `replies` (status, body); records the requests. */
function stubFetch(replies: [number, unknown][]) {
  const requests: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: URL | string, init: RequestInit) => {
    const [status, body] = replies[Math.min(requests.length, replies.length - 1)]!;
    requests.push({ url: String(url), init });
    return new Response(JSON.stringify(body), { status });
  });
  return requests;
}

const request = { index: 'sift', k: 1, queries: [{ vector: [0.5, 1] }] };
const answer = { results: [{ hits: [{ id: 4, distance: 0.5 }], stats: {} }], stats: { queries: 1 } };
const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

describe('SquashClient', () => {
  it('retries a throttled search with backoff and returns the answer', async () => {
    const requests = stubFetch([
      [429, { code: 'THROTTLED', message: 'slow down' }],
      [503, { Message: 'Rate Exceeded.' }],
      [200, answer],
    ]);
    const notices: number[] = [];
    const client = new SquashClient({
      url: 'http://127.0.0.1:9/',
      retry,
      onRetry: ({ attempt }) => notices.push(attempt),
    });
    expect(await client.search(request)).toEqual(answer);
    expect(requests.map((r) => r.url)).toEqual(Array(3).fill('http://127.0.0.1:9/search'));
    expect(notices).toEqual([1, 2]);
  });

  it('gives up after the attempts, saying how many', async () => {
    const requests = stubFetch([[429, { code: 'THROTTLED', message: 'slow down' }]]);
    const client = new SquashClient({ url: 'http://127.0.0.1:9/', retry });
    const error = await client.search(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SearchHttpError);
    expect((error as Error).message).toMatch(/gave up after 3 attempts to search http:\/\/127\.0\.0\.1:9\//);
    expect(requests).toHaveLength(3);
  });

  it('does not retry an incomplete answer or a refused request', async () => {
    const incomplete = {
      code: 'INCOMPLETE_SEARCH',
      message: 'partitions 2 could not be searched',
      missingPartitions: [2],
      queriesAffected: [0],
      failures: [],
      failuresOmitted: 0,
    };
    for (const [status, body, kind] of [
      [502, incomplete, SearchIncompleteError],
      [400, { code: 'INVALID_QUERY', message: 'bad' }, SearchHttpError],
    ] as const) {
      const requests = stubFetch([[status, body]]);
      const error = await new SquashClient({ url: 'http://127.0.0.1:9/', retry })
        .search(request)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(kind);
      expect((error as SearchHttpError).status).toBe(status);
      expect(requests).toHaveLength(1);
    }
  });

  it('signs every request with SigV4 when asked', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    const requests = stubFetch([[200, answer]]);
    await new SquashClient({ url: 'https://abc.lambda-url.eu-west-1.on.aws/', sign: true }).search(request);
    const headers = requests[0]!.init.headers as Record<string, string>;
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
  });
});
