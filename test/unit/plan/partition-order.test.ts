import { describe, expect, it } from 'vitest';
import { orderPartitions } from '../../../shared/plan/partition-order.ts';
import { createRng } from '../../../shared/random.ts';

describe('partition order', () => {
  it('ranks every centroid by its exact Euclidean distance, ties by partition number', () => {
    const rng = createRng(21);
    const dim = 9;
    for (const partitions of [1, 3, 4, 7, 13]) {
      const centroids = Float32Array.from({ length: partitions * dim }, () => Math.round(rng.normal() * 2));
      centroids.copyWithin(0, (partitions - 1) * dim, partitions * dim); // a tie: centroid 0 = the last
      const query = Float32Array.from({ length: dim }, () => rng.normal());
      const expected = Array.from({ length: partitions }, (_, p) => {
        let sum = 0;
        for (let j = 0; j < dim; j++) sum += (query[j]! - centroids[p * dim + j]!) ** 2;
        return { p, distance: Math.sqrt(sum) };
      }).sort((a, b) => a.distance - b.distance || a.p - b.p);
      const ranked = orderPartitions(centroids, partitions, dim, query);
      expect(Array.from(ranked.order)).toEqual(expected.map((e) => e.p));
      ranked.distances.forEach((distance, i) => {
        expect(distance).toBeCloseTo(expected[i]!.distance, 9);
      });
    }
  });
});
