import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/errors.ts';
import { kltTransform, trainKlt } from '../../../shared/quantize/klt.ts';
import { correlatedVectors, covariance } from './correlated-data.ts';

const n = 2000;
const dim = 16;
const vectors = correlatedVectors(n, dim, 42);
const klt = trainKlt(vectors, n, dim);

function transformAll(): Float64Array {
  const z = new Float64Array(n * dim);
  for (let r = 0; r < n; r++) kltTransform(klt, vectors, r * dim, z.subarray(r * dim, (r + 1) * dim));
  return z;
}

/** Largest |c_ij| / sqrt(c_ii c_jj) over i ≠ j. */
function largestCorrelation(c: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      if (i !== j)
        worst = Math.max(worst, Math.abs(c[i * dim + j]!) / Math.sqrt(c[i * dim + i]! * c[j * dim + j]!));
    }
  }
  return worst;
}

describe('trainKlt / kltTransform', () => {
  it('decorrelates the data (off-diagonal covariance ≈ 0 relative to the diagonal)', () => {
    const c = covariance(transformAll(), n, dim);
    expect(largestCorrelation(c)).toBeLessThan(1e-4);
  });

  it('sorts KLT coordinates by energy, and eigenvalue j is the variance of z_j', () => {
    const c = covariance(transformAll(), n, dim);
    for (let j = 0; j < dim; j++) {
      expect(Math.abs(c[j * dim + j]! - klt.eigenvalues[j]!)).toBeLessThan(1e-4 * klt.eigenvalues[0]!);
      if (j > 0) {
        expect(klt.eigenvalues[j]!).toBeLessThanOrEqual(klt.eigenvalues[j - 1]!);
        expect(c[j * dim + j]!).toBeLessThan(c[(j - 1) * dim + (j - 1)]!);
      }
    }
  });

  it('applying the transpose instead (reference bug B1) would leave the output correlated', () => {
    const z = new Float64Array(n * dim);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < dim; j++) {
        let sum = 0;
        for (let i = 0; i < dim; i++)
          sum += (vectors[r * dim + i]! - klt.mean[i]!) * klt.components[i * dim + j]!;
        z[r * dim + j] = sum;
      }
    }
    expect(largestCorrelation(covariance(z, n, dim))).toBeGreaterThan(0.1);
  });

  it('has orthonormal component rows and the data mean', () => {
    for (let a = 0; a < dim; a++) {
      for (let b = a; b < dim; b++) {
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += klt.components[a * dim + i]! * klt.components[b * dim + i]!;
        expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-6);
      }
    }
    for (let i = 0; i < dim; i++) {
      let sum = 0;
      for (let r = 0; r < n; r++) sum += vectors[r * dim + i]!;
      expect(klt.mean[i]).toBeCloseTo(sum / n, 4);
    }
  });

  it('is deterministic and transforms only the first `dims` coordinates when asked', () => {
    const again = trainKlt(vectors, n, dim);
    expect(again.components).toEqual(klt.components);
    expect(again.eigenvalues).toEqual(klt.eigenvalues);
    const full = new Float64Array(dim);
    const part = new Float64Array(dim).fill(-7);
    kltTransform(klt, vectors, 5 * dim, full);
    kltTransform(klt, vectors, 5 * dim, part, 3);
    expect(Array.from(part.subarray(0, 3))).toEqual(Array.from(full.subarray(0, 3)));
    expect(Array.from(part.subarray(3))).toEqual(new Array(dim - 3).fill(-7));
  });

  it('gives every coordinate bit-identical to a plain dot product (the same input lands in the same cell)', () => {
    const out = new Float64Array(dim);
    for (const dims of [dim, 7, 4, 1]) {
      kltTransform(klt, vectors, 9 * dim, out, dims);
      for (let j = 0; j < dims; j++) {
        let sum = 0;
        for (let i = 0; i < dim; i++)
          sum += (vectors[9 * dim + i]! - klt.mean[i]!) * klt.components[j * dim + i]!;
        expect(out[j]).toBe(sum);
      }
    }
  });

  it('rejects non-finite, mis-sized and empty input with InvalidInputError', () => {
    const bad = vectors.slice(0, 4 * dim);
    bad[2 * dim + 5] = Number.NaN;
    expect(() => trainKlt(bad, 4, dim)).toThrow(
      new InvalidInputError('KLT training vectors: vector 2 has a non-finite value (NaN) at dimension 5'),
    );
    expect(() => trainKlt(vectors, n + 1, dim)).toThrow(
      `KLT training vectors: expected ${n + 1} × ${dim} = ${(n + 1) * dim} values, got ${n * dim}`,
    );
    expect(() => trainKlt(new Float32Array(0), 0, dim)).toThrow(InvalidInputError);
    expect(() => kltTransform(klt, vectors, n * dim - 3, new Float64Array(dim))).toThrow(InvalidInputError);
  });
});
