import { describe, expect, it } from 'vitest';
import { nonNegativeLeastSquares } from '../../../scripts/model/least-squares.ts';

describe('nonNegativeLeastSquares', () => {
  it('recovers the coefficients of exact data', () => {
    const truth = [0.4, 0.05, 2];
    const rows = [
      [1, 1, 0.1],
      [16, 200, 5],
      [8, 400, 0],
      [2, 3, 1],
      [4, 50, 2.5],
    ];
    const targets = rows.map((row) => row.reduce((s, x, j) => s + x * truth[j]!, 0));
    const x = nonNegativeLeastSquares(rows, targets);
    x.forEach((value, j) => {
      expect(value).toBeCloseTo(truth[j]!, 9);
    });
  });

  it('fixes a coefficient that would come out negative at zero and refits the others', () => {
    // b = 2·a0 − 1·a1 exactly; with a1 ≥ 0 the best fit drops a1.
    const rows = [
      [1, 1],
      [2, 1],
      [3, 2],
    ];
    const targets = rows.map(([a, b]) => 2 * a! - b!);
    const [a, b] = nonNegativeLeastSquares(rows, targets);
    expect(b).toBe(0);
    // Least squares of [1, 3, 4] on [1, 2, 3]: 19/14.
    expect(a).toBeCloseTo(19 / 14, 12);
  });

  it('refuses rows and targets of different counts, naming both', () => {
    expect(() => nonNegativeLeastSquares([[1]], [1, 2])).toThrow('1 rows, 2 targets and 2 weights');
  });
});
