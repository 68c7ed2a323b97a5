/**
 * The shortlist of a partition search: the `size` rows of smallest lower bound, ties by row index, in
 * ascending (bound, index) order — what a bounded max-heap on (bound, index) drains to, without a heap
 * operation per row. A non-negative float32's bits order like its value, so one float64 key per row,
 * bits · 2^21 + index, is exact (below 2^52) and orders rows by (bound, index). A histogram of the bits'
 * high part finds the bucket holding the size-th smallest bound; only rows up to that bucket get keys,
 * a selection moves the `size` smallest keys to the front and a sort orders them. Partitions of 2^21
 * rows or more take the heap.
 */
import { type FastScanSums, fastScanKeys } from './fast-scan/fast-scan.ts';
import type { TopK } from './top-k.ts';

const INDEX_SPAN = 2 ** 21;

/** Room for the keys of a partition of `count` rows (none when it takes the heap). */
export function shortlistKeys(count: number): Float64Array {
  return new Float64Array(count < INDEX_SPAN ? count : 0);
}

/**
 * Writes the `size` smallest of `bounds[0..count)` (ties by index) in ascending order: their indices to
 * `indices`, their bounds (widened to float64) to `out`; returns how many (min(size, count), or fewer
 * when fewer bounds are at most `cut`: rows above it may be listed, but every row left out is above it).
 * `bits` views the same memory as `bounds`, whose values must be non-negative (lower bounds are); `keys`
 * comes from `shortlistKeys`, `heap` serves partitions too large for keys.
 */
export function shortlistOf(
  bounds: Float32Array,
  bits: Uint32Array,
  count: number,
  size: number,
  keys: Float64Array,
  heap: TopK,
  indices: Float64Array,
  out: Float64Array,
  cut = Number.POSITIVE_INFINITY,
): number {
  let m = Math.min(size, count);
  if (m === 0) return 0;
  if (count >= INDEX_SPAN) return heapShortlist(bounds, count, m, heap, indices, out, cut);
  const limit = bucketOf(cut);
  const candidates =
    m < count || limit < NO_LIMIT ? belowCut(bits, count, m, keys, limit) : allKeys(bits, count, keys);
  m = sortSmallest(keys, candidates, m);
  for (let s = 0; s < m; s++) {
    const index = keys[s]! % INDEX_SPAN;
    indices[s] = index;
    out[s] = bounds[index]!;
  }
  return m;
}

/**
 * `shortlistOf` over bounds in whole steps (`FastScanSums`: row r's bound is fround(sums[r] · step)), of
 * rows[0..count) or, when `rows` is null, of rows 0..count): the same rows in the same order, as the
 * bounds order like their sums. The kernel finds the candidates (`fastScanKeys`); only the listed rows'
 * bounds are made.
 */
export function shortlistOfSums(
  fastScan: FastScanSums,
  rows: Uint32Array | null,
  count: number,
  size: number,
  heap: TopK,
  indices: Float64Array,
  out: Float64Array,
  cut = Number.POSITIVE_INFINITY,
): number {
  const { sums, step, limit } = fastScan;
  let m = Math.min(size, count);
  if (m === 0) return 0;
  if (count >= INDEX_SPAN) {
    const best = heap.reset(m);
    for (let i = 0; i < count; i++) {
      const bound = Math.fround(sums[rows === null ? i : rows[i]!]! * step);
      if (bound <= cut) best.push(bound, i);
    }
    return best.drainAscending(indices, out);
  }
  // Every row above `cutSum` has a bound above `cut` (the factor covers the float32 rounding).
  const cutSum = step === 0 ? limit : Math.min(limit, Math.floor((cut / step) * (1 + 1e-6)));
  const keys = fastScanKeys(fastScan, rows, count, m, cutSum);
  m = sortSmallest(keys, keys.length, m);
  for (let s = 0; s < m; s++) {
    const key = keys[s]!;
    const index = key % INDEX_SPAN;
    indices[s] = index;
    out[s] = Math.fround(((key - index) / INDEX_SPAN) * step);
  }
  return m;
}

