/**
 * The shortlist of a partition search: the `size` rows of smallest lower bound, ties by row index, in
 * ascending (bound, index) order — what a bounded max-heap on (bound, index) drains to, without a heap
 * operation per row. A non-negative float32's bits order like its value, so one float64 key per row,
 * bits · 2^21 + index, is exact (below 2^52) and orders rows by (bound, index); a selection moves the
 * `size` smallest keys to the front and a typed-array sort orders them. Partitions of 2^21 rows or more
 * take the heap.
 */
import type { TopK } from './top-k.ts';

const INDEX_SPAN = 2 ** 21;

/** Room for the keys of a partition of `count` rows (none when it takes the heap). */
export function shortlistKeys(count: number): Float64Array {
  return new Float64Array(count < INDEX_SPAN ? count : 0);
}

/**
 * Writes the `size` smallest of `bounds[0..count)` (ties by index) in ascending order: their indices to
 * `indices`, their bounds (widened to float64) to `out`; returns how many (min(size, count)).
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
): number {
  const m = Math.min(size, count);
  if (m === 0) return 0;
  if (count >= INDEX_SPAN) return heapShortlist(bounds, count, m, heap, indices, out);
  for (let i = 0; i < count; i++) keys[i] = bits[i]! * INDEX_SPAN + i;
  if (m < count) selectSmallest(keys, count, m);
  const front = keys.subarray(0, m).sort();
  for (let s = 0; s < m; s++) {
    const index = front[s]! % INDEX_SPAN;
    indices[s] = index;
    out[s] = bounds[index]!;
  }
  return m;
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
): number {
  const best = heap.reset(m);
  for (let i = 0; i < count; i++) best.push(bounds[i]!, i);
  return best.drainAscending(indices, out);
}
