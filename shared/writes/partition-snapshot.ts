/**
 * One partition as a snapshot sees it (docs/writes.md): its base rows minus those the log hid, plus the
 * log rows assigned to it. The processor's search runs the partition search with the hidden rows taken
 * out of the candidates, scans the partition's log rows exactly (filter on their own attribute values,
 * exact distance) and merges both by exact distance — so a log row is found exactly like a base row
 * that reached the re-rank.
 */

import { squaredL2 } from '../search/distance.ts';
import type { PartitionData } from '../search/partition-data.ts';
import {
  type PartitionQuery,
  type PartitionQueryResult,
  type PartitionSearchOptions,
  searchPartition,
} from '../search/partition-search.ts';
import { mergeHits, TopK } from '../search/top-k.ts';
import type { LogRow, LogView } from './log-view.ts';

export interface PartitionSnapshot {
  /** Local rows hidden at the snapshot (1 = hidden), or undefined when none is. */
  readonly hidden: Uint8Array | undefined;
  /** The partition's log rows visible at the snapshot. */
  readonly logRows: readonly LogRow[];
}

const EMPTY: PartitionSnapshot = { hidden: undefined, logRows: [] };

const lastSnapshot = new WeakMap<PartitionData, { view: LogView; at: number; snapshot: PartitionSnapshot }>();

/**
 * The snapshot `at` of partition `data` under `view` (undefined view: the base alone). `idKeyOf` gives
 * the id key (`idKey`) of a global ordinal of the base. The last one per partition is kept.
 */
export function partitionSnapshot(
  view: LogView | undefined,
  data: PartitionData,
  idKeyOf: (ordinal: number) => string,
  at: number,
): PartitionSnapshot {
  if (!view || view.isEmptyAt(at)) return EMPTY;
  const cached = lastSnapshot.get(data);
  if (cached && cached.view === view && cached.at === at) return cached.snapshot;
  const snapshot = {
    hidden: hiddenRows(view, data, idKeyOf, at),
    logRows: view.partitionRows(data.partition, at),
  };
  lastSnapshot.set(data, { view, at, snapshot });
  return snapshot;
}

function hiddenRows(
  view: LogView,
  data: PartitionData,
  idKeyOf: (ordinal: number) => string,
  at: number,
): Uint8Array | undefined {
  if (!view.hidesBaseRowsAt(at)) return undefined;
  const hidden = new Uint8Array(data.count);
  let any = false;
  for (let row = 0; row < data.count; row++) {
    if (view.baseHiddenById(idKeyOf(data.ids[row]!), at)) {
      hidden[row] = 1;
      any = true;
    }
  }
  for (const filter of view.filterDeletesThrough(at)) {
    const matches = filter.exactMask(data.attributes);
    for (let row = 0; row < data.count; row++) {
      if (matches[row]) {
        hidden[row] = 1;
        any = true;
      }
    }
  }
  return any ? hidden : undefined;
}

/** `searchPartition` over the snapshot: base rows not hidden, and the partition's log rows exactly. */
export function searchPartitionAt(
  data: PartitionData,
  snapshot: PartitionSnapshot,
  query: PartitionQuery,
  options?: PartitionSearchOptions,
): PartitionQueryResult {
  const base = searchPartition(data, query, options, snapshot.hidden);
  if (snapshot.logRows.length === 0) return base;
  const top = new TopK(query.k);
  let candidates = 0;
  for (const row of snapshot.logRows) {
    if (!query.filter.matchesAll && !query.filter.matchesRecord(row.attributes)) continue;
    candidates++;
    top.push(squaredL2(query.vector, row.vector, 0, row.vector.length), row.ordinal);
  }
  return {
    ...base,
    hits: mergeHits([base.hits, top.sorted()], query.k),
    candidates: base.candidates + candidates,
    reranked: base.reranked + candidates,
  };
}
