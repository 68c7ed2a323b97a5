import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { partitionSizeBounds } from '../../../shared/partition/index.ts';

describe('partitionSizeBounds', () => {
  it('is [⌊0.9·N/P⌋, ⌈1.1·N/P⌉] with a minimum of one', () => {
    expect(partitionSizeBounds(1000, 10)).toEqual({ min: 90, max: 110 });
    expect(partitionSizeBounds(1001, 10)).toEqual({ min: 90, max: 111 });
    expect(partitionSizeBounds(1_000_000, 64)).toEqual({ min: 14062, max: 17188 });
    expect(partitionSizeBounds(5, 5)).toEqual({ min: 1, max: 2 });
    expect(partitionSizeBounds(7, 1)).toEqual({ min: 6, max: 8 });
  });

  it('rejects more partitions than points', () => {
    expect(() => partitionSizeBounds(3, 4)).toThrow(
      new InvalidInputError(
        'cannot split 3 points into 4 partitions: expected integers with 1 ≤ partitions ≤ points',
      ),
    );
  });
});
