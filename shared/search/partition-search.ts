/**
 * The processor's search over one partition (DESIGN §5): the filter's exact matching rows (from the
 * partition's attribute index, `matchingRows`: time in proportion to the matches, not the partition) →
 * Hamming pruning of those candidates → ADC lower bounds over the survivors only → exact re-rank of the
 * best R·k. Every candidate satisfies the filter, so it never returns a row that fails it, and the
 * shortlist holds no row the filter would reject. When the re-rank found fewer than k rows, it scans the
 * remaining candidates exactly, so a partition answers with min(k, its matches) hits. Small candidate
 * sets take the exact plan directly when it is cheaper (a cost model in flops).
 */

import { queryOptionDefaults } from '../api/query-options.ts';
import { matchingRows } from '../attributes/filter-rows.ts';
import type { CompiledFilter } from '../attributes/index.ts';
import { binaryCode, kltTransform } from '../quantize/index.ts';
import { accumulateLowerBounds } from './adc.ts';
import { squaredL2Bounded, squaredL2BoundedQuad } from './distance.ts';
import { fastScanSums, wantsFastScan } from './fast-scan/fast-scan.ts';
import { hammingPrune } from './hamming-prune.ts';
import { type PartitionData, pruningDims } from './partition-data.ts';
import { workspaceOf } from './partition-workspace.ts';
import { scanRows } from './row-scan.ts';
import type { Hit, TopK } from './top-k.ts';

export interface PartitionSearchOptions {
  /** Exact re-rank depth R: the best R·k rows by lower bound are re-ranked exactly. */
  readonly rerank: number;
  /** Share of the candidates kept by Hamming pruning, in percent (100 = off). */
  readonly hammingKeepPercent: number;
  /** Hamming pruning never keeps fewer than hammingFloor·R·k candidates. @default 4 */
  readonly hammingFloor: number;
  /** Cap on the leading KLT dimensions used for pruning (all dims with bits when absent). */
  readonly pruningDims?: number;
}

/**
 * The query options schema's defaults (`shared/api/query-options.ts`) for the partition-level options,
 * and the Hamming floor, which is not a query option.
 */
export const defaultPartitionSearchOptions: PartitionSearchOptions = Object.freeze({
  rerank: queryOptionDefaults.rerank,
  hammingKeepPercent: queryOptionDefaults.hammingKeepPercent,
  pruningDims: queryOptionDefaults.pruningDims,
  hammingFloor: 4,
});

/** The partition-level options of a request's query options (defaults for the rest). */
export function partitionSearchOptions(options: {
  readonly rerank: number;
  readonly hammingKeepPercent: number;
  readonly pruningDims?: number | undefined;
}): PartitionSearchOptions {
  const { hammingFloor } = defaultPartitionSearchOptions;
  const { rerank, hammingKeepPercent, pruningDims: cap } = options;
  return cap === undefined
    ? { rerank, hammingKeepPercent, hammingFloor }
    : { rerank, hammingKeepPercent, hammingFloor, pruningDims: cap };
}

export interface PartitionQuery {
  /** Metric-prepared query vector of the index's stored dimension. */
  readonly vector: Float32Array;
  readonly filter: CompiledFilter;
  readonly k: number;
  /** `exact` scans every candidate; `approximate` lets the cost model choose. */
  readonly mode: 'approximate' | 'exact';
  /**
   * The query's k best exact distances over the partitions already searched for it in this process
   * (the approximate plan reads and extends it): a row whose lower bound exceeds its k-th best cannot
   * enter the query's answer, so nearer partitions searched first make farther ones cheap. Absent, each
   * partition is searched on its own; the merged answer is the same either way.
   */
  readonly bound?: TopK;
}

export interface PartitionQueryResult {
  /** Global ordinals with SQUARED distances in the prepared space, ascending. */
  readonly hits: Hit[];
  /** Rows passing the filter (and not hidden by the write log). */
  readonly candidates: number;
  /** Rows whose exact distance was computed. */
  readonly reranked: number;
  /** Every candidate was checked exactly, so `hits` holds all of the partition's matches up to k. */
  readonly exhausted: boolean;
  readonly plan: 'exact' | 'approximate';
}

