/** The search URL client over a stubbed `fetch` (no network). */
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type SearchRequestBody,
  searchEndpoint,
  searchUrl,
  searchUrlAllowingPartial,
} from '../../../scripts/client/search-client.ts';
import { SearchHttpError, SearchIncompleteError } from '../../../scripts/client/search-http-error.ts';
import { NodeSha256, signingRegion } from '../../../scripts/client/sigv4-signer.ts';
import { InvalidInputError, UpstreamError } from '../../../shared/errors/index.ts';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

function stubFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const requests: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: URL | string, init: RequestInit) => {
    requests.push({ url: String(url), init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  });
  return requests;
}

const request = { index: 'sift', k: 3, queries: [{ vector: [0.5, 1] }] };

describe('searchUrl', () => {
  it('POSTs the request as JSON to <url>/search and returns the parsed answer', async () => {
    const answer = { results: [{ hits: [{ id: 4, distance: 0.5 }], stats: {} }], stats: { queries: 1 } };
    const requests = stubFetch(200, answer);
    expect(await searchUrl('https://abc.lambda-url.eu-west-1.on.aws/', request)).toEqual(answer);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('https://abc.lambda-url.eu-west-1.on.aws/search');
    expect(requests[0]!.init.method).toBe('POST');
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual(request);
    expect(requests[0]!.init.headers).toEqual({ 'content-type': 'application/json' });
  });

  it("throws SearchHttpError carrying the status and the server's code and message", async () => {
    stubFetch(400, {
      code: 'INVALID_QUERY',
      message: 'queries[0].vector has 2 dims, index `sift` expects 128',
    });
    const error = await searchUrl('http://127.0.0.1:9/search', request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SearchHttpError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_QUERY', remoteCode: 'INVALID_QUERY' });
    expect((error as Error).message).toBe(
      'POST http://127.0.0.1:9/search answered 400 INVALID_QUERY: queries[0].vector has 2 dims, index `sift` expects 128',
    );
    stubFetch(403, 'Forbidden');
    await expect(searchUrl('http://127.0.0.1:9', request)).rejects.toMatchObject({
      status: 403,
      code: 'INVALID_INPUT',
      remoteCode: undefined,
      message: 'POST http://127.0.0.1:9/search answered 403: Forbidden',
    });
    stubFetch(200, { nothing: true });
    await expect(searchUrl('http://127.0.0.1:9', request)).rejects.toThrow(UpstreamError);
  });

  it("signs with SigV4 for service lambda in the URL's region when asked", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const requests = stubFetch(200, { results: [], stats: {} });
    await searchUrl('https://abc.lambda-url.eu-west-1.on.aws/', request, { sign: true });
    const headers = requests[0]!.init.headers as Record<string, string>;
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-content-sha256']).toBe(
      await (async () => {
        const hash = new NodeSha256();
        hash.update(String(requests[0]!.init.body));
        return Buffer.from(await hash.digest()).toString('hex');
      })(),
    );
  });
});

