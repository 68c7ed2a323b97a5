/**
 * One partition as a snapshot sees it (docs/writes.md): its base rows minus those the log hid, plus the
 * log rows assigned to it. The processor's search runs the partition search with the hidden rows taken
 * out of the candidates, scans the partition's log rows exactly (filter on their own attribute values,
 * exact distance) and merges both by exact distance — so a log row is found exactly like a base row
 * that reached the re-rank.
 */

import type { CompiledFilter } from '../attributes/index.ts';
import { permuteInto } from '../search/coordinate-order.ts';
import { squaredL2Bounded } from '../search/distance.ts';
import type { PartitionData } from '../search/partition-data.ts';
import {
  type PartitionQuery,
  type PartitionQueryResult,
  type PartitionSearchOptions,
  searchPartition,
} from '../search/partition-search.ts';
import { workspaceOf } from '../search/partition-workspace.ts';
import { TopK } from '../search/top-k.ts';
import type { LogRow, LogView } from './log-view.ts';

export interface PartitionSnapshot {
  /** Local rows hidden at the snapshot (1 = hidden), or undefined when none is. */
  readonly hidden: Uint8Array | undefined;
  /** The partition's log rows visible at the snapshot. */
  readonly logRows: readonly LogRow[];
  /**
   * Their vectors, row-major logRows.length × dim, coordinates in the partition's `coordinateOrder` (as
   * its own vectors), so the bounded distance gives up after the highest-variance coordinates.
   */
  readonly logVectors: Float32Array;
  /** The log rows a filter matches (indices into logRows), evaluated once per compiled filter. */
  matching(filter: CompiledFilter): Uint32Array;
}

const NO_ROWS = new Uint32Array(0);
const EMPTY: PartitionSnapshot = {
  hidden: undefined,
  logRows: [],
  logVectors: new Float32Array(0),
  matching: () => NO_ROWS,
};

/** A snapshot of partition `data` with these log rows (and hidden rows). */
export function snapshotOf(
  data: PartitionData,
  hidden: Uint8Array | undefined,
  logRows: readonly LogRow[],
): PartitionSnapshot {
  if (hidden === undefined && logRows.length === 0) return EMPTY;
  const logVectors = new Float32Array(logRows.length * data.dim);
  logRows.forEach((row, i) => {
    permuteInto(row.vector, 0, data.coordinateOrder, logVectors, i * data.dim);
  });
  const matches = new WeakMap<CompiledFilter, Uint32Array>();
  return {
    hidden,
    logRows,
    logVectors,
    matching: (filter) => {
      let rows = matches.get(filter);
      if (!rows) {
        const found: number[] = [];
        logRows.forEach((row, i) => {
          if (filter.matchesRecord(row.attributes)) found.push(i);
        });
        rows = Uint32Array.from(found);
        matches.set(filter, rows);
      }
      return rows;
    },
  };
}

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
  const snapshot = snapshotOf(
    data,
    hiddenRows(view, data, idKeyOf, at),
    view.partitionRows(data.partition, at),
  );
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
  const { logRows, logVectors } = snapshot;
  const rows = query.filter.matchesAll ? undefined : snapshot.matching(query.filter);
  const scanned = rows ? rows.length : logRows.length;
  if (scanned === 0) return base;
  const top = new TopK(query.k);
  for (const hit of base.hits) top.push(hit.distance, hit.id);
  const dim = data.dim;
  const ordered = workspaceOf(data).orderedQuery(query.vector);
  for (let r = 0; r < scanned; r++) {
    const i = rows ? rows[r]! : r;
    top.push(squaredL2Bounded(ordered, logVectors, i, dim, top.worst), logRows[i]!.ordinal);
  }
  return {
    ...base,
    hits: top.sorted(),
    candidates: base.candidates + scanned,
    reranked: base.reranked + scanned,
  };
}
