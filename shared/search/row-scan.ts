/**
 * The exact scan of a list of rows into a top k, four rows side by side (`squaredL2BoundedQuad`): one
 * row's sum is a chain of dependent additions, so four independent chains keep the floating-point unit
 * busy where one leaves it waiting. Each row's distance is the one `squaredL2Bounded` gives (the same
 * terms in the same order), or, when it cannot enter the top k, a partial sum above the k-th best that
 * the push rejects: the same answer as one row at a time, about three times faster on SIFT's 128
 * dimensions.
 */
import { squaredL2Bounded, squaredL2BoundedQuad } from './distance.ts';
import type { TopK } from './top-k.ts';

const quad = new Uint32Array(4);
const distances = new Float64Array(4);

/**
 * Pushes rows `rows[0..count)` of the row-major `vectors` into `top` with ids `ids[row]`, skipping rows
 * marked in `skip`; returns how many rows it scanned.
 */
export function scanRows(
  query: Float32Array,
  vectors: Float32Array,
  dim: number,
  rows: Uint32Array,
  count: number,
  ids: ArrayLike<number>,
  top: TopK,
  skip?: Uint8Array | null,
): number {
  let size = 0;
  let scanned = 0;
  for (let i = 0; i < count; i++) {
    const row = rows[i]!;
    if (skip?.[row]) continue;
    quad[size++] = row;
    if (size === 4) {
      pushQuad(query, vectors, dim, 4, ids, top);
      scanned += 4;
      size = 0;
    }
  }
  if (size > 0) pushQuad(query, vectors, dim, size, ids, top);
  return scanned + size;
}

/** Pushes the first `size` rows of `quad`; a partial quad repeats its first row (extra sums unused). */
function pushQuad(
  query: Float32Array,
  vectors: Float32Array,
  dim: number,
  size: number,
  ids: ArrayLike<number>,
  top: TopK,
): void {
  if (size === 1) {
    top.push(squaredL2Bounded(query, vectors, quad[0]!, dim, top.worst), ids[quad[0]!]!);
    return;
  }
  for (let t = size; t < 4; t++) quad[t] = quad[0]!;
  squaredL2BoundedQuad(query, vectors, quad, dim, top.worst, distances);
  for (let t = 0; t < size; t++) top.push(distances[t]!, ids[quad[t]!]!);
}
