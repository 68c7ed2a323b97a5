/**
 * Runs a batch of queries over a partitioned index (DESIGN §5) — the allocator's job, shared by the
 * in-process search and the Lambda allocator. Per query: order partitions by centroid distance, count
 * quantized filter matches per partition (one pass over compact codes), choose the plan, select
 * partitions; then one `searchPartition` call per selected partition carrying all of the batch's queries
 * for it; merge by exact distance. The guarantee: when fewer than k hits come back although unvisited
 * partitions still hold matches, further rounds visit them, so k exist ⇒ k returned, all satisfying the filter.
 *
 * Design decisions (DESIGN §5 "Failures": complete or fail):
 * - A partition whose search failed (`UpstreamError`/`UpstreamTimeoutError` from the searcher, after its
 *   retries) is named in the query's `missingPartitions`; an outcome with missing partitions is not an
 *   answer unless the caller asked for partial answers (`allowPartial`), and the caller must say so.
 * - Without `allowPartial`, a query with a missing partition runs no further round: its answer will be
 *   refused, and another round would only fill it with farther rows that make it look complete.
 * - With `allowPartial`, a missing partition's absence is not "too few matches": when deciding on
 *   another round it counts as the hits it was expected to give (its quantized matches, at most k), so a
 *   further round runs only when the partitions that did answer under-delivered — the same rule as for
 *   a complete round, not a way to pad a partial answer with farther neighbours.
 */
import { queryOptionDefaults } from '../api/query-options.ts';
import type { CompiledFilter } from '../attributes/index.ts';
import { UpstreamError, UpstreamTimeoutError } from '../errors/index.ts';
import { orderPartitions, type PartitionOrder } from '../plan/partition-order.ts';
import { selectPartitions } from '../plan/partition-selection.ts';
import { choosePlan } from '../plan/query-plan.ts';
import type { PartitionQuery, PartitionQueryResult } from './partition-search.ts';
import { type Hit, mergeHits, TopK } from './top-k.ts';

/**
 * The options the executor reads. Their bounds, defaults and documentation are the query options
 * schema's (`shared/api/query-options.ts`); `pruningDims` absent means every dimension with bits.
 */
export interface QueryOptions {
  readonly k: number;
  /** Visit partitions within this factor of the nearest centroid distance. */
  readonly partitionFactor: number;
  /** Exact re-rank depth R (R·k rows per partition). */
  readonly rerank: number;
  /** Hamming pruning keeps this share of a partition's candidates, in percent (100 = off). */
  readonly hammingKeepPercent: number;
  /**
   * Partition selection keeps adding partitions (in centroid order) until they hold matchesFactor·k
   * filter matches: a filter that is independent of the vectors spreads the filtered neighbours over
   * about 1/selectivity times as many partitions as the unfiltered ones.
   */
  readonly matchesFactor: number;
  /** Scan every partition and return the true top-k. */
  readonly exact: boolean;
  /**
   * Leading KLT dimensions used for Hamming pruning and lower bounds (the energy-sorted KLT puts most of
   * the distance there); fewer is faster and looser, the exact re-rank restores the order.
   */
  readonly pruningDims?: number;
  /**
   * Accept answers that miss failed partitions (they are named in `missingPartitions`); otherwise a
   * query with a missing partition stops at that round (see the design decisions above).
   */
  readonly allowPartial?: boolean;
}

const { includeAttributes: _, ...executorDefaults } = queryOptionDefaults;

/** The executor's defaults: the query options schema's (`shared/api/query-options.ts`). */
export const defaultQueryOptions: Omit<QueryOptions, 'k'> = Object.freeze(executorDefaults);

export interface ExecutorQuery {
  /** Metric-prepared query vector. */
  readonly vector: Float32Array;
  readonly filter: CompiledFilter;
}

export interface PartitionRequest {
  /** Position of the query in the batch. */
  readonly index: number;
  readonly query: PartitionQuery;
}

export interface IndexLayout {
  readonly partitions: number;
  readonly dim: number;
  readonly centroids: Float32Array;
  readonly partitionSizes: ArrayLike<number>;
  /** Quantized filter matches of `filter` in partition p (partition size when the filter matches all). */
  countMatches(filter: CompiledFilter, partition: number): number;
  /**
   * The exact top k over the filter's matches for each of the vectors (queries with that filter), in
   * one pass, or undefined when it declines; the exact plan then visits the partitions. In process over
   * the loaded partitions (`shared/index/matching-block.ts`); in the allocator over the matching rows
   * the processors sent (`functions/tree/remote-matching.ts`), hence the promise.
   */
  searchMatching?(
    filter: CompiledFilter,
    vectors: readonly Float32Array[],
    k: number,
  ): MatchingAnswers | undefined | Promise<MatchingAnswers | undefined>;
}

