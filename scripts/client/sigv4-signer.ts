/**
 * SigV4 for Function URLs with `AWS_IAM` auth (service `lambda`). Credentials come from the SDK's
 * default chain (environment, profile, SSO, instance role); SHA-256 from node:crypto. Both SDK pieces are
 * loaded only when a caller asks to sign.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { InvalidInputError } from '../../shared/errors/index.ts';

/** The `@smithy/types` Checksum shape, over node:crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

export class NodeSha256 {
  readonly #secret: Uint8Array | string | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined || typeof secret === 'string' ? secret : bytesOf(secret);
    this.#hash = this.#fresh();
  }

  update(data: SourceData): void {
    this.#hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
}

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

export interface UnsignedRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The region of a Function URL host (`<id>.lambda-url.<region>.on.aws`), else AWS_REGION. */
export function signingRegion(url: URL, region?: string): string {
  const fromHost = /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(url.hostname)?.[1];
  const resolved = region ?? fromHost ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!resolved) {
    throw new InvalidInputError(
      `cannot sign a request to ${url.host}: no region (set AWS_REGION or pass a region)`,
    );
  }
  return resolved;
}

/** The request's headers with SigV4 `authorization`, `x-amz-date` (and session token) added. */
export async function signRequest(request: UnsignedRequest, region: string): Promise<Record<string, string>> {
  const [{ SignatureV4 }, { defaultProvider }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-sdk/credential-provider-node'),
  ]);
  const signer = new SignatureV4({
    service: 'lambda',
    region,
    credentials: defaultProvider(),
    sha256: NodeSha256,
  });
  const { url } = request;
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...request.headers, host: url.host },
    body: request.body,
  });
  return signed.headers;
}
