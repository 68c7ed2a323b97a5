/**
 * The cells of a quantized number attribute: at most 255 (code 255 is "missing").
 *
 * Few distinct values (≤ 127): POINT cells. Every distinct value v_j gets a cell of its own, code 2j+1,
 * and the open gaps between them get the even codes (2j below v_j, 2m above the last), so the cells
 * still cover every real number. Equality and every comparison are then exact on the training values,
 * and still sound for any other value.
 * Otherwise: INTERVAL cells [c_j, c_{j+1}) cut at the distinct values (≤ 255 of them) or into 255
 * equal-population cells of the non-missing values (cut between distinct values only), with the first cell open to −∞ and the last
 * to +∞. A comparison is then inexact in at most the one cell holding its operand.
 */
export interface NumberCells {
  /** Strictly ascending finite cut values (values seen at training). */
  readonly cuts: Float64Array;
  readonly points: boolean;
}

/** A cell as an interval with inclusive/exclusive ends (±Infinity at the open ends). */
export interface CellRange {
  readonly low: number;
  readonly lowInclusive: boolean;
  readonly high: number;
  readonly highInclusive: boolean;
}

export const MAX_POINT_VALUES = 127;
export const MAX_CELLS = 255;

export function trainNumberCells(column: Float64Array): NumberCells {
  let present = 0;
  for (let i = 0; i < column.length; i++) if (!Number.isNaN(column[i]!)) present++;
  const sorted = new Float64Array(present);
  present = 0;
  for (let i = 0; i < column.length; i++) if (!Number.isNaN(column[i]!)) sorted[present++] = column[i]!;
  sorted.sort();
  const distinct = distinctSorted(sorted, MAX_CELLS + 1);
  if (distinct.length <= MAX_POINT_VALUES) return { cuts: distinct, points: true };
  if (distinct.length <= MAX_CELLS) return { cuts: distinct, points: false };
  return { cuts: equalPopulationCuts(sorted, MAX_CELLS), points: false };
}

/**
 * Cut points of at most `cells` cells holding about equally many values, cutting only between distinct
 * values. A heavy value (more than n/cells rows) gets a cell of its own — cuts at it and at the next
 * distinct value — and the remaining cells split the other values by equal population.
 */
function equalPopulationCuts(sorted: Float64Array, cells: number): Float64Array {
  const n = sorted.length;
  const heavyStarts: number[] = [];
  const heavyEnds: number[] = [];
  const light = new Float64Array(n);
  let lightCount = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && sorted[end] === sorted[start]) end++;
    if (end - start > n / cells) {
      heavyStarts.push(sorted[start]!);
      if (end < n) heavyEnds.push(sorted[end]!);
    } else {
      light.set(sorted.subarray(start, end), lightCount);
      lightCount += end - start;
    }
    start = end;
  }
  // Fewer than `cells` values can be heavy; when their cells alone would use up the budget, cut at their
  // starts only.
  const forced = heavyStarts.length + heavyEnds.length < cells ? [...heavyStarts, ...heavyEnds] : heavyStarts;
  const budget = cells - forced.length;
  const cuts = [...forced];
  for (let j = 0; j < budget && lightCount > 0; j++) cuts.push(light[Math.floor((j * lightCount) / budget)]!);
  return distinctSorted(Float64Array.from(cuts).sort(), cells);
}

/** The distinct values of a sorted array, stopping after `limit` of them. */
function distinctSorted(sorted: Float64Array, limit: number): Float64Array {
  const out = new Float64Array(Math.min(sorted.length, limit));
  let count = 0;
  for (let i = 0; i < sorted.length && count < limit; i++) {
    if (count === 0 || sorted[i]! !== out[count - 1]!) out[count++] = sorted[i]!;
  }
  return out.slice(0, count);
}

export function cellCount(cells: NumberCells): number {
  return cells.points ? 2 * cells.cuts.length + 1 : cells.cuts.length;
}

/** The cell of a finite value. */
export function numberCode(cells: NumberCells, x: number): number {
  const cuts = cells.cuts;
  // Largest j with cuts[j] <= x, or -1.
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cuts[middle]! <= x) low = middle + 1;
    else high = middle;
  }
  const j = low - 1;
  if (j < 0) return 0;
  if (!cells.points) return j;
  return cuts[j] === x ? 2 * j + 1 : 2 * j + 2;
}

export function cellRange(cells: NumberCells, code: number): CellRange {
  const cuts = cells.cuts;
  const m = cuts.length;
  if (cells.points) {
    const j = code >>> 1;
    if (code % 2 === 1) return { low: cuts[j]!, lowInclusive: true, high: cuts[j]!, highInclusive: true };
    return {
      low: j === 0 ? Number.NEGATIVE_INFINITY : cuts[j - 1]!,
      lowInclusive: false,
      high: j === m ? Number.POSITIVE_INFINITY : cuts[j]!,
      highInclusive: false,
    };
  }
  return {
    low: code === 0 ? Number.NEGATIVE_INFINITY : cuts[code]!,
    lowInclusive: code !== 0,
    high: code === m - 1 ? Number.POSITIVE_INFINITY : cuts[code + 1]!,
    highInclusive: false,
  };
}
