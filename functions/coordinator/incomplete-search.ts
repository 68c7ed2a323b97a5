/**
 * Complete or fail (DESIGN §5 "Failures"): a search either visited every partition its plan needed
 * (after the retries) or, unless the caller allowed partial answers, it fails with 502 — 504 when a
 * timeout caused it — and an error body that says which partitions failed for how many queries, and why:
 * `{ code, message, missingPartitions, queriesAffected, failures, failuresOmitted }`.
 *
 * Design decisions:
 * - The decision is taken once, in the coordinator, over the whole request: allocators and the executor
 *   report what failed (per query `missingPartitions`, per call `failures`) instead of throwing, so the
 *   structured causes survive the hops up the tree and a failed subtree is not retried as a whole.
 * - A failed allocator subtree names every partition as missing for its queries (nothing of it was
 *   searched); its failure names the tree node.
 * - A partial answer that was asked for says so three ways: `complete: false` at the top of the body,
 *   `stats.missingPartitions` (and per query), and the header `X-Squash-Partial: true`.
 */
import { SquashError } from '../../shared/errors/index.ts';
import type { Failure } from '../wire/path-stats.ts';
import type { SearchResponse } from './search-response.ts';

/** The header a partial answer carries (value `true`). */
export const PARTIAL_HEADER = 'x-squash-partial';

/** Failure messages quoted in the error message; all are in the body's `failures`. */
const QUOTED_FAILURES = 3;

/** Partitions listed in the message; all are in the body's `missingPartitions`. */
const LISTED_PARTITIONS = 20;

export interface IncompleteSearchDetails {
  /** Partitions that failed for at least one query, ascending. */
  readonly missingPartitions: readonly number[];
  /** Queries whose answer would have missed at least one partition. */
  readonly queriesAffected: number;
  readonly failures: readonly Failure[];
  readonly failuresOmitted: number;
}

/** A search that could not visit every partition it needed: `UPSTREAM` (502) or `UPSTREAM_TIMEOUT` (504). */
export class IncompleteSearchError extends SquashError {
  constructor(
    message: string,
    timedOut: boolean,
    readonly details: IncompleteSearchDetails,
  ) {
    super(timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM', message);
  }
}

/** Throws `IncompleteSearchError` when any query of `response` misses a partition. */
export function assertComplete(response: SearchResponse): void {
  if (response.complete) return;
  const { missingPartitions, failures, failuresOmitted, queries } = response.stats;
  const queriesAffected = response.results.filter(
    (result) => result.stats.missingPartitions.length > 0,
  ).length;
  const shown =
    missingPartitions.slice(0, LISTED_PARTITIONS).join(', ') +
    (missingPartitions.length > LISTED_PARTITIONS ? `, … (${missingPartitions.length} in all)` : '');
  const quoted = failures.slice(0, QUOTED_FAILURES).map((failure) => failure.message);
  const more = failures.length + failuresOmitted - quoted.length;
  const causes =
    quoted.length === 0
      ? 'no cause was reported'
      : quoted.join('; ') + (more > 0 ? `; and ${more} more failure${more === 1 ? '' : 's'}` : '');
  throw new IncompleteSearchError(
    `partitions ${shown} could not be searched for ${queriesAffected} of ${queries} queries: ${causes}. ` +
      'No partial answer is given unless `options.allowPartial` is true',
    failures.some((failure) => failure.code === 'UPSTREAM_TIMEOUT'),
    { missingPartitions, queriesAffected, failures, failuresOmitted },
  );
}

/** The headers of a successful search answer: `X-Squash-Partial: true` when it is partial. */
export function searchHeaders(response: SearchResponse): Record<string, string> {
  return response.complete ? {} : { [PARTIAL_HEADER]: 'true' };
}
