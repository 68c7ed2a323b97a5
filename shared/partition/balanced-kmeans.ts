import { InvalidInputError } from '../errors/errors.ts';
import { createRng, type Rng } from '../random.ts';
import { AssignmentWorkspace, assignWithCapacity } from './capacity-assignment.ts';
import { meanVariance, updateCentroids } from './centroid-update.ts';
import { kMeansPlusPlus } from './kmeans-plus-plus.ts';
import { chooseSampleRows, gatherRows } from './sample-rows.ts';
import { partitionSizeBounds } from './size-bounds.ts';

/**
 * Balanced k-means (DESIGN §3.1): k-means++ seeding and Lloyd iterations whose assignment step is
 * capacity-constrained (capacity-assignment.ts), so that every partition holds between ⌊0.9·N/P⌋ and
 * ⌈1.1·N/P⌉ points.
 *
 * For speed the centroids are trained on a seeded sample of at most `sampleSize` points (faiss trains
 * on at most 256 points per centroid for the same reason); one final capacity-constrained assignment
 * then covers all N points, and the returned centroids are the means of the returned partitions. With
 * N ≤ sampleSize every iteration runs on all points and no extra pass is made.
 *
 * Deterministic for a seed: the only draws are the sample and the seeding; ties are broken by index.
 */
export interface BalancedKMeansOptions {
  /** Number of partitions P, 1 ≤ P ≤ N. */
  readonly partitions: number;
  readonly seed: number;
  /** Lloyd iterations at most. @default 30 (the reference's `max_iter`) */
  readonly maxIterations?: number;
  /**
   * Stop once the total squared centroid shift of an iteration is at most `tolerance` × the mean
   * per-dimension variance of the training points (scikit-learn's rule). 0 runs until nothing moves.
   * @default 1e-4 (the reference's `tol`)
   */
  readonly tolerance?: number;
  /**
   * Points the centroids are trained on. Larger is closer to training on everything and slower:
   * each iteration costs sampleSize·P·D multiply-adds.
   * @default max(256·P, 10 000), at most N
   */
  readonly sampleSize?: number;
  /** Called after each Lloyd iteration with its 1-based number. */
  readonly onProgress?: (iteration: number) => void;
}

export interface BalancedKMeansResult {
  /** P×D row-major, raw vector space: the mean of each partition's members. */
  readonly centroids: Float32Array;
  /** Partition of each of the N points. */
  readonly assignment: Uint32Array;
  /** Points per partition. */
  readonly sizes: Uint32Array;
  /** Lloyd iterations run. */
  readonly iterations: number;
}

export const DEFAULT_MAX_ITERATIONS = 30;
export const DEFAULT_TOLERANCE = 1e-4;

export function defaultSampleSize(n: number, partitions: number): number {
  return Math.min(n, Math.max(256 * partitions, 10_000));
}

export function balancedKMeans(
  vectors: Float32Array,
  n: number,
  dim: number,
  options: BalancedKMeansOptions,
): BalancedKMeansResult {
  const { partitions, seed, onProgress } = options;
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const sampleSize = Math.min(n, options.sampleSize ?? defaultSampleSize(n, partitions));
  validate(vectors, n, dim, options, maxIterations, tolerance);

  const rng = createRng(seed);
  const sampled = sampleSize < n;
  const training = sampled ? gatherRows(vectors, dim, chooseSampleRows(n, sampleSize, rng)) : vectors;
  const m = sampled ? sampleSize : n;
  const trained = trainCentroids(training, m, dim, { partitions, maxIterations, tolerance, onProgress }, rng);
  let { centroids, assignment, sizes } = trained;
  const { iterations } = trained;

  if (sampled) {
    const work = new AssignmentWorkspace(n, partitions);
    assignment = new Uint32Array(n);
    sizes = new Uint32Array(partitions);
    assignWithCapacity(
      vectors,
      n,
      dim,
      centroids,
      partitionSizeBounds(n, partitions),
      work,
      assignment,
      sizes,
    );
    const next = new Float32Array(partitions * dim);
    updateCentroids(vectors, n, dim, assignment, sizes, new Float64Array(partitions * dim), centroids, next);
    centroids = next;
  }
  return { centroids, assignment, sizes, iterations };
}

/**
 * k-means++ seeding and capacity-constrained Lloyd iterations over `m` training points, drawing from
 * `rng` (after whatever the caller drew for the sample). The centroids are the means of the last
 * assignment; `assignment` and `sizes` are that assignment's.
 */
export function trainCentroids(
  training: Float32Array,
  m: number,
  dim: number,
  options: {
    readonly partitions: number;
    readonly maxIterations: number;
    readonly tolerance: number;
    readonly onProgress?: ((iteration: number) => void) | undefined;
  },
  rng: Rng,
): BalancedKMeansResult {
  const { partitions, maxIterations, tolerance, onProgress } = options;
  let centroids: Float32Array = kMeansPlusPlus(training, m, dim, partitions, rng);
  let next: Float32Array = new Float32Array(partitions * dim);
  const sums = new Float64Array(partitions * dim);
  const threshold = tolerance * meanVariance(training, m, dim);
  const bounds = partitionSizeBounds(m, partitions);
  const work = new AssignmentWorkspace(m, partitions);
  const assignment = new Uint32Array(m);
  const sizes = new Uint32Array(partitions);

  let iterations = 0;
  while (iterations < maxIterations) {
    assignWithCapacity(training, m, dim, centroids, bounds, work, assignment, sizes);
    const shift = updateCentroids(training, m, dim, assignment, sizes, sums, centroids, next);
    [centroids, next] = [next, centroids];
    iterations++;
    onProgress?.(iterations);
    if (shift <= threshold) break;
  }
  return { centroids, assignment, sizes, iterations };
}

function validate(
  vectors: Float32Array,
  n: number,
  dim: number,
  options: BalancedKMeansOptions,
  maxIterations: number,
  tolerance: number,
): void {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidInputError(`n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(dim) || dim < 1) {
    throw new InvalidInputError(`dim must be a positive integer, got ${dim}`);
  }
  if (vectors.length < n * dim) {
    throw new InvalidInputError(
      `vectors hold ${vectors.length} floats, expected at least n·dim = ${n}·${dim} = ${n * dim}`,
    );
  }
  const { partitions, seed, sampleSize } = options;
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > n) {
    throw new InvalidInputError(
      `partitions must be an integer in [1, ${n}] (the number of vectors), got ${partitions}`,
    );
  }
  if (!Number.isSafeInteger(seed)) throw new InvalidInputError(`seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
    throw new InvalidInputError(`maxIterations must be a positive integer, got ${maxIterations}`);
  }
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw new InvalidInputError(`tolerance must be a finite number ≥ 0, got ${tolerance}`);
  }
  if (sampleSize !== undefined && (!Number.isSafeInteger(sampleSize) || sampleSize < partitions)) {
    throw new InvalidInputError(
      `sampleSize must be an integer ≥ partitions (${partitions}), got ${sampleSize}`,
    );
  }
  const total = n * dim;
  for (let i = 0; i < total; i++) {
    const v = vectors[i]!;
    if (v - v !== 0) {
      const row = Math.floor(i / dim);
      throw new InvalidInputError(
        `vector ${row} has a non-finite value (${v}) at dimension ${i - row * dim}`,
      );
    }
  }
}
