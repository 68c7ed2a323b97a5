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
  // Insertion sort: a few dozen partitions, and no comparator calls.
  const order = new Uint32Array(partitions);
  const distances = new Float64Array(partitions);
  for (let p = 0; p < partitions; p++) {
    const distance = byPartition[p]!;
    let at = p;
    while (at > 0 && distances[at - 1]! > distance) {
      order[at] = order[at - 1]!;
      distances[at] = distances[at - 1]!;
      at--;
    }
    order[at] = p;
    distances[at] = distance;
  }
  return { order, distances };
}

/**
 * Euclidean distance from the query to every centroid, as √(‖q‖² − 2q·c + ‖c‖²) with the centroids'
 * norms computed once per centroid array (an open index's centroids never change): one matrix–vector
 * product per query.
 */
function centroidDistances(centroids: Float32Array, partitions: number, dim: number, query: Float32Array) {
  const norms = centroidNorms(centroids, partitions, dim);
  const distances = new Float64Array(partitions);
  if (wide.length !== dim) wide = new Float64Array(dim);
  let queryNorm = 0;
  for (let j = 0; j < dim; j++) {
    wide[j] = query[j]!;
    queryNorm += wide[j]! * wide[j]!;
  }
  dotRows(centroids, 0, partitions, dim, wide, 0, distances);
  for (let p = 0; p < partitions; p++) {
    distances[p] = Math.sqrt(Math.max(0, queryNorm - 2 * distances[p]! + norms[p]!));
  }
  return distances;
}

/** The query widened to float64 for `dotRows` (reused: orderPartitions is synchronous). */
let wide = new Float64Array(0);

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
