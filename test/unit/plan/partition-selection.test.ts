import { describe, expect, it } from 'vitest';
import { orderPartitions } from '../../../shared/plan/partition-order.ts';
import { selectPartitions } from '../../../shared/plan/partition-selection.ts';

describe('partition selection', () => {
  // Four centroids on a line at 0, 1, 2, 10; the query sits at 0.
  const centroids = Float32Array.from([0, 1, 2, 10]);
  const ranked = orderPartitions(centroids, 4, 1, Float32Array.from([0.1]));

  it('orders partitions by centroid distance', () => {
    expect([...ranked.order]).toEqual([0, 1, 2, 3]);
    expect(ranked.distances[1]).toBeCloseTo(0.9);
  });

  it('takes every partition within the factor, then more until enough matches', () => {
    expect(selectPartitions(ranked, [5, 5, 5, 5], { partitionFactor: 10, minMatches: 1 })).toEqual([0, 1]);
    expect(selectPartitions(ranked, [5, 5, 5, 5], { partitionFactor: 1, minMatches: 12 })).toEqual([0, 1, 2]);
  });

  it('never selects a partition without matches', () => {
    expect(selectPartitions(ranked, [0, 3, 0, 9], { partitionFactor: 1, minMatches: 10 })).toEqual([1, 3]);
  });

  it('stops at the last partition with matches when fewer than minMatches exist', () => {
    expect(selectPartitions(ranked, [1, 0, 0, 1], { partitionFactor: 1, minMatches: 10 })).toEqual([0, 3]);
  });
});