/** Per query, its exact top k over the filter's matches; and how many rows each scanned. */
export interface MatchingAnswers {
  readonly answers: Hit[][];
  readonly scanned: number;
}

/** Searches one partition for several queries; may run remotely and fail. */
export type PartitionSearcher = (
  partition: number,
  requests: readonly PartitionRequest[],
) => Promise<PartitionQueryResult[]>;

export interface QueryStats {
  plan: 'exact' | 'approximate';
  partitionsVisited: number;
  rounds: number;
  /** Quantized filter matches over the whole index. */
  matchesEstimated: number;
  /** Rows whose exact distance was computed. */
  vectorsScanned: number;
  /**
   * Partitions that failed after their retries: the answer misses their rows, so it is incomplete (an
   * answer only when partial answers were asked for).
   */
  readonly missingPartitions: readonly number[];
}

export interface QueryOutcome {
  /**
   * Global ordinals with squared distances in the prepared space, ascending. The list and its hits are
   * made for this call (no searcher or layout may hand out a hit it keeps): the caller may rewrite them.
   */
  readonly hits: readonly Hit[];
  readonly stats: QueryStats;
}

/**
 * Every per-query object of a batch is a class instance and its arrays are made by builtins
 * (`Array.of`), never by a literal: V8 tracks the survival of objects made by a literal (its allocation
 * site) and, once a site's objects outlived young collections — as a large batch's do — allocates them
 * straight into the old generation from then on, so every later batch, however short-lived its
 * objects, fills the old generation. After Fashion-MNIST's 10 % batches, siftsmall's 0.1 % batches ran
 * at half speed that way, the collector at a third of their time (docs/performance.md).
 */
class QueryState {
  /** Partitions asked so far (made by its first round of partition searches). */
  visited: Set<number> | undefined = undefined;
  /** Its answer in full (the exact plan over the filter's matches): no round to run. */
  answer: Hit[] | undefined = undefined;
  /** The hits of each partition it visited, made by the first. */
  partial: Hit[][] | undefined = undefined;
  /**
   * The best exact distances found for it so far by searches in this process (see PartitionQuery),
   * made for its first approximate round.
   */
  bound: TopK | undefined = undefined;
  readonly stats: PlanStats;

  constructor(
    readonly query: ExecutorQuery,
    readonly counts: Float64Array,
    /** Partitions with at least one match. */
    readonly withMatches: number,
    readonly ranked: PartitionOrder,
    public mode: 'exact' | 'approximate',
    matchesEstimated: number,
  ) {
    this.stats = new PlanStats(mode, matchesEstimated);
  }

  addHits(hits: Hit[]): void {
    if (this.partial === undefined) this.partial = Array.of(hits);
    else this.partial.push(hits);
  }
}

class PlanStats implements QueryStats {
  plan: 'exact' | 'approximate';
  partitionsVisited = 0;
  rounds = 0;
  matchesEstimated: number;
  vectorsScanned = 0;
  /** Shared while empty (most queries): made by the first missing partition. */
  missingPartitions: readonly number[] = NO_PARTITIONS;

  constructor(plan: 'exact' | 'approximate', matchesEstimated: number) {
    this.plan = plan;
    this.matchesEstimated = matchesEstimated;
  }
}

class Outcome implements QueryOutcome {
  constructor(
    readonly hits: readonly Hit[],
    readonly stats: QueryStats,
  ) {}
}

const NO_LISTS: readonly (readonly Hit[])[] = Object.freeze([]);

export async function executeQueries(
  layout: IndexLayout,
  queries: readonly ExecutorQuery[],
  options: QueryOptions,
  search: PartitionSearcher,
): Promise<QueryOutcome[]> {
  const matchCounts = matchCounter(layout);
  const states = queries.map((query) => planQuery(layout, matchCounts(query.filter), query, options));
  const selected = states.map((state) => firstRound(state, options));
  const exact = states.filter((state) => state.mode === 'exact');
  const matching = answerFromMatches(layout, exact, options);
  if (matching) await matching;
  let pending = states.map((state, i) => {
    if (state.mode === 'approximate') return selected[i]!;
    return state.answer ? NO_PARTITIONS : allWithMatches(state);
  });
  while (pending.some((partitions) => partitions.length > 0)) {
    await runRound(states, pending, options, search);
    pending = states.map((state) => nextRound(state, options));
  }
  return states.map(
    (state) => new Outcome(state.answer ?? mergeHits(state.partial ?? NO_LISTS, options.k), state.stats),
  );
}

