/**
 * The attribute index of a table: per attribute, the rows ordered so that a filter atom's matches are a
 * contiguous run or a few posting lists (issue 11 — a selective filter costs time proportional to its
 * matches, not to the table). Built lazily, per table and per attribute on first use, and kept as long
 * as the table is (a WeakMap), so every filter over a partition's table shares one build:
 * - number → the present rows in value order (`values` ascending, ties by row; NaN = missing is left
 *   out), so a range or an equality is a binary search and a slice;
 * - category and tags → posting lists per dictionary code in CSR form, each list ascending;
 * - every kind → the rows holding a value (`present`, for `$exists`).
 * Building costs O(n) per attribute (a stable 8-bit radix sort for numbers: ≈ 2 ms for 60,000 rows).
 * The arrays are shared by every caller: read them, never write them.
 */
import { IndexFormatError } from '../errors/index.ts';
import type { AttributeTable } from './attribute-table.ts';

/** A number attribute's present rows in value order. */
export interface NumberOrder {
  readonly kind: 'number';
  /** The present values, ascending; -0 and 0 are one value (as `===` and `<` have them). */
  readonly values: Float64Array;
  /** `rows[i]` holds `values[i]`; rows of equal values are ascending. */
  readonly rows: Uint32Array;
  /** Rows with a value, ascending. */
  readonly present: Uint32Array;
}

/** A category or tags attribute's rows by dictionary code. */
export interface CodePostings {
  readonly kind: 'category' | 'tags';
  /** Dictionary size + 1 entries: the rows holding code c are `rows[offsets[c] .. offsets[c + 1])`. */
  readonly offsets: Uint32Array;
  /** The posting lists back to back, each ascending. */
  readonly rows: Uint32Array;
  /** Rows with a value (for tags: at least one tag), ascending. */
  readonly present: Uint32Array;
}

export type AttributeIndex = NumberOrder | CodePostings;

const built = new WeakMap<AttributeTable, (AttributeIndex | undefined)[]>();
const everyRow = new WeakMap<AttributeTable, Uint32Array>();

/** The index of one attribute of `table`, built on first use. */
export function attributeIndex(table: AttributeTable, attribute: number): AttributeIndex {
  let byAttribute = built.get(table);
  if (!byAttribute) {
    byAttribute = [];
    built.set(table, byAttribute);
  }
  let index = byAttribute[attribute];
  if (!index) {
    index = buildIndex(table, attribute);
    byAttribute[attribute] = index;
  }
  return index;
}

/** 0..n-1 for the table's n rows (the match-all answer), made once per table. */
export function allRows(table: AttributeTable): Uint32Array {
  let rows = everyRow.get(table);
  if (!rows) {
    rows = new Uint32Array(table.count);
    for (let i = 0; i < rows.length; i++) rows[i] = i;
    everyRow.set(table, rows);
  }
  return rows;
}

/** The rows of code `code` (a view into the postings; empty for a code outside the dictionary). */
export function postingList(postings: CodePostings, code: number): Uint32Array {
  if (!(code >= 0 && code + 1 < postings.offsets.length)) return postings.rows.subarray(0, 0);
  return postings.rows.subarray(postings.offsets[code]!, postings.offsets[code + 1]!);
}

/** First i with `values[i] >= x` (values.length if none); x must not be NaN. */
export function lowerBound(values: Float64Array, x: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < x) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** First i with `values[i] > x` (values.length if none); x must not be NaN. */
export function upperBound(values: Float64Array, x: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! <= x) low = middle + 1;
    else high = middle;
  }
  return low;
}

