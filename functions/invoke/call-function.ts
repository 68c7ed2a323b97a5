/**
 * One logical call to another function (DESIGN §5 "Failures"): an explicit timeout per attempt, bounded
 * by the time the caller has left; one retry of a failed or timed-out attempt (every call is an
 * idempotent read); typed errors returned as `{ error: { code, message } }` rebuilt with `errorFromWire`.
 *
 * Design decisions:
 * - Errors that describe the request (`INVALID_QUERY`, `INVALID_INPUT`, `INDEX_NOT_FOUND`,
 *   `PAYLOAD_TOO_LARGE`) are rethrown as they are, without a retry: asking again cannot change them.
 *   Every other failure is retried once, then becomes `UpstreamTimeoutError` (when the last attempt
 *   timed out) or `UpstreamError`, naming the call and the last cause.
 * - An attempt is only sent when at least `MIN_ATTEMPT_MS` remain before the deadline (or the
 *   configured attempt timeout, when that is shorter: a short SQUASH_INVOKE_TIMEOUT_MS still sends).
 */
import {
  type ErrorCode,
  errorFromWire,
  PayloadTooLargeError,
  SquashError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../../shared/errors/index.ts';
import { errorOfReply } from '../wire/function-reply.ts';
import { formatBytes, LAMBDA_PAYLOAD_LIMIT_BYTES } from '../wire/payload-limits.ts';
import type { Invoker } from './invoker.ts';

/** The shortest attempt worth sending, in ms. */
export const MIN_ATTEMPT_MS = 200;

/** Time kept back from the deadline for the caller to merge and answer, in ms. */
export const DEADLINE_RESERVE_MS = 100;

const FINAL_CODES: ReadonlySet<ErrorCode> = new Set([
  'INVALID_QUERY',
  'INVALID_INPUT',
  'INDEX_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
]);

export interface CallOptions {
  /** Names the call in messages, e.g. "processor `S-processor-1` (partition 3)". */
  readonly what: string;
  /** Epoch ms by which the caller needs the answer. */
  readonly deadline: number;
  /** The longest one attempt may take, in ms. */
  readonly attemptTimeoutMs: number;
  /** Called before every attempt (0, then 1 for the retry), for invocation counts. */
  readonly onAttempt?: (attempt: number) => void;
}

/** Sends `payload` (JSON text) and resolves with the parsed JSON reply. */
export async function callFunction(
  invoker: Invoker,
  functionName: string,
  payload: string,
  options: CallOptions,
): Promise<unknown> {
  const bytes = Buffer.byteLength(payload);
  if (bytes > LAMBDA_PAYLOAD_LIMIT_BYTES) {
    throw new PayloadTooLargeError(
      `${options.what}: the request is ${formatBytes(bytes)}; Lambda accepts at most ${formatBytes(LAMBDA_PAYLOAD_LIMIT_BYTES)}`,
    );
  }
  let last: SquashError | undefined;
  let attempts = 0;
  while (attempts < 2) {
    const remainingMs = options.deadline - DEADLINE_RESERVE_MS - Date.now();
    if (remainingMs < Math.min(MIN_ATTEMPT_MS, options.attemptTimeoutMs)) break;
    const timeoutMs = Math.min(options.attemptTimeoutMs, remainingMs);
    options.onAttempt?.(attempts);
    attempts++;
    try {
      const reply = parseReply(await invoker.invoke(functionName, payload, timeoutMs));
      const wire = errorOfReply(reply);
      if (wire === undefined) return reply;
      const error = errorFromWire(wire);
      if (FINAL_CODES.has(error.code)) throw error;
      last = error;
    } catch (error) {
      if (error instanceof SquashError && FINAL_CODES.has(error.code)) throw error;
      if (!(error instanceof UpstreamError || error instanceof UpstreamTimeoutError)) throw error;
      last = error;
    }
  }
  if (last === undefined) {
    throw new UpstreamTimeoutError(`${options.what} was not sent: no time left before the caller's deadline`);
  }
  const how = attempts === 2 ? 'failed after a retry' : 'failed with no time left to retry';
  const cause =
    last.code === 'UPSTREAM' || last.code === 'UPSTREAM_TIMEOUT'
      ? last.message
      : `${last.code}: ${last.message}`;
  const message = `${options.what} ${how}: ${cause}`;
  throw last.code === 'UPSTREAM_TIMEOUT' ? new UpstreamTimeoutError(message) : new UpstreamError(message);
}

function parseReply(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError(`the reply is not JSON (${text.slice(0, 60)})`);
  }
}
