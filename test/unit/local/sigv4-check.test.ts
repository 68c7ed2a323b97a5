/** The local Function URL's signature check against requests signed by the client's own signer. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signRequest } from '../../../scripts/client/sigv4-signer.ts';
import { signatureProblem } from '../../../scripts/local/sigv4-check.ts';

afterEach(() => vi.unstubAllEnvs());

const credentials = { accessKeyId: 'local', secretAccessKey: 'local-secret' };
const url = new URL('http://127.0.0.1:4566/search?x=1');
const body = '{"index":"sift","k":1}';

async function signed(secret: string) {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', secret);
  const headers = await signRequest(
    { url, method: 'POST', headers: { 'content-type': 'application/json' }, body },
    'us-east-1',
  );
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

describe('signatureProblem', () => {
  it('accepts a right signature and an unsigned request', async () => {
    const headers = await signed('local-secret');
    const request = { method: 'POST', url: '/search?x=1', headers, body: Buffer.from(body) };
    expect(await signatureProblem(request, credentials)).toBeUndefined();
    const unsigned = { ...request, headers: { host: url.host } };
    expect(await signatureProblem(unsigned, credentials)).toBeUndefined();
  });

  it('refuses a wrong secret, a changed body, path or header, and an unknown key', async () => {
    const headers = await signed('local-secret');
    const request = { method: 'POST', url: '/search?x=1', headers, body: Buffer.from(body) };
    const mismatch = /does not match/; // the signature, or the signed hash of the body
    expect(await signatureProblem({ ...request, headers: await signed('other') }, credentials)).toMatch(
      mismatch,
    );
    expect(
      await signatureProblem({ ...request, body: Buffer.from('{"index":"x","k":1}') }, credentials),
    ).toMatch(mismatch);
    expect(await signatureProblem({ ...request, url: '/upsert?x=1' }, credentials)).toMatch(mismatch);
    const retyped = { ...headers, 'content-type': 'text/plain' };
    expect(await signatureProblem({ ...request, headers: retyped }, credentials)).toMatch(mismatch);
    expect(await signatureProblem(request, { ...credentials, accessKeyId: 'AKIDOTHER' })).toBe(
      'unknown access key local',
    );
    const garbled = { ...headers, authorization: 'Bearer x' };
    expect(await signatureProblem({ ...request, headers: garbled }, credentials)).toMatch(/not a SigV4/);
  });
});
