import type { Rng } from '../random.ts';

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007): the first centroid is a uniform draw, each next one
 * a point drawn with probability proportional to its squared distance to the nearest centroid chosen
 * so far. When every point coincides with a chosen centroid, the draw falls back to uniform.
 */
export function kMeansPlusPlus(
  vectors: Float32Array,
  n: number,
  dim: number,
  partitions: number,
  rng: Rng,
): Float32Array {
  const centroids = new Float32Array(partitions * dim);
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let chosen = rng.int(n);
  for (let j = 0; j < partitions; j++) {
    if (j > 0) chosen = drawByWeight(nearest, n, rng);
    const c0 = j * dim;
    centroids.set(vectors.subarray(chosen * dim, chosen * dim + dim), c0);
    if (j + 1 < partitions) lowerNearest(vectors, n, dim, centroids, c0, nearest);
  }
  return centroids;
}

function lowerNearest(
  vectors: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  c0: number,
  nearest: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const x0 = i * dim;
    let sum = 0;
    for (let d = 0; d < dim; d++) {
      const diff = vectors[x0 + d]! - centroids[c0 + d]!;
      sum += diff * diff;
    }
    if (sum < nearest[i]!) nearest[i] = sum;
  }
}

function drawByWeight(weights: Float64Array, n: number, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i]!;
  if (!(total > 0)) return rng.int(n);
  const target = rng.next() * total;
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    cumulative += w;
    last = i;
    if (cumulative > target) return i;
  }
  return last; // rounding left the target just above the running sum
}
