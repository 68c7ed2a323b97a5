import { describe, expect, it } from 'vitest';
import {
  ascendingFloatKey,
  descendingFloatKey,
  radixSortPairs,
} from '../../../shared/partition/radix-sort.ts';
import { createRng } from '../../../shared/random.ts';

describe('radixSortPairs', () => {
  it('sorts by unsigned key and keeps the input order of equal keys', () => {
    const rng = createRng(3);
    const count = 5000;
    const keys = Uint32Array.from({ length: count }, () =>
      rng.next() < 0.5 ? rng.int(8) : (rng.int(0x10000) * 0x10000 + rng.int(0x10000)) >>> 0,
    );
    const values = Uint32Array.from({ length: count }, (_, i) => i);
    const expected = Array.from(values).sort((a, b) => keys[a]! - keys[b]! || a - b);
    const expectedKeys = expected.map((i) => keys[i]!);
    radixSortPairs(keys, values, count);
    expect(Array.from(values)).toEqual(expected);
    expect(Array.from(keys)).toEqual(expectedKeys);
  });

  it('sorts only the first `count` pairs', () => {
    const keys = Uint32Array.of(3, 1, 2, 0);
    const values = Uint32Array.of(0, 1, 2, 3);
    radixSortPairs(keys, values, 3);
    expect(Array.from(values)).toEqual([1, 2, 0, 3]);
  });
});

describe('float keys', () => {
  it('order like the numbers (after rounding to float32)', () => {
    const numbers = [-1e30, -3.5, -1, -1e-20, 0, 1e-20, 0.25, 1, 7.5, 1e30];
    const ascending = numbers.map(ascendingFloatKey);
    const descending = numbers.map(descendingFloatKey);
    for (let i = 1; i < numbers.length; i++) {
      expect(ascending[i]!).toBeGreaterThan(ascending[i - 1]!);
      expect(descending[i]!).toBeLessThan(descending[i - 1]!);
    }
  });
});
