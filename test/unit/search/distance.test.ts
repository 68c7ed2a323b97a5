import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/random.ts';
import { squaredL2, squaredL2Bounded } from '../../../shared/search/distance.ts';

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
