import type { Rng } from '../random.ts';

/**
 * `size` distinct rows of `vectors` drawn uniformly (partial Fisher–Yates), copied in ascending row
 * order into a new contiguous array.
 */
export function sampleRows(
  vectors: Float32Array,
  n: number,
  dim: number,
  size: number,
  rng: Rng,
): Float32Array {
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    const row = rows[j]!;
    rows[j] = rows[i]!;
    rows[i] = row;
  }
  const chosen = rows.subarray(0, size).sort();
  const sample = new Float32Array(size * dim);
  for (let i = 0; i < size; i++) {
    const from = chosen[i]! * dim;
    sample.set(vectors.subarray(from, from + dim), i * dim);
  }
  return sample;
}