function buildIndex(table: AttributeTable, attribute: number): AttributeIndex {
  const column = table.column(attribute);
  const n = table.count;
  switch (column.kind) {
    case 'number': {
      const present = presentRows(n, (row) => !Number.isNaN(column.values[row]!));
      const rows = sortByValue(column.values, present);
      const values = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) values[i] = column.values[rows[i]!]!;
      return { kind: 'number', values, rows, present };
    }
    case 'category': {
      const codes = column.codes;
      const present = presentRows(n, (row) => codes[row]! >= 0);
      const offsets = countingOffsets(column.dictionary.length, codes, present.length);
      const next = offsets.slice(0, -1);
      const rows = new Uint32Array(present.length);
      for (let i = 0; i < present.length; i++) {
        const row = present[i]!;
        rows[next[codes[row]!]!++] = row;
      }
      return { kind: 'category', offsets, rows, present };
    }
    case 'tags': {
      const { offsets: starts, codes } = column;
      const present = presentRows(n, (row) => starts[row + 1]! > starts[row]!);
      const offsets = countingOffsets(column.dictionary.length, codes, codes.length);
      const next = offsets.slice(0, -1);
      const rows = new Uint32Array(codes.length);
      for (let row = 0; row < n; row++) {
        for (let i = starts[row]!; i < starts[row + 1]!; i++) rows[next[codes[i]!]!++] = row;
      }
      return { kind: 'tags', offsets, rows, present };
    }
  }
}

function presentRows(n: number, isPresent: (row: number) => boolean): Uint32Array {
  const rows = new Uint32Array(n);
  let count = 0;
  for (let row = 0; row < n; row++) if (isPresent(row)) rows[count++] = row;
  return rows.slice(0, count);
}

/** CSR offsets of a counting sort of `codes` (negative codes, the missing ones, are not counted). */
function countingOffsets(size: number, codes: Int32Array, total: number): Uint32Array {
  const offsets = new Uint32Array(size + 1);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code >= 0) offsets[code + 1]!++;
  }
  for (let code = 0; code < size; code++) offsets[code + 1]! += offsets[code]!;
  if (offsets[size] !== total) {
    throw new IndexFormatError(
      `attribute index: codes inside a dictionary of ${size} entries cover ${offsets[size]} values; expected ${total} (a code outside the dictionary)`,
    );
  }
  return offsets;
}

/**
 * `rows` (ascending, values not NaN) stably sorted by value: an LSD radix sort, 8 bits a pass, on the
 * IEEE 754 bits mapped to unsigned order (negatives flipped whole, positives get the sign bit; -0 is
 * taken as 0). Passes on a byte every key shares are skipped.
 */
function sortByValue(values: Float64Array, rows: Uint32Array): Uint32Array {
  const m = rows.length;
  const high = new Uint32Array(m);
  const low = new Uint32Array(m);
  const scratch = new Float64Array(1);
  const words = new Uint32Array(scratch.buffer);
  // Little-endian word order: words[0] is the low half. Typed arrays use the platform's endianness, and
  // every platform Node runs on is little-endian; the check keeps a big-endian one from sorting wrong.
  scratch[0] = 1;
  if (words[1] !== 0x3ff00000) throw new Error('attribute index: expected a little-endian platform');
  for (let i = 0; i < m; i++) {
    const x = values[rows[i]!]!;
    scratch[0] = x === 0 ? 0 : x;
    let h = words[1]!;
    let l = words[0]!;
    if (h >>> 31) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    high[i] = h;
    low[i] = l;
  }
  // Sort positions 0..m-1 (keys are by position), then map back to rows.
  let order = new Uint32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  let next = new Uint32Array(m);
  const counts = new Uint32Array(256);
  for (let pass = 0; pass < 8; pass++) {
    const keys = pass < 4 ? low : high;
    const shift = (pass & 3) * 8;
    counts.fill(0);
    for (let i = 0; i < m; i++) counts[(keys[i]! >>> shift) & 0xff]!++;
    if (m === 0 || counts[(keys[0]! >>> shift) & 0xff] === m) continue;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const count = counts[b]!;
      counts[b] = sum;
      sum += count;
    }
    for (let i = 0; i < m; i++) {
      const position = order[i]!;
      next[counts[(keys[position]! >>> shift) & 0xff]!++] = position;
    }
    [order, next] = [next, order];
  }
  for (let i = 0; i < m; i++) order[i] = rows[order[i]!]!;
  return order;
}
