import { describe, expect, it } from 'vitest';
import {
  partialDistancesOfPair,
  partialDistancesToCentroid,
  squaredNorms,
} from '../../../shared/partition/distance-kernel.ts';
import { createRng } from '../../../shared/random.ts';

describe('distance kernels', () => {
  const rng = createRng(17);
  const dim = 11;
  const count = 7; // not a multiple of the 4-row block
  const partitions = 6; // not a multiple of the 4-centroid block
  const vectors = Float32Array.from({ length: count * dim }, () => rng.normal() * 3);
  const centroids = Float32Array.from({ length: partitions * dim }, () => rng.normal() * 3);
  const norms = new Float64Array(partitions);
  squaredNorms(centroids, partitions, dim, norms);

  it('give ‖x − c‖² − ‖x‖² for every row and centroid', () => {
    const pair = new Float64Array(2 * partitions);
    for (let i = 0; i < count; i++) {
      partialDistancesOfPair(vectors, i, (i + 3) % count, dim, centroids, norms, partitions, pair);
      for (let p = 0; p < partitions; p++) {
        let full = 0;
        let own = 0;
        for (let d = 0; d < dim; d++) {
          full += (vectors[i * dim + d]! - centroids[p * dim + d]!) ** 2;
          own += vectors[i * dim + d]! ** 2;
        }
        expect(pair[p]).toBeCloseTo(full - own, 9);
      }
    }
  });

  it('agree bit for bit between the pair kernel and the one-centroid kernel', () => {
    const pair = new Float64Array(2 * partitions);
    const column = new Float64Array(count);
    for (let p = 0; p < partitions; p++) {
      partialDistancesToCentroid(vectors, count, dim, centroids, norms, p, column);
      for (let i = 0; i < count; i += 2) {
        const b = Math.min(i + 1, count - 1);
        partialDistancesOfPair(vectors, i, b, dim, centroids, norms, partitions, pair);
        expect(column[i]).toBe(pair[p]);
        expect(column[b]).toBe(pair[partitions + p]);
      }
    }
  });
});