/** Buckets of the histogram: a bound's sign, exponent and 3 leading mantissa bits (12.5 % wide). */
const BUCKET_SHIFT = 20;
const histogram = new Uint32Array(2 ** (32 - BUCKET_SHIFT));
const bitsView = new Uint32Array(1);
const floatView = new Float32Array(bitsView.buffer);
/** The bucket of +Infinity, above every finite bound's. */
const NO_LIMIT = bucketOf(Number.POSITIVE_INFINITY);

/** The bucket of the float32 nearest `bound` (rounding keeps every float32 at most `bound` in or below it). */
function bucketOf(bound: number): number {
  return floatBits(bound) >>> BUCKET_SHIFT;
}

function floatBits(value: number): number {
  floatView[0] = value;
  return bitsView[0]!;
}

/**
 * Writes to `keys` the keys of every row whose bucket is at most the bucket holding the m-th smallest
 * bound (so all m smallest and a few more) and at most `limit`, and returns how many: a histogram pass,
 * then a collecting pass, both without data-dependent branches in the first.
 */
function belowCut(bits: Uint32Array, count: number, m: number, keys: Float64Array, limit: number): number {
  let lowest = histogram.length;
  let highest = 0;
  for (let i = 0; i < count; i++) {
    const bucket = bits[i]! >>> BUCKET_SHIFT;
    histogram[bucket]!++;
    if (bucket < lowest) lowest = bucket;
    if (bucket > highest) highest = bucket;
  }
  let cut = lowest;
  let below = histogram[cut]!;
  while (below < m && cut < highest) below += histogram[++cut]!;
  histogram.fill(0, lowest, highest + 1);
  cut = Math.min(cut, limit);
  // Branch-free compaction: always write, advance only when the row is at or below the cut.
  let n = 0;
  for (let i = 0; i < count; i++) {
    const b = bits[i]!;
    keys[n] = b * INDEX_SPAN + i;
    n += +(b >>> BUCKET_SHIFT <= cut);
  }
  return n;
}

function allKeys(bits: Uint32Array, count: number, keys: Float64Array): number {
  for (let i = 0; i < count; i++) keys[i] = bits[i]! * INDEX_SPAN + i;
  return count;
}

/** Puts the `m` smallest of `keys[0..candidates)` first, ascending; returns how many (at most `candidates`). */
function sortSmallest(keys: Float64Array, candidates: number, m: number): number {
  const n = Math.min(m, candidates);
  if (n < candidates) selectSmallest(keys, candidates, n);
  if (n <= INSERTION_SORT_MAX) insertionSort(keys, n);
  else keys.subarray(0, n).sort();
  return n;
}

/** Up to this many shortlisted keys are sorted in place by insertion (fewer moves than a call to sort). */
const INSERTION_SORT_MAX = 64;

function insertionSort(keys: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

/** Rearranges `keys[0..n)` (distinct) so that its `m` smallest come first, in any order (Hoare's select). */
function selectSmallest(keys: Float64Array, n: number, m: number): void {
  const k = m - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    // Median of keys[lo], keys[k], keys[hi] as the pivot.
    const a = keys[lo]!;
    const b = keys[k]!;
    const c = keys[hi]!;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    let i = lo;
    let j = hi;
    do {
      while (keys[i]! < pivot) i++;
      while (pivot < keys[j]!) j--;
      if (i <= j) {
        const t = keys[i]!;
        keys[i] = keys[j]!;
        keys[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) lo = i;
    if (k < i) hi = j;
  }
}

function heapShortlist(
  bounds: Float32Array,
  count: number,
  m: number,
  heap: TopK,
  indices: Float64Array,
  out: Float64Array,
  cut: number,
): number {
  const best = heap.reset(m);
  for (let i = 0; i < count; i++) if (bounds[i]! <= cut) best.push(bounds[i]!, i);
  return best.drainAscending(indices, out);
}
