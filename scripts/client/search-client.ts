/**
 * A client for the search Function URL (DESIGN §4): POSTs the public request and returns the parsed
 * answer, or throws `SearchHttpError` carrying the status and the server's `{code, message}`.
 * `url` may be the Function URL itself (as `cdk deploy` and `squash local` print it) or its `/search`
 * route. With `sign`, the request is SigV4-signed for `AWS_IAM` auth from the default credential chain.
 *
 * Design decisions (complete or fail, DESIGN §5 "Failures"):
 * - `searchUrl` returns complete answers only. A search that missed partitions throws
 *   `SearchIncompleteError` (a `SearchHttpError` carrying `missingPartitions`, `queriesAffected` and
 *   `failures`) — from the server's 502/504, or from a 200 answer that is not complete (a server that
 *   answers partially by default). It refuses `options.allowPartial` rather than ignoring it.
 * - Partial answers come only from `searchUrlAllowingPartial`, whose result is a `SearchOutcome` union
 *   on `complete`: a complete answer has `results`; a partial one has no `results` but
 *   `partialResults` beside `missingPartitions` and `failures`. Code cannot read hits without looking
 *   at `complete` (TypeScript refuses `outcome.results` until it is narrowed; in JavaScript it is
 *   `undefined` on a partial answer), so a partial answer is never used as a complete one by accident.
 * - An error answered by the Function URL itself rather than by squash (AWS's `{"Message": …}` body
 *   with `x-amzn-ErrorType`, e.g. the coordinator crashed or timed out in its init phase) says so.
 */
import type { z } from 'zod';
import type { PublicOptions, searchRequestSchema } from '../../functions/coordinator/search-request.ts';
import type { SearchResponse } from '../../functions/coordinator/search-response.ts';
import type { Failure } from '../../functions/wire/path-stats.ts';
import { InvalidInputError, UpstreamError } from '../../shared/errors/index.ts';
import { type FunctionUrlOptions, parseHttpUrl, postJson } from './function-url.ts';
import { SearchIncompleteError } from './search-http-error.ts';

/** The public request as sent (`options.allowPartial` included). */
type WireSearchRequest = z.input<typeof searchRequestSchema>;

/**
 * A search request for this client: `options.allowPartial` is not set here (`searchUrl` returns
 * complete answers only; `searchUrlAllowingPartial` sets it), and the removed `strict` is not accepted.
 */
export type SearchRequestBody = Omit<WireSearchRequest, 'options'> & {
  readonly options?: Omit<PublicOptions, 'allowPartial' | 'strict'> & { readonly allowPartial?: false };
};
export type { SearchResponse };

/** Every query visited every partition its plan needed. */
export type CompleteOutcome = SearchResponse & { readonly complete: true };

/** Some partitions could not be searched: the hits are `partialResults`, never `results`. */
export interface PartialOutcome {
  readonly complete: false;
  /** Partitions that failed for at least one query (each query's own are in its `stats`). */
  readonly missingPartitions: readonly number[];
  readonly failures: readonly Failure[];
  /** One per query in request order; a query whose `stats.missingPartitions` is not empty may miss rows. */
  readonly partialResults: SearchResponse['results'];
  readonly stats: SearchResponse['stats'];
}

export type SearchOutcome = CompleteOutcome | PartialOutcome;

export type SearchUrlOptions = FunctionUrlOptions;

/** A complete answer, or a thrown `SearchHttpError` (`SearchIncompleteError` when partitions failed). */
export async function searchUrl(
  url: string,
  request: SearchRequestBody,
  options: SearchUrlOptions = {},
): Promise<SearchResponse> {
  if ((request.options as { allowPartial?: unknown } | undefined)?.allowPartial === true) {
    throw new InvalidInputError(
      'searchUrl returns complete answers only; call searchUrlAllowingPartial to accept partial answers',
    );
  }
  const { target, response, partialHeader } = await postSearch(url, request, options);
  if (isComplete(response, partialHeader)) return response;
  const missingPartitions = response.stats?.missingPartitions ?? [];
  const which =
    missingPartitions.length > 0
      ? `partitions ${missingPartitions.join(', ')} could not be searched`
      : 'it says it is partial';
  throw new SearchIncompleteError(
    200,
    undefined,
    `POST ${target.href} answered 200 with an incomplete answer: ${which}, and partial answers were not asked for`,
    {
      missingPartitions,
      queriesAffected: response.results.filter((result) => missingOf(result).length > 0).length,
      failures: response.stats?.failures ?? [],
    },
  );
}

/**
 * Sends the request with `options.allowPartial: true`: the answer may miss partitions that failed, and
 * says so (`complete: false`, with `partialResults` instead of `results`).
 */
export async function searchUrlAllowingPartial(
  url: string,
  request: SearchRequestBody,
  options: SearchUrlOptions = {},
): Promise<SearchOutcome> {
  const { response, partialHeader } = await postSearch(
    url,
    { ...request, options: { ...request.options, allowPartial: true } },
    options,
  );
  if (isComplete(response, partialHeader)) return { ...response, complete: true };
  return {
    complete: false,
    missingPartitions: response.stats?.missingPartitions ?? [],
    failures: response.stats?.failures ?? [],
    partialResults: response.results,
    stats: response.stats,
  };
}

/** Complete unless the body or the header says otherwise, or a query names a missing partition. */
function isComplete(response: SearchResponse, partialHeader: boolean): boolean {
  return (
    response.complete !== false &&
    !partialHeader &&
    (response.stats?.missingPartitions ?? []).length === 0 &&
    response.results.every((result) => missingOf(result).length === 0)
  );
}

/** A result's missing partitions; none when the server sent no per-query stats. */
function missingOf(result: SearchResponse['results'][number]): readonly number[] {
  return result.stats?.missingPartitions ?? [];
}

async function postSearch(
  url: string,
  request: WireSearchRequest,
  options: SearchUrlOptions,
): Promise<{ target: URL; response: SearchResponse; partialHeader: boolean }> {
  const target = searchEndpoint(url);
  const { response, text, json } = await postJson(target, JSON.stringify(request), options);
  if (json === undefined || typeof json !== 'object' || !Array.isArray((json as SearchResponse).results)) {
    throw new UpstreamError(
      `POST ${target.href} answered ${response.status} without search results: ${text.slice(0, 200)}`,
    );
  }
  const partialHeader = response.headers.get('x-squash-partial') === 'true';
  return { target, response: json as SearchResponse, partialHeader };
}

/** `https://x.lambda-url.r.on.aws/` → `…/search`; a URL already ending in `/search` is kept. */
export function searchEndpoint(url: string): URL {
  const parsed = parseHttpUrl(url, 'search URL');
  if (parsed.pathname.endsWith('/search')) return parsed;
  return new URL('search', parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`);
}

/**
 * A hit's global ordinal (row of the build input), for indexes built without external ids; a hit that
 * carries an input id has no ordinal to give.
 */
export function hitOrdinal(hit: { readonly id: number | string }): number {
  if (typeof hit.id !== 'number') {
    throw new InvalidInputError(`hit id ${JSON.stringify(hit.id)} is an input id, not a row ordinal`);
  }
  return hit.id;
}
