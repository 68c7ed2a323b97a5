/**
 * The typed client applications import (`import { SquashClient } from 'squash-vector/client'`): one
 * object per search Function URL, holding how to reach it — SigV4 signing for `AWS_IAM` URLs from the
 * default credential chain, retries with exponential backoff and full jitter — over the route functions
 * of this folder, whose request and response types it shares.
 *
 * Design decisions:
 * - Searches are retried on throttling (429, 503) and when the URL cannot be reached, never on a 502/504:
 *   those are answers saying partitions failed (`SearchIncompleteError`), and a caller that wants to try
 *   again decides so. Writes are retried like `upsertUrl`/`deleteUrl` (their token makes a repeat safe).
 * - `search` returns complete answers only; `searchAllowingPartial` is the one way to get a partial
 *   answer, typed so that its hits cannot be read without checking `complete` (search-client.ts).
 */
import {
  isThrottledOrUnreachable,
  type RetryNotice,
  type RetryOptions,
  withRetries,
} from './retry-policy.ts';
import {
  type SearchOutcome,
  type SearchRequestBody,
  type SearchResponse,
  searchUrl,
  searchUrlAllowingPartial,
} from './search-client.ts';
import {
  type CompactAnswer,
  type CompactRequest,
  compactUrl,
  type DeleteRequest,
  deleteUrl,
  type UpsertRequest,
  upsertUrl,
  type WriteAnswer,
} from './write-client.ts';

export interface SquashClientOptions {
  /** The search Function URL (as `cdk deploy` or `squash local` prints it). */
  readonly url: string;
  /** SigV4-sign every request (Function URLs with `AWS_IAM` auth). @default false */
  readonly sign?: boolean;
  /** Signing region. @default the URL's region, else AWS_REGION */
  readonly region?: string;
  /** Attempts and backoff of the retries. @default 5 attempts, 250 ms doubling up to 8 s */
  readonly retry?: RetryOptions;
  /** Told before each retry (which attempt failed, why, and the wait). */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** Per call: cancel it, or hear of its retries here instead of in the client's `onRetry`. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly onRetry?: (notice: RetryNotice) => void;
}

export class SquashClient {
  readonly url: string;
  private readonly options: SquashClientOptions;

  constructor(options: SquashClientOptions) {
    this.url = options.url;
    this.options = options;
  }

  /** The answer when every query visited every partition it needed; otherwise it throws. */
  search(request: SearchRequestBody, call: CallOptions = {}): Promise<SearchResponse> {
    return this.retried(() => searchUrl(this.url, request, this.reach(call)), call, 'search');
  }

  /** The answer even when partitions failed, saying so (`complete: false`, `partialResults`). */
  searchAllowingPartial(request: SearchRequestBody, call: CallOptions = {}): Promise<SearchOutcome> {
    return this.retried(() => searchUrlAllowingPartial(this.url, request, this.reach(call)), call, 'search');
  }

  upsert(request: UpsertRequest, call: CallOptions = {}): Promise<WriteAnswer> {
    return upsertUrl(this.url, request, this.writeOptions(call));
  }

  delete(request: DeleteRequest, call: CallOptions = {}): Promise<WriteAnswer> {
    return deleteUrl(this.url, request, this.writeOptions(call));
  }

  /** Starts folding the index's write log into a new version (answers once started). */
  compact(request: CompactRequest, call: CallOptions = {}): Promise<CompactAnswer> {
    return compactUrl(this.url, request, this.writeOptions(call));
  }

  private reach(call: CallOptions) {
    const { sign, region } = this.options;
    return {
      ...(sign === undefined ? {} : { sign }),
      ...(region === undefined ? {} : { region }),
      ...(call.signal ? { signal: call.signal } : {}),
    };
  }

  private writeOptions(call: CallOptions) {
    const { retry } = this.options;
    const onRetry = call.onRetry ?? this.options.onRetry;
    return {
      ...this.reach(call),
      ...(retry ? { retry } : {}),
      ...(onRetry ? { onRetry } : {}),
    };
  }

  private retried<T>(attempt: () => Promise<T>, call: CallOptions, what: string): Promise<T> {
    const { retry } = this.options;
    const onRetry = call.onRetry ?? this.options.onRetry;
    return withRetries(attempt, {
      ...retry,
      retryable: isThrottledOrUnreachable,
      what: `to ${what} ${this.url}`,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(onRetry ? { onRetry } : {}),
    });
  }
}
