import { describe, expect, it } from 'vitest';
import { coordinateVariances } from '../../shared/coordinate-variances.ts';
import { dotRows } from '../../shared/dot-rows.ts';
import { createRng } from '../../shared/random.ts';

describe('dotRows', () => {
  it('equals a plain dot product bit for bit, for any row block and vector offset', () => {
    const rng = createRng(4);
    const dim = 13;
    const matrix = Float32Array.from({ length: 12 * dim }, () => rng.normal());
    const vector = Float64Array.from({ length: 3 * dim }, () => rng.normal());
    for (const [first, rows, offset] of [
      [0, 12, 0],
      [1, 7, dim],
      [5, 3, 2 * dim],
      [11, 1, 1],
      [4, 0, 0],
    ] as const) {
      const out = new Float64Array(rows);
      dotRows(matrix, first, rows, dim, vector, offset, out);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let d = 0; d < dim; d++) sum += vector[offset + d]! * matrix[(first + r) * dim + d]!;
        expect(out[r]).toBe(sum);
      }
    }
  });
});

describe('coordinateVariances', () => {
  it('matches the two-pass population variance of each coordinate', () => {
    const rng = createRng(6);
    const n = 500;
    const dim = 5;
    const vectors = Float32Array.from({ length: n * dim }, (_, i) => 10 + rng.normal() * (1 + (i % dim)));
    const variances = coordinateVariances(vectors, n, dim);
    for (let d = 0; d < dim; d++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += vectors[i * dim + d]! / n;
      let variance = 0;
      for (let i = 0; i < n; i++) variance += (vectors[i * dim + d]! - mean) ** 2 / n;
      expect(variances[d]).toBeCloseTo(variance, 6);
    }
    expect(Array.from(coordinateVariances(vectors, 0, dim))).toEqual([0, 0, 0, 0, 0]);
  });
});
