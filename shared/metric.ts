/**
 * Distance metrics. Everything inside the index is squared L2 on "prepared" vectors:
 * - l2: vectors as given; reported distance = Euclidean distance.
 * - cosine: vectors normalised to unit length at build and query time; reported distance = 1 − cos.
 * - dot: maximum inner product through the augmentation x' = [x, √(M² − |x|²)], q' = [q, 0] with M the
 *   largest base norm, so that |q' − x'|² = |q|² + M² − 2 q·x; reported distance = −q·x.
 */
import { InvalidInputError, InvalidQueryError } from './errors/index.ts';

export type Metric = 'l2' | 'cosine' | 'dot';
export const metrics: readonly Metric[] = ['l2', 'cosine', 'dot'];

export interface MetricSpace {
  readonly metric: Metric;
  /** Dimension of the input vectors. */
  readonly inputDim: number;
  /** Dimension of the prepared vectors (inputDim + 1 for dot). */
  readonly storedDim: number;
  /** Largest base-vector norm (dot only; 0 otherwise). */
  readonly maxNorm: number;
}

export function prepareBase(
  vectors: Float32Array,
  n: number,
  dim: number,
  metric: Metric,
): { space: MetricSpace; vectors: Float32Array } {
  const maxSquared = metric === 'dot' ? maxSquaredNorm(vectors, n, dim) : 0;
  return {
    space: baseSpace(metric, dim, maxSquared),
    vectors: prepareRows(vectors, n, dim, metric, maxSquared),
  };
}

/** The space of base vectors of dimension `dim`; `maxSquared` is dot's M² (the largest squared norm). */
export function baseSpace(metric: Metric, dim: number, maxSquared: number): MetricSpace {
  return metric === 'dot'
    ? { metric, inputDim: dim, storedDim: dim + 1, maxNorm: Math.sqrt(maxSquared) }
    : { metric, inputDim: dim, storedDim: dim, maxNorm: 0 };
}

/** The largest squared norm of `n` rows (dot's M²). */
export function maxSquaredNorm(vectors: Float32Array, n: number, dim: number): number {
  let maxSquared = 0;
  for (let i = 0; i < n; i++) maxSquared = Math.max(maxSquared, normSquared(vectors, i * dim, dim));
  return maxSquared;
}

/**
 * Base rows prepared for `metric` (l2: the same array). For dot, `maxSquared` is M² over ALL base rows,
 * so that a streaming build prepares each chunk as the whole input would be; `firstRow` numbers the rows
 * in messages.
 */
export function prepareRows(
  vectors: Float32Array,
  n: number,
  dim: number,
  metric: Metric,
  maxSquared: number,
  firstRow = 0,
): Float32Array {
  if (metric === 'l2') return vectors;
  if (metric === 'cosine') {
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const norm = Math.sqrt(normSquared(vectors, i * dim, dim));
      if (norm === 0) {
        throw new InvalidInputError(
          `vector ${firstRow + i} has zero length; cosine distance needs non-zero vectors`,
        );
      }
      for (let j = 0; j < dim; j++) out[i * dim + j] = vectors[i * dim + j]! / norm;
    }
    return out;
  }
  const out = new Float32Array(n * (dim + 1));
  for (let i = 0; i < n; i++) {
    out.set(vectors.subarray(i * dim, (i + 1) * dim), i * (dim + 1));
    out[i * (dim + 1) + dim] = Math.sqrt(Math.max(0, maxSquared - normSquared(vectors, i * dim, dim)));
  }
  return out;
}

export function prepareQuery(
  space: MetricSpace,
  query: ArrayLike<number>,
  out = new Float32Array(space.storedDim),
): Float32Array {
  if (query.length !== space.inputDim) {
    throw new InvalidQueryError(`vector has ${query.length} dims, the index expects ${space.inputDim}`);
  }
  if (query instanceof Float32Array) {
    out.set(query);
    checkFinite(out, space.inputDim);
  } else if (query instanceof Float64Array) copyFinite(query, out, space.inputDim);
  else {
    for (let j = 0; j < space.inputDim; j++) {
      const value = query[j]!;
      if (!Number.isFinite(value)) throw notFinite(j, value);
      out[j] = value;
    }
  }
  if (space.metric === 'cosine') {
    const norm = Math.sqrt(normSquared(out, 0, space.inputDim));
    if (norm === 0)
      throw new InvalidQueryError('vector has zero length; cosine distance needs a non-zero vector');
    for (let j = 0; j < space.inputDim; j++) out[j] = out[j]! / norm;
  }
  return out;
}

/**
 * Copies the first `dim` numbers of a float array, which must be finite. `value * 0` is 0 for a finite value
 * and NaN otherwise, so one test after the loop replaces one per element (twice as fast).
 */
function copyFinite(query: ArrayLike<number>, out: Float32Array, dim: number): void {
  let check = 0;
  for (let j = 0; j < dim; j++) {
    const value = query[j]!;
    check += value * 0;
    out[j] = value;
  }
  if (check === 0) return;
  for (let j = 0; j < dim; j++) if (!Number.isFinite(query[j]!)) throw notFinite(j, query[j]!);
}

/**
 * `copyFinite`'s test of a vector already copied, in four independent sums (one sum waits for each
 * addition): a memory copy and this read measured 1.25× faster than one loop doing both at 784 dimensions.
 */
function checkFinite(vector: Float32Array, dim: number): void {
  let c0 = 0;
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    c0 += vector[j]! * 0;
    c1 += vector[j + 1]! * 0;
    c2 += vector[j + 2]! * 0;
    c3 += vector[j + 3]! * 0;
  }
  for (; j < dim; j++) c0 += vector[j]! * 0;
  if (c0 + c1 + c2 + c3 === 0) return;
  for (let j = 0; j < dim; j++) if (!Number.isFinite(vector[j]!)) throw notFinite(j, vector[j]!);
}

function notFinite(j: number, value: unknown): InvalidQueryError {
  return new InvalidQueryError(`vector[${j}] is ${value}; expected a finite number`);
}

/**
 * One vector written after the build (docs/writes.md), prepared in the index's existing space: as a
 * query for l2 and cosine; for dot augmented with √(M² − |x|²), which needs |x| ≤ M, the largest norm
 * the build saw (a longer vector needs a rebuild to change M; the error says so).
 */
export function prepareRow(space: MetricSpace, vector: ArrayLike<number>): Float32Array {
  const out = prepareQuery(space, vector);
  if (space.metric !== 'dot') return out;
  const squared = normSquared(out, 0, space.inputDim);
  const limit = space.maxNorm ** 2;
  if (squared > limit * (1 + 1e-6)) {
    throw new InvalidQueryError(
      `vector has norm ${Math.sqrt(squared).toPrecision(6)}; this dot-product index takes norms up to ` +
        `${space.maxNorm.toPrecision(6)} (the largest it was built with): rebuild it to admit longer vectors`,
    );
  }
  out[space.inputDim] = Math.sqrt(Math.max(0, limit - squared));
  return out;
}

/** Converts an internal squared L2 distance between prepared vectors into the metric's reported distance. */
export function reportedDistance(space: MetricSpace, squared: number, preparedQuery: Float32Array): number {
  switch (space.metric) {
    case 'l2':
      return Math.sqrt(squared);
    case 'cosine':
      return squared / 2;
    case 'dot':
      return -(normSquared(preparedQuery, 0, space.inputDim) + space.maxNorm ** 2 - squared) / 2;
  }
}

function normSquared(v: Float32Array, offset: number, dim: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += v[offset + j]! * v[offset + j]!;
  return sum;
}
