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
  const byPartition = new Float64Array(partitions);
  for (let p = 0; p < partitions; p++) {
    let sum = 0;
    const base = p * dim;
    for (let j = 0; j < dim; j++) {
      const diff = query[j]! - centroids[base + j]!;
      sum += diff * diff;
    }
    byPartition[p] = Math.sqrt(sum);
  }
  const order = Uint32Array.from({ length: partitions }, (_, p) => p).sort(
    (a, b) => byPartition[a]! - byPartition[b]! || a - b,
  );
  return { order, distances: Float64Array.from(order, (p) => byPartition[p]!) };
}
