/**
 * What a request cost along the invocation tree, summed on the way up (reference §4.8.5, without its
 * one-slot-per-allocator arrays): invocations, retries, cold and warm processor calls, bytes read from
 * the store, billed-time proxies, and the failures that left partitions or subtrees unanswered.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

/** Failures listed at most; further ones are counted in `failuresOmitted`. */
export const MAX_LISTED_FAILURES = 16;

export const failureSchema = z.strictObject({
  /** Function name that failed. */
  target: z.string(),
  /** The partition it was asked to search (processors). */
  partition: count.optional(),
  /** The partitions it was asked to search (a processor call coalescing several). */
  partitions: z.array(count).optional(),
  /** The tree node it was asked to serve (allocators). */
  node: count.optional(),
  /** The error code after the retry (`UPSTREAM`, `UPSTREAM_TIMEOUT`, …). */
  code: z.string(),
  message: z.string(),
});

export const pathStatsSchema = z.strictObject({
  /** Allocator Invoke requests, retries included. */
  allocatorInvocations: count,
  /** Processor Invoke requests, retries included. */
  processorInvocations: count,
  /** Invoke requests that were retries of a failed one. */
  retries: count,
  /** Processor calls that had to load their partition (a cache miss). */
  partitionLoads: count,
  /** Processor calls served from the warm container's cache. */
  partitionCacheHits: count,
  /** Invocations (allocators and processors) that were the first of a new execution environment. */
  containerStarts: count,
  /** Bytes read from the store by every function along the way. */
  bytesFetched: count,
  /** Milliseconds spent inside allocator invocations (their own handlers' wall time). */
  allocatorMs: z.number().nonnegative(),
  /** Milliseconds spent inside processor invocations. */
  processorMs: z.number().nonnegative(),
  failures: z.array(failureSchema),
  failuresOmitted: count,
});

export type Failure = z.infer<typeof failureSchema>;
export type PathStats = z.infer<typeof pathStatsSchema>;

export function emptyPathStats(): PathStats {
  return {
    allocatorInvocations: 0,
    processorInvocations: 0,
    retries: 0,
    partitionLoads: 0,
    partitionCacheHits: 0,
    containerStarts: 0,
    bytesFetched: 0,
    allocatorMs: 0,
    processorMs: 0,
    failures: [],
    failuresOmitted: 0,
  };
}

/** Adds `from` into `into` (commutative: fan-out order cannot change the totals, only failure order). */
export function addPathStats(into: PathStats, from: PathStats): void {
  into.allocatorInvocations += from.allocatorInvocations;
  into.processorInvocations += from.processorInvocations;
  into.retries += from.retries;
  into.partitionLoads += from.partitionLoads;
  into.partitionCacheHits += from.partitionCacheHits;
  into.containerStarts += from.containerStarts;
  into.bytesFetched += from.bytesFetched;
  into.allocatorMs += from.allocatorMs;
  into.processorMs += from.processorMs;
  into.failuresOmitted += from.failuresOmitted;
  for (const failure of from.failures) recordFailure(into, failure);
}

export function recordFailure(stats: PathStats, failure: Failure): void {
  if (stats.failures.length < MAX_LISTED_FAILURES) stats.failures.push(failure);
  else stats.failuresOmitted++;
}