/** Relative slack between a float32 lower bound and the float64 exact distance it bounds. */
const LOWER_BOUND_SLACK = 1e-4;

/** The largest lower bound a row at exact distance `worst` could have. */
function slackened(worst: number): number {
  return worst * (1 + LOWER_BOUND_SLACK);
}

/**
 * @param hidden rows the write log replaced or deleted (1 = hidden, by local row), never candidates
 *   (docs/writes.md); undefined when the snapshot hides none.
 */
export function searchPartition(
  data: PartitionData,
  query: PartitionQuery,
  options: PartitionSearchOptions = defaultPartitionSearchOptions,
  hidden?: Uint8Array,
): PartitionQueryResult {
  const workspace = workspaceOf(data);
  let rows = workspace.allRows;
  let count = data.count;
  if (!query.filter.matchesAll || hidden) {
    rows = workspace.candidates;
    count = candidateRows(data, query.filter, rows);
    if (hidden) count = withoutHidden(rows, count, hidden);
  }
  const dims = pruningDims(data, options.pruningDims);
  const shortlist = options.rerank * query.k;
  const ordered = workspace.orderedQuery(query.vector);
  if (query.mode === 'exact' || count * data.dim <= approximateCost(data, dims, count, shortlist, options)) {
    const scan = exactScan(data, ordered, rows, count, null, workspace.top.reset(query.k));
    return { hits: scan.hits, candidates: count, reranked: scan.reranked, exhausted: true, plan: 'exact' };
  }

  const z = workspace.transformed(dims);
  kltTransform(data.osq.klt, query.vector, 0, z, dims);
  const keep = Math.max(
    Math.ceil((count * options.hammingKeepPercent) / 100),
    options.hammingFloor * shortlist,
  );
  let survivors = rows;
  let kept = count;
  if (keep < count) {
    const queryCode = new Uint8Array(data.binaryBytes);
    binaryCode(z, dims, queryCode, 0);
    survivors = workspace.survivors;
    kept = hammingPrune(
      data.binaryCodes,
      data.binaryBytes,
      queryCode,
      dims >>> 3,
      rows,
      count,
      keep,
      survivors,
    );
  }
  const tables = workspace.tables.buildGaps(
    z,
    dims,
    data.layout.bits,
    data.osq.boundaries,
    data.osq.boundaryOffsets,
  );
  // kept === data.count: every row survived, in order, so row i is survivors[i] = i.
  const chosen = kept === data.count ? null : survivors;
  const fastScan = wantsFastScan(kept, data.count)
    ? fastScanSums(workspace.fastScanCodes(tables.dims), tables.gaps)
    : null;
  // Rows whose bound exceeds the query's k-th best so far cannot enter its answer: the shortlist skips them.
  const bound = query.bound;
  const wanted = Math.min(shortlist, kept);
  const cut = slackened(bound?.worst ?? Number.POSITIVE_INFINITY);
  let shortlisted: number;
  if (fastScan) shortlisted = workspace.shortlistSums(fastScan, chosen, kept, wanted, cut);
  else {
    const codes = workspace.pruningCodes(dims);
    accumulateLowerBounds(codes, chosen, kept, tables.buildPairs(), workspace.bounds);
    shortlisted = workspace.shortlist(kept, wanted, cut);
  }
  const top = workspace.top.reset(query.k);
  const order = workspace.shortlistIndices;
  const lowerBounds = workspace.shortlistBounds;
  const batch = workspace.rerankRows;
  const positions = workspace.rerankPositions;
  const distances = workspace.rerankDistances;
  let reranked = 0;
  let s = 0;
  // Rows come in ascending lower-bound order: once a bound exceeds the k-th best exact distance (this
  // partition's or the query's so far), no later row can enter the answer (the slack absorbs float
  // rounding between the two computations). Up to four rows that pass the bound test now are re-ranked
  // side by side (every candidate matches the filter); the k-th best only shrinks, so a row the test
  // stops now it would stop after the earlier rows' pushes too.
  // A shortlist cut short by the query's bound leaves out only rows that cannot enter the answer.
  let settled = false;
  while (s < shortlisted && !settled) {
    const worst = bound ? Math.min(top.worst, bound.worst) : top.worst;
    const limit = slackened(worst);
    let size = 0;
    while (s < shortlisted && size < 4 && lowerBounds[s]! <= limit) {
      batch[size] = survivors[order[s]!]!;
      positions[size++] = s;
      s++;
    }
    if (size === 0) {
      settled = true;
      break;
    }
    if (size === 1) {
      distances[0] = squaredL2Bounded(ordered, data.vectors, batch[0]!, data.dim, worst);
    } else {
      // Padding repeats the first row; its extra distances are not used.
      for (let t = size; t < 4; t++) batch[t] = batch[0]!;
      squaredL2BoundedQuad(ordered, data.vectors, batch, data.dim, worst, distances);
    }
    // Each distance is the one `squaredL2Bounded` gives, or (only when the row cannot enter the answer)
    // a partial sum above the k-th best, which is not kept.
    for (let t = 0; t < size; t++) {
      const current = bound ? Math.min(top.worst, bound.worst) : top.worst;
      if (t > 0 && lowerBounds[positions[t]!]! > slackened(current)) {
        settled = true;
        break;
      }
      reranked++;
      const distance = distances[t]!;
      if (distance > current) continue;
      const id = data.ids[batch[t]!]!;
      top.push(distance, id);
      bound?.push(distance, id);
    }
  }
  if (settled || shortlisted < wanted || reranked >= query.k || shortlisted === count) {
    return {
      hits: top.sorted(),
      candidates: count,
      reranked,
      exhausted: shortlisted === count,
      plan: 'approximate',
    };
  }
  // Too few rows re-ranked: scan every remaining candidate exactly.
  const examined = new Uint8Array(data.count);
  for (let s = 0; s < shortlisted; s++) examined[survivors[workspace.shortlistIndices[s]!]!] = 1;
  const rest = exactScan(data, ordered, rows, count, examined, top);
  return {
    hits: rest.hits,
    candidates: count,
    reranked: rest.reranked + reranked,
    exhausted: true,
    plan: 'approximate',
  };
}

