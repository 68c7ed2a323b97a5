import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../../shared/quantize/symmetric-eigen.ts';
import { createRng } from '../../../shared/random.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = rng.normal();
      m[i * n + j] = v;
      m[j * n + i] = v;
    }
  }
  return m;
}

describe('symmetricEigen', () => {
  it('solves a 2×2 matrix exactly, largest eigenvalue first, largest entry positive', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    const h = Math.SQRT1_2;
    expect(Array.from(vectors).map((v) => Number(v.toFixed(12)))).toEqual(
      [h, h, h, -h].map((v) => Number(v.toFixed(12))),
    );
  });

  it('returns A·v = λ·v with orthonormal rows and descending eigenvalues (n = 60)', () => {
    const n = 60;
    const a = randomSymmetric(n, 11);
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 1; j < n; j++) expect(values[j]!).toBeLessThanOrEqual(values[j - 1]!);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k]! * vectors[j * n + k]!;
        expect(Math.abs(av - values[j]! * vectors[j * n + i]!)).toBeLessThan(1e-10);
      }
      for (let k = j; k < n; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[j * n + i]! * vectors[k * n + i]!;
        expect(Math.abs(dot - (j === k ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i]!;
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 9);
  });

  it('handles diagonal, zero, rank-one and 1×1 matrices', () => {
    const diagonal = symmetricEigen(Float64Array.of(1, 0, 0, 0, 5, 0, 0, 0, 3), 3);
    expect(Array.from(diagonal.values)).toEqual([5, 3, 1]);
    expect(Array.from(diagonal.vectors)).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);

    const zero = symmetricEigen(new Float64Array(16), 4);
    expect(Array.from(zero.values)).toEqual([0, 0, 0, 0]);

    const u = [1, 2, 2];
    const rankOne = symmetricEigen(
      Float64Array.from({ length: 9 }, (_, k) => u[Math.floor(k / 3)]! * u[k % 3]!),
      3,
    );
    expect(rankOne.values[0]).toBeCloseTo(9, 12);
    expect(Math.abs(rankOne.values[1]!)).toBeLessThan(1e-12);
    expect(Array.from(rankOne.vectors.subarray(0, 3)).map((v) => v * 3)).toEqual([
      expect.closeTo(1, 12),
      expect.closeTo(2, 12),
      expect.closeTo(2, 12),
    ]);

    expect(symmetricEigen(Float64Array.of(-4), 1)).toEqual({
      values: Float64Array.of(-4),
      vectors: Float64Array.of(1),
    });
  });

  it('rejects a matrix whose size is not n×n', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(
      'symmetricEigen expects an n×n matrix, got n = 2 and 5 values',
    );
  });
});
