import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/random.ts';
import { squaredL2, squaredL2Bounded, squaredL2BoundedQuad } from '../../../shared/search/distance.ts';

describe('squaredL2Bounded', () => {
  it('equals squaredL2 when within the bound, and exceeds the bound whenever the distance does', () => {
    const rng = createRng(5);
    const dim = 100;
    const data = Float32Array.from({ length: 50 * dim }, () => rng.normal());
    const query = Float32Array.from({ length: dim }, () => rng.normal());
    for (let row = 0; row < 50; row++) {
      const exact = squaredL2(query, data, row, dim);
      for (const bound of [0, exact * 0.5, exact * 0.99, exact, exact * 2, Number.POSITIVE_INFINITY]) {
        const bounded = squaredL2Bounded(query, data, row, dim, bound);
        if (exact <= bound) expect(bounded).toBeCloseTo(exact, 9);
        else expect(bounded).toBeGreaterThan(bound);
        expect(bounded).toBeLessThanOrEqual(exact + 1e-9);
      }
    }
  });
});

describe('squaredL2BoundedQuad', () => {
  it("gives each row squaredL2Bounded's exact value when within the bound, and more than the bound otherwise", () => {
    const rng = createRng(6);
    const dim = 77;
    const data = Float32Array.from({ length: 40 * dim }, () => rng.normal());
    const query = Float32Array.from({ length: dim }, () => rng.normal());
    const out = new Float64Array(4);
    for (let trial = 0; trial < 200; trial++) {
      const rows = Uint32Array.from({ length: 4 }, () => rng.int(40));
      const exact = Array.from(rows, (row) =>
        squaredL2Bounded(query, data, row, dim, Number.POSITIVE_INFINITY),
      );
      const bound = [...exact].sort((a, b) => a - b)[trial % 4]! * (trial % 3 === 0 ? 0.9 : 1);
      squaredL2BoundedQuad(query, data, rows, dim, bound, out);
      for (let t = 0; t < 4; t++) {
        if (exact[t]! <= bound) expect(out[t]).toBe(exact[t]);
        else expect(out[t]).toBeGreaterThan(bound);
      }
    }
  });
});
