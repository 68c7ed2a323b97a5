import { createRng } from '../../../shared/random.ts';

/** Seeded isotropic Gaussian blobs; `sizes[c]` points around centre c, rows grouped by blob. */
export function gaussianBlobs(
  sizes: readonly number[],
  dim: number,
  options: { seed: number; centreSpread: number; sigma: number },
): { vectors: Float32Array; labels: Uint32Array; n: number } {
  const rng = createRng(options.seed);
  const n = sizes.reduce((a, b) => a + b, 0);
  const vectors = new Float32Array(n * dim);
  const labels = new Uint32Array(n);
  let row = 0;
  sizes.forEach((size, c) => {
    const centre = Array.from({ length: dim }, () => rng.normal() * options.centreSpread);
    for (let i = 0; i < size; i++, row++) {
      labels[row] = c;
      for (let d = 0; d < dim; d++) vectors[row * dim + d] = centre[d]! + rng.normal() * options.sigma;
    }
  });
  return { vectors, labels, n };
}

/** Σ‖x − centroid(assignment)‖², in float64. */
export function inertia(
  vectors: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  assignment: Uint32Array,
): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c0 = assignment[i]! * dim;
    for (let d = 0; d < dim; d++) {
      const diff = vectors[i * dim + d]! - centroids[c0 + d]!;
      total += diff * diff;
    }
  }
  return total;
}

/** Plain (unconstrained) Lloyd's k-means from k distinct random points, best of `restarts`: the baseline. */
export function plainKMeansInertia(
  vectors: Float32Array,
  n: number,
  dim: number,
  k: number,
  seed: number,
  restarts = 3,
): number {
  const rng = createRng(seed);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < restarts; r++) {
    const centroids = new Float32Array(k * dim);
    const picked = new Set<number>();
    while (picked.size < k) picked.add(rng.int(n));
    [...picked].forEach((row, j) => {
      centroids.set(vectors.subarray(row * dim, row * dim + dim), j * dim);
    });
    const assignment = new Uint32Array(n);
    for (let iteration = 0; iteration < 100; iteration++) {
      let changed = false;
      for (let i = 0; i < n; i++) {
        let nearest = 0;
        let nearestDistance = Number.POSITIVE_INFINITY;
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += (vectors[i * dim + d]! - centroids[j * dim + d]!) ** 2;
          if (s < nearestDistance) [nearest, nearestDistance] = [j, s];
        }
        if (assignment[i] !== nearest || iteration === 0) changed = true;
        assignment[i] = nearest;
      }
      if (!changed) break;
      const sums = new Float64Array(k * dim);
      const counts = new Uint32Array(k);
      for (let i = 0; i < n; i++) {
        counts[assignment[i]!]!++;
        for (let d = 0; d < dim; d++) sums[assignment[i]! * dim + d]! += vectors[i * dim + d]!;
      }
      for (let j = 0; j < k; j++) {
        if (counts[j]! > 0)
          for (let d = 0; d < dim; d++) centroids[j * dim + d] = sums[j * dim + d]! / counts[j]!;
      }
    }
    best = Math.min(best, inertia(vectors, n, dim, centroids, assignment));
  }
  return best;
}