interface MatchCounts {
  /** Filter matches per partition. */
  readonly counts: Float64Array;
  readonly total: number;
  readonly largest: number;
  /** Partitions with at least one match. */
  readonly withMatches: number;
}

/** A filter's match counts per partition, counted once per compiled filter of the batch. */
function matchCounter(layout: IndexLayout): (filter: CompiledFilter) => MatchCounts {
  const byFilter = new Map<CompiledFilter, MatchCounts>();
  return (filter) => {
    let found = byFilter.get(filter);
    if (!found) {
      const counts = new Float64Array(layout.partitions);
      let total = 0;
      let largest = 0;
      let withMatches = 0;
      for (let p = 0; p < layout.partitions; p++) {
        counts[p] = filter.matchesAll ? layout.partitionSizes[p]! : layout.countMatches(filter, p);
        total += counts[p]!;
        largest = Math.max(largest, counts[p]!);
        if (counts[p]! > 0) withMatches++;
      }
      found = { counts, total, largest, withMatches };
      byFilter.set(filter, found);
    }
    return found;
  };
}

function planQuery(
  layout: IndexLayout,
  { counts, total, largest, withMatches }: MatchCounts,
  query: ExecutorQuery,
  options: QueryOptions,
): QueryState {
  const dim = query.vector.length;
  // The exact plan needs no partition order: when scanning the matches costs less than the cheapest
  // approximate plan could (it visits partitions until they hold min(total, matchesFactor·k) matches,
  // so at least that many over the largest count), the centroid distances are skipped too.
  const wanted = Math.min(total, options.matchesFactor * options.k);
  const exact =
    options.exact ||
    choosePlan({
      totalMatches: total,
      selectedMatches: wanted,
      selectedPartitions: Math.max(1, Math.ceil(wanted / Math.max(largest, 1))),
      dim,
      pruningDims: Math.min(dim, options.pruningDims ?? dim),
      shortlist: options.rerank * options.k,
    }) === 'exact';
  const ranked = exact
    ? indexOrder(layout.partitions)
    : orderPartitions(layout.centroids, layout.partitions, layout.dim, query.vector);
  return new QueryState(query, counts, withMatches, ranked, exact ? 'exact' : 'approximate', total);
}

const indexOrders = new Map<number, PartitionOrder>();

/** Partitions in index order (the exact plan visits every partition with matches; order is moot). */
function indexOrder(partitions: number): PartitionOrder {
  let order = indexOrders.get(partitions);
  if (!order) {
    order = { order: new Uint32Array(partitions).map((_, p) => p), distances: new Float64Array(partitions) };
    indexOrders.set(partitions, order);
  }
  return order;
}

/**
 * The exact plan in one pass over each filter's matches, where the layout offers it: the queries that
 * share a compiled filter go together. A query it declines stays unanswered (it visits the partitions).
 * A promise only when the layout answered with one (the in-process search awaits nothing).
 */
function answerFromMatches(
  layout: IndexLayout,
  states: readonly QueryState[],
  options: QueryOptions,
): Promise<void> | undefined {
  if (!layout.searchMatching || states.length === 0) return undefined;
  const byFilter = new Map<CompiledFilter, QueryState[]>();
  for (const state of states) {
    const group = byFilter.get(state.query.filter);
    if (group) group.push(state);
    else byFilter.set(state.query.filter, [state]);
  }
  const pending: Promise<void>[] = [];
  for (const [filter, group] of byFilter) {
    const found = layout.searchMatching(
      filter,
      group.map((state) => state.query.vector),
      options.k,
    );
    if (found instanceof Promise) pending.push(found.then((answers) => answerGroup(group, answers)));
    else answerGroup(group, found);
  }
  return pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined;
}

function answerGroup(group: readonly QueryState[], found: MatchingAnswers | undefined): void {
  if (!found) return;
  for (let i = 0; i < group.length; i++) {
    const state = group[i]!;
    state.answer = found.answers[i]!;
    state.stats.rounds = 1;
    state.stats.partitionsVisited = state.withMatches;
    state.stats.vectorsScanned = found.scanned;
  }
}

/**
 * The partitions of a query's first round on the approximate plan; none when it takes (or switches to)
 * the exact plan, whose partitions come after its matches were tried (`answerFromMatches`).
 */
