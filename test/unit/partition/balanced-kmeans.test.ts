import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { balancedKMeans } from '../../../shared/partition/index.ts';
import { createRng } from '../../../shared/random.ts';
import { gaussianBlobs, inertia, plainKMeansInertia } from './gaussian-blobs.ts';

/** The DESIGN §3.1 bounds, written out independently of the implementation's helper. */
function expectBalanced(sizes: Uint32Array, assignment: Uint32Array, n: number, partitions: number): void {
  const low = Math.floor((0.9 * n) / partitions);
  const high = Math.ceil((1.1 * n) / partitions);
  expect(sizes.length).toBe(partitions);
  expect(assignment.length).toBe(n);
  const counted = new Uint32Array(partitions);
  for (const p of assignment) {
    expect(p).toBeLessThan(partitions);
    counted[p]!++;
  }
  expect(counted).toEqual(sizes);
  for (const size of sizes) {
    expect(size).toBeGreaterThanOrEqual(Math.max(1, low));
    expect(size).toBeLessThanOrEqual(high);
  }
}

/** Very unequal natural clusters, so that the capacity constraints bind. */
function skewedData(n: number, dim: number, seed: number): Float32Array {
  const weights = [0.6, 0.2, 0.1, 0.05, 0.05];
  const sizes = weights.map((w) => Math.floor(w * n));
  sizes[0]! += n - sizes.reduce((a, b) => a + b, 0);
  return gaussianBlobs(sizes, dim, { seed, centreSpread: 5, sigma: 1 }).vectors;
}

function expectCentroidsAreMemberMeans(
  vectors: Float32Array,
  dim: number,
  result: { centroids: Float32Array; assignment: Uint32Array; sizes: Uint32Array },
): void {
  const sums = new Float64Array(result.centroids.length);
  result.assignment.forEach((p, i) => {
    for (let d = 0; d < dim; d++) sums[p * dim + d]! += vectors[i * dim + d]!;
  });
  const means = sums.map((s, k) => Math.fround(s / result.sizes[Math.floor(k / dim)]!));
  expect(Array.from(result.centroids)).toEqual(Array.from(Float32Array.from(means)));
}

