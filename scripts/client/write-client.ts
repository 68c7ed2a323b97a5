/**
 * A client for the write routes of the search Function URL (docs/writes.md): `POST /upsert`,
 * `POST /delete` and `POST /compact`, with the same URL forms, signing and error answers as `searchUrl`.
 *
 * Every write carries a retry token — the caller's, or a fresh `crypto.randomUUID()` per call — so a
 * request whose answer was lost can be sent again: the server applies a token once and answers a repeat
 * with the first answer's `sequence` and `replayed: true`. A network failure, a timeout, 429, 502, 503
 * and 504 are retried with the same token (bounded attempts, exponential backoff with jitter); any other
 * error answer is thrown at once as `SearchHttpError` carrying the server's code and message (a refused
 * request wrote nothing).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError, UpstreamError } from '../../shared/errors/index.ts';
import { TOKEN_PATTERN, WRITE_LIMITS } from '../../shared/writes/write-limits.ts';
import { type FunctionUrlOptions, parseHttpUrl, postJson } from './function-url.ts';
import { type RetryNotice, type RetryOptions, withRetries } from './retry-policy.ts';

/** Limits of one request (docs/writes.md "Limits"): the server answers 413 beyond them. */
export { WRITE_LIMITS };

/** An id: a string for an index built with string ids, else a safe integer (a row number by default). */
export type WriteId = string | number;

/** One row to insert or replace; `vectorBase64` is little-endian float32, as in search. */
export type UpsertVector = {
  readonly id: WriteId;
  /** Declared attributes only; one left out means the row has none for it. */
  readonly attributes?: Readonly<Record<string, unknown>>;
} & ({ readonly vector: readonly number[] } | { readonly vectorBase64: string });

export interface UpsertRequest {
  readonly index: string;
  /** At most `WRITE_LIMITS.upsertVectors` (500), each id once. */
  readonly vectors: readonly UpsertVector[];
  /** Retry token (1–128 characters from `A–Z a–z 0–9 - _ . :`). @default a fresh UUID */
  readonly token?: string;
}

/** A delete by ids (at most `WRITE_LIMITS.deleteIds` (1,000), each once), or by a search filter. */
export type DeleteRequest = {
  readonly index: string;
  /** Retry token (1–128 characters from `A–Z a–z 0–9 - _ . :`). @default a fresh UUID */
  readonly token?: string;
} & ({ readonly ids: readonly WriteId[] } | { readonly filter: unknown });

export interface CompactRequest {
  readonly index: string;
}

const writeAnswerSchema = z.object({
  index: z.string(),
  sequence: z.number().int().positive(),
  upserted: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  deletedByFilter: z.boolean().optional(),
  replayed: z.boolean(),
});

/** What the server applied and where it sits in the log. */
export type WriteAnswer = Readonly<z.infer<typeof writeAnswerSchema>>;

/** The compactor's acceptance (202): a JSON object, as the server words it. */
export type CompactAnswer = Readonly<Record<string, unknown>>;

export interface WriteUrlOptions extends FunctionUrlOptions {
  /** Longest wait for one attempt's answer, in ms; a timed-out attempt is retried. @default 30000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Told before each retry (which attempt failed, why, and the wait). */
  readonly onRetry?: (notice: RetryNotice) => void;
}

export const defaultWriteTimeoutMs = 30_000;

/** Inserts or replaces rows by id; retried with one token until answered. */
export function upsertUrl(
  url: string,
  request: UpsertRequest,
  options: WriteUrlOptions = {},
): Promise<WriteAnswer> {
  return postWrite(url, 'upsert', request, options);
}

/** Deletes rows by ids or by filter; retried with one token until answered. */
export function deleteUrl(
  url: string,
  request: DeleteRequest,
  options: WriteUrlOptions = {},
): Promise<WriteAnswer> {
  return postWrite(url, 'delete', request, options);
}

/**
 * Asks the stack to fold the index's write log into a new version now; answers once the compactor was
 * started (202), not when it is done. Retried like a write (running a compaction twice is safe).
 */
export async function compactUrl(
  url: string,
  request: CompactRequest,
  options: WriteUrlOptions = {},
): Promise<CompactAnswer> {
  const target = writeEndpoint(url, 'compact');
  const body = JSON.stringify({ index: request.index });
  const { response, text, json } = await withRetries(
    () => postJson(target, body, { ...options, timeoutMs: options.timeoutMs ?? defaultWriteTimeoutMs }),
    { ...options.retry, ...retryHooks(options), what: `to compact \`${request.index}\`` },
  );
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UpstreamError(
      `POST ${target.href} answered ${response.status} without a JSON object: ${text.slice(0, 200)}`,
    );
  }
  return json as CompactAnswer;
}

async function postWrite(
  url: string,
  route: 'upsert' | 'delete',
  request: UpsertRequest | DeleteRequest,
  options: WriteUrlOptions,
): Promise<WriteAnswer> {
  const target = writeEndpoint(url, route);
  const token = request.token ?? randomUUID();
  checkWriteToken(token);
  const body = JSON.stringify({ ...request, token });
  const { response, text, json } = await withRetries(
    () => postJson(target, body, { ...options, timeoutMs: options.timeoutMs ?? defaultWriteTimeoutMs }),
    { ...options.retry, ...retryHooks(options), what: `with token ${token}` },
  );
  const answer = writeAnswerSchema.safeParse(json);
  if (!answer.success) {
    throw new UpstreamError(
      `POST ${target.href} answered ${response.status} without a write answer ` +
        `({index, sequence, upserted, deleted, replayed}): ${text.slice(0, 200)}`,
    );
  }
  return answer.data;
}

function retryHooks(options: WriteUrlOptions) {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
}

/** Throws `InvalidInputError` unless `token` is 1–128 characters from `A–Z a–z 0–9 - _ . :`. */
export function checkWriteToken(token: string): void {
  if (token.length > WRITE_LIMITS.tokenLength || !TOKEN_PATTERN.test(token)) {
    throw new InvalidInputError(
      `write token ${JSON.stringify(token.length > 140 ? `${token.slice(0, 140)}…` : token)} ` +
        `(${token.length} characters) is not valid; expected 1–128 characters from A–Z a–z 0–9 - _ . :`,
    );
  }
}

const routes = /\/(search|upsert|delete|compact)\/?$/;

/**
 * The route on the Function URL: `https://x.lambda-url.r.on.aws/` → `…/upsert`; a URL naming another
 * route (`…/search`, as `squash search --url` takes it) has that route replaced.
 */
export function writeEndpoint(url: string, route: 'upsert' | 'delete' | 'compact'): URL {
  const parsed = parseHttpUrl(url, 'Function URL');
  parsed.pathname = routes.test(parsed.pathname)
    ? parsed.pathname.replace(routes, `/${route}`)
    : `${parsed.pathname.replace(/\/$/, '')}/${route}`;
  return parsed;
}

/** Little-endian float32 bytes in base64, the `vectorBase64` of a request. */
export function vectorToBase64(vector: ArrayLike<number>): string {
  const values = Float32Array.from(vector);
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}
