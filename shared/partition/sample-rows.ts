import type { Rng } from '../random.ts';

/**
 * `size` distinct rows of `n` drawn uniformly by a partial Fisher–Yates shuffle, ascending. Only the
 * positions the shuffle touches are stored, so memory is O(size) however large `n` is (a streaming
 * build samples 10⁷ rows with this); the draws are those of the shuffle over a full array.
 */
export function chooseSampleRows(n: number, size: number, rng: Rng): Uint32Array {
  const swapped = new Map<number, number>();
  const chosen = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    const row = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    chosen[i] = row;
  }
  return chosen.sort();
}

/** The given rows of `vectors` (ascending ordinals), copied into a new contiguous array. */
export function gatherRows(vectors: Float32Array, dim: number, rows: Uint32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i]! * dim;
    out.set(vectors.subarray(from, from + dim), i * dim);
  }
  return out;
}
