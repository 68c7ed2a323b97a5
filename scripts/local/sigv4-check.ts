/**
 * What a Function URL with `AWS_IAM` auth does with a signed request, for the local stack: a request
 * carrying a SigV4 `Authorization` header is signed again with the stack's own credentials, over the
 * headers it names, and refused (403, as AWS answers) unless both signatures agree. So a client that
 * signs wrongly fails here as it would on AWS.
 *
 * Design decision: unsigned requests still pass (the local stack does not enforce `AWS_IAM`, so curl and
 * the demo need no credentials); only a signature that is present must be right. The credentials are
 * the ones the stack gives its clients (`LocalStack.env`).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../client/sigv4-signer.ts';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface ReceivedRequest {
  readonly method: string;
  /** The request target as received (path and query). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Why a signed request is refused, or undefined when it is unsigned or its signature is right. */
export async function signatureProblem(
  request: ReceivedRequest,
  credentials: Credentials,
): Promise<string | undefined> {
  const authorization = request.headers.authorization;
  if (authorization === undefined) return undefined;
  const parsed = AUTHORIZATION.exec(authorization);
  if (!parsed) return 'the Authorization header is not a SigV4 signature';
  const [, accessKeyId, , region, service, signedHeaders] = parsed;
  if (accessKeyId !== credentials.accessKeyId) return `unknown access key ${accessKeyId}`;
  const amzDate = header(request.headers, 'x-amz-date');
  const signingDate = amzDate === undefined ? undefined : dateOf(amzDate);
  if (signingDate === undefined) return 'the request has no valid x-amz-date';
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const value = header(request.headers, name);
    if (value === undefined) return `signed header ${name} is missing`;
    headers[name] = value;
  }
  // The signer trusts a payload hash header as given; AWS checks it against the body, and so does this.
  const payloadHash = headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body).digest('hex')) {
    return 'x-amz-content-sha256 does not match the body';
  }
  const target = new URL(request.url, `http://${header(request.headers, 'host') ?? 'localhost'}`);
  const signer = new SignatureV4({ service: service!, region: region!, credentials, sha256: NodeSha256 });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: target.hostname,
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers,
      body: request.body.toString('utf8'),
    },
    { signingDate },
  );
  return expected.headers.authorization === authorization
    ? undefined
    : 'The request signature we calculated does not match the signature you provided.';
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `20261206T020000Z` → that instant. */
function dateOf(amzDate: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}
