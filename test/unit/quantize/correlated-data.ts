import { createRng } from '../../../shared/random.ts';

/**
 * n × dim seeded vectors from `latent` Gaussian factors with decaying scales, mixed by a random matrix,
 * plus a little isotropic noise and an offset: correlated, with distinct eigenvalues.
 */
export function correlatedVectors(
  n: number,
  dim: number,
  seed: number,
  latent = Math.min(dim, 12),
): Float32Array {
  const rng = createRng(seed);
  const mix = new Float64Array(latent * dim);
  for (let i = 0; i < mix.length; i++) mix[i] = rng.normal();
  const offset = Float64Array.from({ length: dim }, () => 10 * rng.normal());
  const factors = new Float64Array(latent);
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < latent; k++) factors[k] = (rng.normal() * 8) / (k + 1);
    for (let d = 0; d < dim; d++) {
      let value = offset[d]! + 0.2 * rng.normal();
      for (let k = 0; k < latent; k++) value += factors[k]! * mix[k * dim + d]!;
      out[r * dim + d] = value;
    }
  }
  return out;
}

/** Population covariance of m × dim float64 rows. */
export function covariance(rows: Float64Array, m: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let r = 0; r < m; r++) for (let i = 0; i < dim; i++) mean[i] = mean[i]! + rows[r * dim + i]! / m;
  const c = new Float64Array(dim * dim);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < dim; i++) {
      const a = rows[r * dim + i]! - mean[i]!;
      for (let j = 0; j < dim; j++)
        c[i * dim + j] = c[i * dim + j]! + (a * (rows[r * dim + j]! - mean[j]!)) / m;
    }
  }
  return c;
}