function firstRound(state: QueryState, options: QueryOptions): readonly number[] {
  if (state.mode === 'exact') return NO_PARTITIONS;
  const selected = selectPartitions(state.ranked, state.counts, {
    partitionFactor: options.partitionFactor,
    minMatches: options.k * options.matchesFactor,
  });
  let selectedMatches = 0;
  for (const p of selected) selectedMatches += state.counts[p]!;
  const dim = state.query.vector.length;
  const plan = choosePlan({
    totalMatches: state.stats.matchesEstimated,
    selectedMatches,
    selectedPartitions: selected.length,
    dim,
    pruningDims: Math.min(dim, options.pruningDims ?? dim),
    shortlist: options.rerank * options.k,
  });
  if (plan === 'exact') {
    state.mode = 'exact';
    state.stats.plan = 'exact';
    return NO_PARTITIONS;
  }
  return selected;
}

/** A query's partitions when it visits none (shared: most queries of a selective batch). */
const NO_PARTITIONS: readonly number[] = Object.freeze([]);

/**
 * After a round: if fewer than k hits came back, the next partitions (in distance order) with matches.
 * A query with missing partitions stops, or with `allowPartial` counts each missing partition as the
 * hits it was expected to give.
 */
function nextRound(state: QueryState, options: QueryOptions): readonly number[] {
  if (state.answer) return NO_PARTITIONS;
  const missing = state.stats.missingPartitions;
  if (missing.length > 0 && !options.allowPartial) return NO_PARTITIONS;
  let found = 0;
  for (const hits of state.partial ?? NO_LISTS) found += hits.length;
  for (const p of missing) found += Math.min(options.k, state.counts[p]!);
  if (found >= options.k) return NO_PARTITIONS;
  const next: number[] = [];
  let expected = 0;
  for (const p of state.ranked.order) {
    if (state.visited?.has(p) || state.counts[p] === 0) continue;
    next.push(p);
    expected += state.counts[p]!;
    if (found + expected >= options.k) break;
  }
  return next;
}

async function runRound(
  states: readonly QueryState[],
  pending: readonly (readonly number[])[],
  options: QueryOptions,
  search: PartitionSearcher,
): Promise<void> {
  // Requests grouped by partition, in partition order of first request (as a Map would iterate).
  const byPartition: (PartitionRequest[] | undefined)[] = [];
  const partitions: number[] = [];
  for (let index = 0; index < pending.length; index++) {
    const selected = pending[index]!;
    if (selected.length === 0) continue;
    const state = states[index]!;
    state.stats.rounds++;
    if (state.mode === 'approximate') state.bound ??= new TopK(options.k);
    // One request per query and round, shared by the partitions it goes to.
    const request: PartitionRequest = {
      index,
      query: {
        vector: state.query.vector,
        filter: state.query.filter,
        k: options.k,
        mode: state.mode,
        ...(state.bound ? { bound: state.bound } : {}),
      },
    };
    for (const partition of selected) {
      state.visited ??= new Set();
      state.visited.add(partition);
      let requests = byPartition[partition];
      if (!requests) {
        requests = [];
        byPartition[partition] = requests;
        partitions.push(partition);
      }
      requests.push(request);
    }
  }
  const searches: Promise<void>[] = [];
  for (const partition of partitions) {
    searches.push(searchOne(states, partition, byPartition[partition]!, search));
  }
  await Promise.all(searches);
}

/** One partition's searches: each result goes to its query; a searcher failure marks the partition missing. */
async function searchOne(
  states: readonly QueryState[],
  partition: number,
  requests: readonly PartitionRequest[],
  search: PartitionSearcher,
): Promise<void> {
  try {
    const results = await search(partition, requests);
    for (let i = 0; i < requests.length; i++) {
      const state = states[requests[i]!.index]!;
      const result = results[i]!;
      state.addHits(result.hits);
      state.stats.partitionsVisited++;
      state.stats.vectorsScanned += result.reranked;
    }
  } catch (error) {
    if (!(error instanceof UpstreamError || error instanceof UpstreamTimeoutError)) throw error;
    for (const request of requests) {
      const stats = states[request.index]!.stats;
      stats.missingPartitions = [...stats.missingPartitions, partition];
    }
  }
}

function allWithMatches(state: QueryState): number[] {
  const partitions: number[] = [];
  for (const p of state.ranked.order) if (state.counts[p]! > 0) partitions.push(p);
  return partitions;
}
