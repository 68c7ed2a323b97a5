import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/random.ts';
import { permuteInto, permuteRows, varianceOrder } from '../../../shared/search/coordinate-order.ts';
import { squaredL2 } from '../../../shared/search/distance.ts';

describe('coordinate order', () => {
  const count = 300;
  const dim = 12;
  const rng = createRng(11);
  // Coordinate j has standard deviation scale[j]: the order must follow the scales, largest first.
  const scale = [0.5, 4, 1, 8, 0.1, 2, 16, 0.25, 3, 6, 0.01, 1.5];
  const vectors = Float32Array.from({ length: count * dim }, (_, i) => 100 + rng.normal() * scale[i % dim]!);

  it('puts the coordinates in descending order of variance', () => {
    const expected = scale.map((s, j) => [s, j] as const).sort((a, b) => b[0] - a[0]);
    expect(Array.from(varianceOrder(vectors, count, dim))).toEqual(expected.map(([, j]) => j));
  });

  it('permutes every row and keeps distances', () => {
    const order = varianceOrder(vectors, count, dim);
    const permuted = permuteRows(vectors, count, order);
    const query = Float32Array.from({ length: dim }, () => 100 + rng.normal() * 3);
    const orderedQuery = new Float32Array(dim);
    permuteInto(query, 0, order, orderedQuery);
    for (let row = 0; row < count; row++) {
      for (let j = 0; j < dim; j++) expect(permuted[row * dim + j]).toBe(vectors[row * dim + order[j]!]);
      const original = squaredL2(query, vectors, row, dim);
      expect(squaredL2(orderedQuery, permuted, row, dim)).toBeCloseTo(original, 9);
    }
  });
});