describe('balancedKMeans', () => {
  it.each([
    [1000, 7],
    [1001, 10],
    [997, 16],
    [500, 1],
    [97, 13],
    [640, 64],
    [64, 64],
  ])('keeps every partition of %i skewed points into %i within [⌊0.9·N/P⌋, ⌈1.1·N/P⌉]', (n, partitions) => {
    const dim = 6;
    const vectors = skewedData(n, dim, n + partitions);
    const result = balancedKMeans(vectors, n, dim, { partitions, seed: 3 });
    expectBalanced(result.sizes, result.assignment, n, partitions);
    expect(result.centroids.length).toBe(partitions * dim);
    expectCentroidsAreMemberMeans(vectors, dim, result);
  });

  it('trains on a sample and still balances and assigns all points', () => {
    const n = 6000;
    const dim = 8;
    const vectors = skewedData(n, dim, 11);
    const result = balancedKMeans(vectors, n, dim, { partitions: 12, seed: 5, sampleSize: 600 });
    expectBalanced(result.sizes, result.assignment, n, 12);
    expectCentroidsAreMemberMeans(vectors, dim, result);
  });

  it('is deterministic for a seed and depends on it', () => {
    const n = 3000;
    const dim = 10;
    const { vectors } = gaussianBlobs([700, 800, 500, 1000], dim, { seed: 9, centreSpread: 2, sigma: 1 });
    const run = (seed: number) => balancedKMeans(vectors, n, dim, { partitions: 9, seed, sampleSize: 1000 });
    const a = run(42);
    const b = run(42);
    expect(Buffer.from(b.centroids.buffer)).toEqual(Buffer.from(a.centroids.buffer));
    expect(Buffer.from(b.assignment.buffer)).toEqual(Buffer.from(a.assignment.buffer));
    expect(b.sizes).toEqual(a.sizes);
    expect(Buffer.from(run(43).assignment.buffer)).not.toEqual(Buffer.from(a.assignment.buffer));
  });

  it('recovers equal-sized, well-separated blobs exactly', () => {
    const blobs = 8;
    const dim = 16;
    const { vectors, labels, n } = gaussianBlobs(new Array(blobs).fill(250), dim, {
      seed: 21,
      centreSpread: 10,
      sigma: 0.5,
    });
    const result = balancedKMeans(vectors, n, dim, { partitions: blobs, seed: 1 });
    const partitionOfBlob = new Map<number, number>();
    labels.forEach((blob, i) => {
      if (!partitionOfBlob.has(blob)) partitionOfBlob.set(blob, result.assignment[i]!);
      expect(result.assignment[i]).toBe(partitionOfBlob.get(blob));
    });
    expect(new Set(partitionOfBlob.values()).size).toBe(blobs);
    expect(Array.from(result.sizes)).toEqual(new Array(blobs).fill(250));
  });

  it('costs little inertia over plain k-means on balanced-ish data', () => {
    const dim = 8;
    const { vectors, n } = gaussianBlobs([300, 350, 250, 300, 280, 320], dim, {
      seed: 4,
      centreSpread: 3,
      sigma: 1,
    });
    for (const partitions of [6, 12]) {
      const balanced = balancedKMeans(vectors, n, dim, { partitions, seed: 8 });
      const constrained = inertia(vectors, n, dim, balanced.centroids, balanced.assignment);
      const plain = plainKMeansInertia(vectors, n, dim, partitions, 8);
      expect(constrained / plain).toBeLessThan(1.15);
    }
  });

  it('reports each Lloyd iteration and stops at maxIterations', () => {
    const { vectors, n } = gaussianBlobs([200, 200], 4, { seed: 2, centreSpread: 1, sigma: 1 });
    const seen: number[] = [];
    const result = balancedKMeans(vectors, n, 4, {
      partitions: 5,
      seed: 1,
      maxIterations: 3,
      tolerance: 0,
      onProgress: (iteration) => seen.push(iteration),
    });
    expect(result.iterations).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('balances identical points (every distance ties)', () => {
    const n = 103;
    const result = balancedKMeans(new Float32Array(n * 3).fill(1.5), n, 3, { partitions: 10, seed: 0 });
    expectBalanced(result.sizes, result.assignment, n, 10);
  });

  it('rejects bad input with a typed error naming the problem', () => {
    const rng = createRng(1);
    const vectors = Float32Array.from({ length: 40 }, () => rng.normal());
    const call = (n: number, dim: number, options: Parameters<typeof balancedKMeans>[3]) => () =>
      balancedKMeans(vectors, n, dim, options);
    expect(call(10, 4, { partitions: 11, seed: 1 })).toThrow(InvalidInputError);
    expect(call(10, 4, { partitions: 11, seed: 1 })).toThrow(
      'partitions must be an integer in [1, 10] (the number of vectors), got 11',
    );
    expect(call(10, 4, { partitions: 0, seed: 1 })).toThrow('got 0');
    expect(call(11, 4, { partitions: 2, seed: 1 })).toThrow(
      'vectors hold 40 floats, expected at least n·dim = 11·4 = 44',
    );
    expect(call(10, 4, { partitions: 2, seed: 1.5 })).toThrow('seed must be an integer, got 1.5');
    expect(call(10, 4, { partitions: 2, seed: 1, maxIterations: 0 })).toThrow(
      'maxIterations must be a positive integer, got 0',
    );
    expect(call(10, 4, { partitions: 2, seed: 1, tolerance: -1 })).toThrow(
      'tolerance must be a finite number ≥ 0, got -1',
    );
    expect(call(10, 4, { partitions: 4, seed: 1, sampleSize: 3 })).toThrow(
      'sampleSize must be an integer ≥ partitions (4), got 3',
    );
    vectors[4 * 7 + 2] = Number.NaN;
    expect(call(10, 4, { partitions: 2, seed: 1 })).toThrow(
      new InvalidInputError('vector 7 has a non-finite value (NaN) at dimension 2'),
    );
  });
});
