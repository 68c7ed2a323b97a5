/**
 * The public `POST /search` answer (DESIGN §4): `complete`, then per query `{ hits: [{ id, distance,
 * attributes? }], stats }` in request order, and totals over the request: what the executor did
 * (partitions visited, vectors scanned, rounds, missing partitions) and what the invocation tree cost.
 * Only a caller that allowed partial answers ever receives `complete: false` (`incomplete-search.ts`).
 */
import type { ExternalId } from '../../shared/format/index.ts';
import type { PathStats } from '../wire/path-stats.ts';
import type { WireHit, WireQueryResult, WireQueryStats } from '../wire/query-result.ts';

/** A hit as the caller sees it: `id` is the id the build input carried, else the global ordinal. */
export type PublicHit = Omit<WireHit, 'id'> & { readonly id: number | string };

export interface SearchResponse {
  /**
   * Every query visited every partition its plan needed. False only when `options.allowPartial` was
   * set and some partition failed: then the hits may miss rows (see `stats.missingPartitions`).
   */
  readonly complete: boolean;
  readonly results: { readonly hits: PublicHit[]; readonly stats: WireQueryStats }[];
  readonly stats: SearchTotals;
}

/** What a search answered from (docs/writes.md): a base version plus the write log through `sequence`. */
export interface Snapshot {
  readonly version: number;
  readonly sequence: number;
}

/** The public id of a global ordinal: the id the input or a write gave it. */
export interface HitIds {
  get(ordinal: number): ExternalId;
}

export interface SearchTotals extends PathStats {
  readonly index: string;
  readonly version: number;
  readonly snapshot: Snapshot;
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
  snapshot: Snapshot,
  results: readonly WireQueryResult[],
  path: PathStats,
  ms: number,
  ids?: HitIds,
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
    complete: missing.size === 0 && path.failures.length === 0 && path.failuresOmitted === 0,
    results: results.map((result) => ({
      hits: ids ? result.hits.map((hit) => ({ ...hit, id: ids.get(hit.id) })) : result.hits,
      stats: result.stats,
    })),
    stats: {
      index,
      version: snapshot.version,
      snapshot,
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