/** The filter's matching rows into `rows` (every row for no filter); returns how many. */
function candidateRows(data: PartitionData, filter: CompiledFilter, rows: Uint32Array): number {
  if (filter.matchesAll) {
    for (let i = 0; i < data.count; i++) rows[i] = i;
    return data.count;
  }
  const matching = matchingRows(filter, data.attributes);
  rows.set(matching);
  return matching.length;
}

/** Compacts `rows[0..count)` to the rows not hidden; returns how many remain. */
function withoutHidden(rows: Uint32Array, count: number, hidden: Uint8Array): number {
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const row = rows[i]!;
    if (hidden[row] === 0) rows[kept++] = row;
  }
  return kept;
}

/** Exact distance of every candidate not yet examined. */
function exactScan(
  data: PartitionData,
  ordered: Float32Array,
  rows: Uint32Array,
  count: number,
  skip: Uint8Array | null,
  top: TopK,
): { hits: Hit[]; reranked: number; exhausted: true } {
  const reranked = scanRows(ordered, data.vectors, data.dim, rows, count, data.ids, top, skip);
  return { hits: top.sorted(), reranked, exhausted: true };
}

/** Flops of the approximate plan: query transform, Hamming, lower bounds, re-rank. */
function approximateCost(
  data: PartitionData,
  dims: number,
  count: number,
  shortlist: number,
  options: PartitionSearchOptions,
): number {
  const survivors = Math.min(
    count,
    Math.max((count * options.hammingKeepPercent) / 100, options.hammingFloor * shortlist),
  );
  return dims * data.dim + (count * dims) / 16 + survivors * dims + shortlist * data.dim;
}
