import { coordinateVariances } from '../coordinate-variances.ts';

/**
 * Writes the mean of each partition's members into `next` (float64 sums, rounded to float32) and
 * returns the total squared shift Σ_p ‖next_p − previous_p‖². Every partition is non-empty (the size
 * bounds have a minimum of 1).
 */
export function updateCentroids(
  vectors: Float32Array,
  n: number,
  dim: number,
  assignment: Uint32Array,
  sizes: Uint32Array,
  sums: Float64Array,
  previous: Float32Array,
  next: Float32Array,
): number {
  sums.fill(0);
  for (let i = 0; i < n; i++) {
    const x0 = i * dim;
    const s0 = assignment[i]! * dim;
    for (let d = 0; d < dim; d++) sums[s0 + d]! += vectors[x0 + d]!;
  }
  let shift = 0;
  const partitions = sizes.length;
  for (let p = 0; p < partitions; p++) {
    const size = sizes[p]!;
    const c0 = p * dim;
    for (let d = 0; d < dim; d++) {
      const mean = Math.fround(sums[c0 + d]! / size);
      const diff = mean - previous[c0 + d]!;
      shift += diff * diff;
      next[c0 + d] = mean;
    }
  }
  return shift;
}

/** Mean over dimensions of the per-dimension variance: the scale of the convergence tolerance. */
export function meanVariance(vectors: Float32Array, n: number, dim: number): number {
  return coordinateVariances(vectors, n, dim).reduce((total, variance) => total + variance, 0) / dim;
}
