/** Partitions in ascending distance from the query to their centroid (ties by partition number). */
export interface PartitionOrder {
  readonly order: Uint32Array;
  /** Euclidean centroid distance of order[i]. */
  readonly distances: Float64Array;
}

export function orderPartitions(
  centroids: Float32Array,
  partitions: number,
  dim: number,
  query: Float32Array,
): PartitionOrder {
  const byPartition = centroidDistances(centroids, partitions, dim, query);
  const order = Uint32Array.from({ length: partitions }, (_, p) => p).sort(
    (a, b) => byPartition[a]! - byPartition[b]! || a - b,
  );
  return { order, distances: Float64Array.from(order, (p) => byPartition[p]!) };
}

/**
 * Euclidean distance from the query to every centroid. Four centroids per pass share each load of the
 * query and keep four independent sums in flight (each sum adds its terms in coordinate order).
 */
function centroidDistances(centroids: Float32Array, partitions: number, dim: number, query: Float32Array) {
  const distances = new Float64Array(partitions);
  let p = 0;
  for (; p + 4 <= partitions; p += 4) {
    const b0 = p * dim;
    const b1 = b0 + dim;
    const b2 = b1 + dim;
    const b3 = b2 + dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < dim; j++) {
      const q = query[j]!;
      const d0 = q - centroids[b0 + j]!;
      const d1 = q - centroids[b1 + j]!;
      const d2 = q - centroids[b2 + j]!;
      const d3 = q - centroids[b3 + j]!;
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    distances[p] = Math.sqrt(s0);
    distances[p + 1] = Math.sqrt(s1);
    distances[p + 2] = Math.sqrt(s2);
    distances[p + 3] = Math.sqrt(s3);
  }
  for (; p < partitions; p++) {
    let sum = 0;
    const base = p * dim;
    for (let j = 0; j < dim; j++) {
      const diff = query[j]! - centroids[base + j]!;
      sum += diff * diff;
    }
    distances[p] = Math.sqrt(sum);
  }
  return distances;
}
