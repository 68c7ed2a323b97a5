/** Query vectors are copied exactly, and any non-finite value is refused with its position, whatever the array type. */
import { describe, expect, it } from 'vitest';
import { InvalidQueryError } from '../../shared/errors/index.ts';
import { baseSpace, prepareQuery } from '../../shared/metric.ts';

describe('prepareQuery', () => {
  const dim = 787; // not a multiple of four: the check's tail loop counts too
  const space = baseSpace('l2', dim, 0);
  const values = Array.from({ length: dim }, (_, j) => (j % 7) - 3.25);

  it('copies float32, float64 and plain arrays exactly', () => {
    for (const vector of [Float32Array.from(values), Float64Array.from(values), values]) {
      expect(Array.from(prepareQuery(space, vector))).toEqual(Array.from(Float32Array.from(values)));
    }
  });

  it('names the first non-finite value, at the start, in the middle and in the tail', () => {
    for (const [position, bad] of [
      [0, Number.NaN],
      [400, Number.POSITIVE_INFINITY],
      [786, Number.NEGATIVE_INFINITY],
    ] as const) {
      for (const make of [
        (v: number[]) => Float32Array.from(v),
        (v: number[]) => Float64Array.from(v),
        (v: number[]) => v,
      ]) {
        const vector = make(values.map((value, j) => (j === position ? bad : value)));
        expect(() => prepareQuery(space, vector)).toThrow(InvalidQueryError);
        expect(() => prepareQuery(space, vector)).toThrow(
          `vector[${position}] is ${bad}; expected a finite number`,
        );
      }
    }
  });
});
