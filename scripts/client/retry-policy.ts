/**
 * Retries for requests that are safe to repeat (a write carrying its token, a compaction request):
 * bounded attempts, exponential backoff with full jitter. Retried: a network failure, a timeout, and the
 * answers that say "try again" — 429, 502, 503, 504. Not retried: any other status (a 4xx names what
 * the server refused, a 500 is a bug to report), and the caller's own abort.
 */
import {
  errorFromWire,
  type SquashError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../../shared/errors/index.ts';
import { SearchHttpError } from './search-http-error.ts';

export interface RetryOptions {
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** Upper bound of the wait before the second attempt, in ms; it doubles for each later one. @default 250 */
  readonly baseDelayMs?: number;
  /** Longest wait between two attempts, in ms. @default 8000 */
  readonly maxDelayMs?: number;
}

export const defaultRetryOptions: Required<RetryOptions> = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8000,
};

/** What a retry reports before it waits. */
export interface RetryNotice {
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  readonly error: SquashError;
  readonly delayMs: number;
}

const retriedStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** A failure that a repeat of the same request may not meet. */
export function isRetryable(error: unknown): error is SquashError {
  if (error instanceof SearchHttpError) return retriedStatuses.has(error.status);
  return error instanceof UpstreamError || error instanceof UpstreamTimeoutError;
}

/**
 * For searches: throttling (429, and 503 from a Function URL out of concurrency) and failures to reach
 * the URL at all. A 502/504 is an answer (partitions failed; `SearchIncompleteError`), not retried.
 */
export function isThrottledOrUnreachable(error: unknown): error is SquashError {
  if (error instanceof SearchHttpError) return error.status === 429 || error.status === 503;
  return error instanceof UpstreamError || error instanceof UpstreamTimeoutError;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or has run
 * `options.attempts` times; the last error then says how many attempts were made (`what` names the
 * request, e.g. "with token abc-1").
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  options: RetryOptions & {
    readonly signal?: AbortSignal;
    readonly what?: string;
    readonly onRetry?: (notice: RetryNotice) => void;
    /** Which failures are retried. @default isRetryable */
    readonly retryable?: (error: unknown) => error is SquashError;
  } = {},
): Promise<T> {
  const retryable = options.retryable ?? isRetryable;
  const { attempts, baseDelayMs, maxDelayMs } = resolveRetryOptions(options);
  for (let made = 1; ; made++) {
    try {
      return await attempt();
    } catch (error) {
      if (!retryable(error) || options.signal?.aborted) throw error;
      if (made >= attempts) {
        throw withMessage(
          error,
          `${error.message} (gave up after ${made} attempts${options.what ? ` ${options.what}` : ''})`,
        );
      }
      const delayMs = Math.round(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (made - 1)));
      options.onRetry?.({ attempt: made, error, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}

function resolveRetryOptions(options: RetryOptions): Required<RetryOptions> {
  const resolved = { ...defaultRetryOptions, ...definedOnly(options) };
  if (!Number.isSafeInteger(resolved.attempts) || resolved.attempts < 1) {
    throw new TypeError(`retry.attempts is ${resolved.attempts}; expected a positive integer`);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(resolved[name]) || resolved[name] < 0) {
      throw new TypeError(`retry.${name} is ${resolved[name]}; expected a non-negative number of ms`);
    }
  }
  return resolved;
}

function definedOnly(options: RetryOptions): RetryOptions {
  return Object.fromEntries(
    (['attempts', 'baseDelayMs', 'maxDelayMs'] as const)
      .filter((name) => options[name] !== undefined)
      .map((name) => [name, options[name]]),
  );
}

/** The same kind of error (status and server code kept) with a longer message. */
function withMessage(error: SquashError, message: string): SquashError {
  if (error instanceof SearchHttpError) return new SearchHttpError(error.status, error.remoteCode, message);
  return errorFromWire({ code: error.code, message });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
