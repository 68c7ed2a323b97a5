import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { generateDataset, generateQueries, selectivityFilter } from '../../../shared/synthetic/index.ts';

function nearestDistance(
  vectors: Float32Array,
  count: number,
  dim: number,
  q: Float32Array,
  skip = -1,
): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    if (i === skip) continue;
    let s = 0;
    for (let d = 0; d < dim; d++) s += (vectors[i * dim + d]! - q[d]!) ** 2;
    best = Math.min(best, s);
  }
  return best;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('generateQueries', () => {
  const dim = 16;
  const base = generateDataset({ count: 3000, dim, seed: 31, clusters: 8, attributes: false });

  it('draws queries near the data but never equal to a base vector', () => {
    const queries = generateQueries({ count: 40, dim, seed: 2, fromDataset: { seed: 31, clusters: 8 } });
    expect(queries.vectors.length).toBe(40 * dim);
    const queryDistances: number[] = [];
    const baseDistances: number[] = [];
    for (let q = 0; q < 40; q++) {
      const query = queries.vectors.subarray(q * dim, q * dim + dim);
      queryDistances.push(nearestDistance(base.vectors, base.count, dim, query));
      const row = q * 50;
      baseDistances.push(
        nearestDistance(
          base.vectors,
          base.count,
          dim,
          base.vectors.subarray(row * dim, row * dim + dim),
          row,
        ),
      );
    }
    expect(Math.min(...queryDistances)).toBeGreaterThan(0);
    // As close to the data as base rows are to each other; far closer than queries from another model.
    expect(median(queryDistances) / median(baseDistances)).toBeLessThan(1.5);
    const foreign = generateQueries({ count: 40, dim, seed: 2, fromDataset: { seed: 999, clusters: 8 } });
    const foreignDistances = Array.from({ length: 40 }, (_, q) =>
      nearestDistance(base.vectors, base.count, dim, foreign.vectors.subarray(q * dim, q * dim + dim)),
    );
    expect(median(foreignDistances)).toBeGreaterThan(2 * median(queryDistances));
  });

  it('is deterministic for a seed and differs from the base stream of the same seed', () => {
    const a = generateQueries({ count: 10, dim, seed: 31, fromDataset: { seed: 31, clusters: 8 } });
    const b = generateQueries({ count: 10, dim, seed: 31, fromDataset: { seed: 31, clusters: 8 } });
    expect(Buffer.from(b.vectors.buffer)).toEqual(Buffer.from(a.vectors.buffer));
    expect(Buffer.from(a.vectors.buffer)).not.toEqual(Buffer.from(base.vectors.buffer, 0, 10 * dim * 4));
    expect(() => generateQueries({ count: -1, dim, seed: 1 })).toThrow(
      new InvalidInputError('queries count must be a positive integer, got -1'),
    );
  });
});

describe('selectivityFilter', () => {
  it('selects a fraction of the uniform attribute', () => {
    expect(selectivityFilter(0.05)).toEqual({ u: { $lt: 0.05 } });
    expect(selectivityFilter(1)).toEqual({ u: { $lt: 1 } });
  });

  it('rejects fractions outside [0, 1]', () => {
    expect(() => selectivityFilter(1.5)).toThrow(
      new InvalidInputError('selectivity must be a number in [0, 1], got 1.5'),
    );
    expect(() => selectivityFilter(Number.NaN)).toThrow('got NaN');
  });
});
