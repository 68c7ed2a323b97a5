import { dotRows } from '../dot-rows.ts';
import { squaredNorms } from '../partition/distance-kernel.ts';

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
 * Euclidean distance from the query to every centroid, as √(‖q‖² − 2q·c + ‖c‖²) with the centroids'
 * norms computed once per centroid array (an open index's centroids never change): one matrix–vector
 * product per query.
 */
function centroidDistances(centroids: Float32Array, partitions: number, dim: number, query: Float32Array) {
  const norms = centroidNorms(centroids, partitions, dim);
  const distances = new Float64Array(partitions);
  const wide = Float64Array.from(query);
  dotRows(centroids, 0, partitions, dim, wide, 0, distances);
  let queryNorm = 0;
  for (let j = 0; j < dim; j++) queryNorm += wide[j]! * wide[j]!;
  for (let p = 0; p < partitions; p++) {
    distances[p] = Math.sqrt(Math.max(0, queryNorm - 2 * distances[p]! + norms[p]!));
  }
  return distances;
}

const normsByCentroids = new WeakMap<Float32Array, Float64Array>();

function centroidNorms(centroids: Float32Array, partitions: number, dim: number): Float64Array {
  let norms = normsByCentroids.get(centroids);
  if (!norms) {
    norms = new Float64Array(partitions);
    squaredNorms(centroids, partitions, dim, norms);
    normsByCentroids.set(centroids, norms);
  }
  return norms;
}
