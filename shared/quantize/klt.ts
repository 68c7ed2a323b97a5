/**
 * KLT (PCA) of one partition: z = V·(x − μ), i.e. z_j = (x − μ)·row_j, with the rows of V the unit
 * eigenvectors of the population covariance sorted by descending eigenvalue.
 *
 * Design decisions:
 * - The reference multiplies by V's transpose (bug B1), which leaves the output neither decorrelated nor
 *   energy-sorted. Here row j of `components` IS eigenvector j and is applied as such.
 * - Mean and covariance accumulate in float64 (divisor n, so eigenvalue j is the variance of z_j).
 *   The covariance is summed four rows at a time, which quarters the passes over the D×D matrix.
 * - `kltTransform` is the one function that maps raw vectors into KLT space, at build and query time,
 *   so the same input always lands on the same side of every boundary.
 */
import { dotRows } from '../dot-rows.ts';
import { InvalidInputError } from '../errors/errors.ts';
import { checkVectors } from './check-vectors.ts';
import { symmetricEigen } from './symmetric-eigen.ts';

export interface Klt {
  readonly dim: number;
  /** D */
  readonly mean: Float32Array;
  /** D×D row-major; ROW j is the j-th unit eigenvector (so z_j = (x − μ)·row_j). */
  readonly components: Float32Array;
  /** D, descending: the variance of each KLT coordinate over the training vectors. */
  readonly eigenvalues: Float64Array;
}

export function trainKlt(vectors: Float32Array, n: number, dim: number): Klt {
  checkVectors(vectors, n, dim, 'KLT training vectors');
  if (n === 0) throw new InvalidInputError('KLT training needs at least 1 vector, got 0');

  const mean64 = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    const row = r * dim;
    for (let i = 0; i < dim; i++) mean64[i] = mean64[i]! + vectors[row + i]!;
  }
  for (let i = 0; i < dim; i++) mean64[i] = mean64[i]! / n;

  const covariance = centredScatter(vectors, n, dim, mean64);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const value = covariance[i * dim + j]! / n;
      covariance[i * dim + j] = value;
      covariance[j * dim + i] = value;
    }
  }

  const { values, vectors: eigenvectors } = symmetricEigen(covariance, dim);
  return {
    dim,
    mean: Float32Array.from(mean64),
    components: Float32Array.from(eigenvectors),
    eigenvalues: values,
  };
}

let scratch = new Float64Array(0);

/** Writes the first `dims` (default all) KLT coordinates of the vector at `x[xOffset..]` into `out`. */
export function kltTransform(
  klt: Klt,
  x: Float32Array,
  xOffset: number,
  out: Float64Array,
  dims: number = klt.dim,
): void {
  const { dim, mean, components } = klt;
  if (xOffset < 0 || xOffset + dim > x.length || dims < 0 || dims > dim || out.length < dims) {
    throw new InvalidInputError(
      `kltTransform: a ${dim}-dim vector at offset ${xOffset} of ${x.length} values into ${dims} of ${dim} ` +
        `coordinates (output holds ${out.length}) is out of range`,
    );
  }
  if (scratch.length < dim) scratch = new Float64Array(dim);
  const centred = scratch;
  for (let i = 0; i < dim; i++) centred[i] = x[xOffset + i]! - mean[i]!;
  dotRows(components, 0, dims, dim, centred, 0, out);
}

/** Σ_r (x_r − μ)(x_r − μ)ᵀ, upper triangle only (row-major, i ≤ j). */
function centredScatter(vectors: Float32Array, n: number, dim: number, mean: Float64Array): Float64Array {
  const scatter = new Float64Array(dim * dim);
  const block = new Float64Array(4 * dim);
  for (let r = 0; r < n; r += 4) {
    const rows = Math.min(4, n - r);
    block.fill(0);
    for (let b = 0; b < rows; b++) {
      const source = (r + b) * dim;
      for (let i = 0; i < dim; i++) block[b * dim + i] = vectors[source + i]! - mean[i]!;
    }
    // Unused rows of the block stay 0, so a partial block adds nothing extra.
    const y1 = dim;
    const y2 = 2 * dim;
    const y3 = 3 * dim;
    for (let i = 0; i < dim; i++) {
      const a0 = block[i]!;
      const a1 = block[y1 + i]!;
      const a2 = block[y2 + i]!;
      const a3 = block[y3 + i]!;
      const out = i * dim;
      for (let j = i; j < dim; j++) {
        scatter[out + j] =
          scatter[out + j]! +
          a0 * block[j]! +
          a1 * block[y1 + j]! +
          a2 * block[y2 + j]! +
          a3 * block[y3 + j]!;
      }
    }
  }
  return scatter;
}
