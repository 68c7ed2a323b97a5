/**
 * The public `POST /search` answer (DESIGN §4): per query `{ hits: [{ id, distance, attributes? }],
 * stats }` in request order, and totals over the request: what the executor did (partitions visited,
 * vectors scanned, rounds, missing partitions) and what the invocation tree cost.
 */
import { UpstreamError, UpstreamTimeoutError } from '../../shared/errors/index.ts';
import type { ExternalIds } from '../../shared/format/index.ts';
import type { PathStats } from '../wire/path-stats.ts';
import type { WireHit, WireQueryResult, WireQueryStats } from '../wire/query-result.ts';

/** A hit as the caller sees it: `id` is the id the build input carried, else the global ordinal. */
export type PublicHit = Omit<WireHit, 'id'> & { readonly id: number | string };

export interface SearchResponse {
  readonly results: { readonly hits: PublicHit[]; readonly stats: WireQueryStats }[];
  readonly stats: SearchTotals;
}

export interface SearchTotals extends PathStats {
  readonly index: string;
  readonly version: number;
  readonly queries: number;
  /** Partition searches over all queries (a partition searched for 3 queries counts 3). */
  readonly partitionsVisited: number;
  readonly vectorsScanned: number;
  /** The most rounds any query needed (2+ when quantized counts over-estimated the matches). */
  readonly rounds: number;
  /** Partitions that failed for at least one query, ascending. */
  readonly missingPartitions: number[];
  /** Wall time in the coordinator, in ms. */
  readonly ms: number;
}

export function searchResponse(
  index: string,
  version: number,
  results: readonly WireQueryResult[],
  path: PathStats,
  ms: number,
  externalIds?: ExternalIds,
): SearchResponse {
  let partitionsVisited = 0;
  let vectorsScanned = 0;
  let rounds = 0;
  const missing = new Set<number>();
  for (const { stats } of results) {
    partitionsVisited += stats.partitionsVisited;
    vectorsScanned += stats.vectorsScanned;
    rounds = Math.max(rounds, stats.rounds);
    for (const partition of stats.missingPartitions) missing.add(partition);
  }
  return {
    results: results.map((result) => ({
      hits: externalIds ? result.hits.map((hit) => ({ ...hit, id: externalIds.get(hit.id) })) : result.hits,
      stats: result.stats,
    })),
    stats: {
      index,
      version,
      queries: results.length,
      partitionsVisited,
      vectorsScanned,
      rounds,
      missingPartitions: [...missing].sort((a, b) => a - b),
      ...path,
      ms,
    },
  };
}

/** With `strict`, missing partitions fail the request: 504 when a timeout caused them, else 502. */
export function assertComplete(response: SearchResponse): void {
  const { missingPartitions, failures } = response.stats;
  if (missingPartitions.length === 0) return;
  const shown = missingPartitions.slice(0, 20).join(', ') + (missingPartitions.length > 20 ? ', …' : '');
  const cause = failures[0] ? `: ${failures[0].message}` : '';
  const message = `partitions ${shown} could not be searched and strict answers were requested${cause}`;
  throw failures.some((failure) => failure.code === 'UPSTREAM_TIMEOUT')
    ? new UpstreamTimeoutError(message)
    : new UpstreamError(message);
}