describe('complete or fail', () => {
  const failure = {
    target: 'S-processor-1',
    partition: 1,
    code: 'UPSTREAM',
    message: 'processor `S-processor-1` (partition 1) failed after a retry: Runtime.HandlerNotFound',
  };
  const stats = (missingPartitions: number[]) => ({
    plan: 'approximate',
    partitionsVisited: 3,
    rounds: 1,
    matchesEstimated: 100,
    vectorsScanned: 50,
    missingPartitions,
  });
  const partialAnswer = {
    complete: false,
    results: [
      { hits: [{ id: 4, distance: 0.5 }], stats: stats([1]) },
      { hits: [{ id: 7, distance: 0.25 }], stats: stats([]) },
    ],
    stats: { queries: 2, missingPartitions: [1], failures: [failure], failuresOmitted: 0 },
  };
  const completeAnswer = {
    complete: true,
    results: [{ hits: [{ id: 4, distance: 0.5 }], stats: stats([]) }],
    stats: { queries: 1, missingPartitions: [], failures: [], failuresOmitted: 0 },
  };

  it("throws SearchIncompleteError with the server's partitions, queries and causes on its 502/504", async () => {
    stubFetch(504, {
      code: 'UPSTREAM_TIMEOUT',
      message: 'partitions 1 could not be searched for 1 of 2 queries: …',
      missingPartitions: [1],
      queriesAffected: 1,
      failures: [{ ...failure, code: 'UPSTREAM_TIMEOUT' }],
      failuresOmitted: 0,
    });
    const error = await searchUrl('http://127.0.0.1:9', request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SearchIncompleteError);
    expect(error).toBeInstanceOf(SearchHttpError);
    expect(error).toMatchObject({
      status: 504,
      code: 'UPSTREAM_TIMEOUT',
      missingPartitions: [1],
      queriesAffected: 1,
      failures: [{ partition: 1, code: 'UPSTREAM_TIMEOUT' }],
    });
    expect((error as Error).message).toBe(
      'POST http://127.0.0.1:9/search answered 504 UPSTREAM_TIMEOUT: partitions 1 could not be searched for 1 of 2 queries: …',
    );
  });

  it('never returns an incomplete 200 answer from searchUrl: body, header or a query naming a partition', async () => {
    stubFetch(200, partialAnswer);
    await expect(searchUrl('http://127.0.0.1:9', request)).rejects.toMatchObject({
      name: 'SearchIncompleteError',
      status: 200,
      missingPartitions: [1],
      queriesAffected: 1,
      message:
        'POST http://127.0.0.1:9/search answered 200 with an incomplete answer: partitions 1 could not be searched, and partial answers were not asked for',
    });
    // A server that answers partially by default and says so only in the stats, or only in the header.
    const { complete: _, ...withoutFlag } = partialAnswer;
    stubFetch(200, withoutFlag);
    await expect(searchUrl('http://127.0.0.1:9', request)).rejects.toThrow(SearchIncompleteError);
    stubFetch(200, { results: [{ hits: [] }], stats: {} }, { 'X-Squash-Partial': 'true' });
    await expect(searchUrl('http://127.0.0.1:9', request)).rejects.toMatchObject({
      name: 'SearchIncompleteError',
      message:
        'POST http://127.0.0.1:9/search answered 200 with an incomplete answer: it says it is partial, and partial answers were not asked for',
    });
  });

  it('refuses allowPartial in searchUrl rather than ignoring it', async () => {
    const requests = stubFetch(200, completeAnswer);
    const asked = { ...request, options: { allowPartial: true } } as unknown as SearchRequestBody;
    await expect(searchUrl('http://127.0.0.1:9', asked)).rejects.toThrow(
      new InvalidInputError(
        'searchUrl returns complete answers only; call searchUrlAllowingPartial to accept partial answers',
      ),
    );
    expect(requests).toHaveLength(0);
  });

  it('searchUrlAllowingPartial asks for partial answers and hands hits out only beside `complete`', async () => {
    let requests = stubFetch(200, partialAnswer, { 'X-Squash-Partial': 'true' });
    const outcome = await searchUrlAllowingPartial('http://127.0.0.1:9', {
      ...request,
      options: { rerank: 3 },
    });
    expect(JSON.parse(String(requests[0]!.init.body)).options).toEqual({ rerank: 3, allowPartial: true });
    expect(outcome.complete).toBe(false);
    expect(outcome).not.toHaveProperty('results');
    if (outcome.complete) throw new Error('expected a partial outcome');
    expect(outcome.missingPartitions).toEqual([1]);
    expect(outcome.failures).toEqual([failure]);
    expect(outcome.partialResults).toEqual(partialAnswer.results);

    requests = stubFetch(200, completeAnswer);
    const complete = await searchUrlAllowingPartial('http://127.0.0.1:9', request);
    expect(complete.complete).toBe(true);
    if (!complete.complete) throw new Error('expected a complete outcome');
    expect(complete.results).toEqual(completeAnswer.results);
    expect(complete).not.toHaveProperty('partialResults');
  });

  it('says when an error came from the Function URL rather than from squash', async () => {
    stubFetch(502, { Message: 'Internal Server Error' }, { 'x-amzn-ErrorType': 'InternalServerError' });
    await expect(searchUrl('http://127.0.0.1:9', request)).rejects.toMatchObject({
      status: 502,
      code: 'UPSTREAM',
      message:
        'POST http://127.0.0.1:9/search answered 502 (InternalServerError from the Function URL, not an answer from squash: ' +
        'the coordinator function failed, timed out or could not start; its logs say why): Internal Server Error',
    });
  });
});

describe('signing pieces', () => {
  it('NodeSha256 reproduces the AWS SigV4 test suite vector (get-vanilla)', async () => {
    const signer = new SignatureV4({
      service: 'service',
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'example.amazonaws.com',
        path: '/',
        query: {},
        headers: { host: 'example.amazonaws.com' },
      },
      { signingDate: new Date('2015-08-30T12:36:00Z') },
    );
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('finds the endpoint and the region', () => {
    expect(searchEndpoint('http://127.0.0.1:4000').href).toBe('http://127.0.0.1:4000/search');
    expect(searchEndpoint('http://127.0.0.1:4000/search').href).toBe('http://127.0.0.1:4000/search');
    expect(searchEndpoint('https://x.example/prefix').href).toBe('https://x.example/prefix/search');
    expect(() => searchEndpoint('ftp://x')).toThrow('search URL `ftp://x` must be http or https');
    expect(signingRegion(new URL('https://abc.lambda-url.ap-south-1.on.aws/'))).toBe('ap-south-1');
    vi.stubEnv('AWS_REGION', 'us-west-2');
    expect(signingRegion(new URL('http://127.0.0.1:4000/'))).toBe('us-west-2');
  });
});
