/**
 * What the write log changes in one base version (docs/writes.md "How readers apply the log"), for any
 * snapshot `at` (a sequence between the version's `logThrough` and the last applied entry). Every
 * function builds the same view from the same immutable entries, so a whole invocation tree agrees on
 * one snapshot without shipping it.
 *
 * - Log rows: every upsert becomes a row with the next ordinal after the base's N (in log order), a
 *   prepared vector and the partition of its nearest centroid. A row is visible from its sequence
 *   (`from`) until the sequence that replaced or deleted it (`until`, Infinity while it lives).
 * - Base rows: a base row is hidden from the first sequence that upserted or deleted its id
 *   (`baseHiddenAt`), or from the first delete by filter that matches it (`filterDeletes`, applied to a
 *   partition's raw attributes by whoever holds them).
 *
 * Entries are applied in sequence order; a snapshot older than the last applied entry reads the same
 * view through `from`/`until`, so concurrent requests at different snapshots share one view.
 */
import type { AttributeValue, CompiledFilter } from '../attributes/index.ts';
import { IndexFormatError } from '../errors/index.ts';
import type { ExternalId } from '../format/index.ts';
import { type MetricSpace, prepareRow } from '../metric.ts';
import { entryRows, type LogEntry } from './log-entry.ts';

export interface LogRow {
  readonly ordinal: number;
  readonly id: ExternalId;
  /** Metric-prepared, stored dimension, coordinates in natural order. */
  readonly vector: Float32Array;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly partition: number;
  /** The sequence that wrote it. */
  readonly from: number;
  /** The sequence that replaced or deleted it; Infinity while it lives. */
  until: number;
}

/** What the view needs of its base version. */
export interface LogBase {
  /** Rows in the base version (N): log rows take ordinals N, N+1, … */
  readonly count: number;
  /** The last sequence folded into the base version (0: none). */
  readonly logThrough: number;
  readonly space: MetricSpace;
  readonly partitions: number;
  /** P × storedDim, row-major. */
  readonly centroids: Float32Array;
  compileFilter(json: unknown): CompiledFilter;
}

export class LogView {
  #appliedThrough: number;
  readonly #rows: LogRow[] = [];
  readonly #byPartition: LogRow[][];
  /** Id key → its newest row, while it lives. */
  readonly #live = new Map<string, LogRow>();
  /** Id key → the first sequence that hid the base row with that id (upsert or delete). */
  readonly #baseHidden = new Map<string, number>();
  readonly #filterDeletes: { readonly sequence: number; readonly filter: CompiledFilter }[] = [];
  /** Rows (entryRows) of each applied entry, by sequence − logThrough − 1. */
  readonly #entryRows: number[] = [];

  constructor(readonly base: LogBase) {
    this.#appliedThrough = base.logThrough;
    this.#byPartition = Array.from({ length: base.partitions }, () => []);
  }

  get appliedThrough(): number {
    return this.#appliedThrough;
  }

  /** True when no entry after the base's `logThrough` has been applied up to `at`. */
  isEmptyAt(at: number): boolean {
    return at <= this.base.logThrough;
  }

  apply(entry: LogEntry): void {
    const sequence = entry.sequence;
    if (sequence !== this.#appliedThrough + 1) {
      throw new TypeError(
        `log entry ${sequence} applied after ${this.#appliedThrough}; expected ${this.#appliedThrough + 1}`,
      );
    }
    for (const id of entry.deleteIds) this.#hide(idKey(id), sequence);
    if (entry.deleteFilter !== undefined) {
      const filter = this.base.compileFilter(entry.deleteFilter);
      this.#filterDeletes.push({ sequence, filter });
      for (const [key, row] of this.#live) {
        if (filter.matchesRecord(row.attributes)) {
          row.until = sequence;
          this.#live.delete(key);
        }
      }
    }
    entry.upserts.forEach((upsert, i) => {
      const key = idKey(upsert.id);
      this.#hide(key, sequence);
      let vector: Float32Array;
      try {
        vector = prepareRow(this.base.space, upsert.vector);
      } catch (error) {
        throw new IndexFormatError(`write-log entry ${sequence}, upserts[${i}]: ${(error as Error).message}`);
      }
      const row: LogRow = {
        ordinal: this.base.count + this.#rows.length,
        id: upsert.id,
        vector,
        attributes: upsert.attributes,
        partition: this.#nearestCentroid(vector),
        from: sequence,
        until: Number.POSITIVE_INFINITY,
      };
      this.#rows.push(row);
      this.#byPartition[row.partition]!.push(row);
      this.#live.set(key, row);
    });
    this.#entryRows.push(entryRows(entry));
    this.#appliedThrough = sequence;
  }

  /** The log row with this ordinal (≥ N), if any. */
  row(ordinal: number): LogRow | undefined {
    return this.#rows[ordinal - this.base.count];
  }

  /** Log rows of partition p visible at `at`. */
  partitionRows(partition: number, at: number): LogRow[] {
    return (this.#byPartition[partition] ?? []).filter((row) => visible(row, at));
  }

  /** Every log row visible at `at`, in ordinal order. */
  visibleRows(at: number): LogRow[] {
    return this.#rows.filter((row) => visible(row, at));
  }

  /** True when the base row whose id has key `key` was hidden by id (upsert or delete) at or before `at`. */
  baseHiddenById(key: string, at: number): boolean {
    const sequence = this.#baseHidden.get(key);
    return sequence !== undefined && sequence <= at;
  }

  /** True when some base row may be hidden at `at` (by id or by filter). */
  hidesBaseRowsAt(at: number): boolean {
    if (this.#filterDeletes.some((entry) => entry.sequence <= at)) return true;
    for (const sequence of this.#baseHidden.values()) if (sequence <= at) return true;
    return false;
  }

  /** Deletes by filter at or before `at`, in sequence order. */
  filterDeletesThrough(at: number): CompiledFilter[] {
    return this.#filterDeletes.filter((entry) => entry.sequence <= at).map((entry) => entry.filter);
  }

  /** Rows (upserts + deleted ids + filter deletes) of the entries after the base, through `at`. */
  rowsThrough(at: number): number {
    let rows = 0;
    const last = Math.min(at, this.#appliedThrough) - this.base.logThrough;
    for (let i = 0; i < last; i++) rows += this.#entryRows[i]!;
    return rows;
  }

  #hide(key: string, sequence: number): void {
    const row = this.#live.get(key);
    if (row) {
      row.until = sequence;
      this.#live.delete(key);
    }
    if (!this.#baseHidden.has(key)) this.#baseHidden.set(key, sequence);
  }

  #nearestCentroid(vector: Float32Array): number {
    const { centroids, partitions, space } = this.base;
    const dim = space.storedDim;
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let p = 0; p < partitions; p++) {
      let distance = 0;
      for (let j = 0; j < dim; j++) {
        const d = vector[j]! - centroids[p * dim + j]!;
        distance += d * d;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = p;
      }
    }
    return best;
  }
}

export function visible(row: LogRow, at: number): boolean {
  return row.from <= at && row.until > at;
}

/** The one spelling of an id inside the view (an index's ids are all strings or all integers). */
export function idKey(id: ExternalId): string {
  return String(id);
}
