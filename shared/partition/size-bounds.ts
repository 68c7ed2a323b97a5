import { InvalidInputError } from '../errors/errors.ts';

/** Inclusive bounds on the number of points a partition may hold. */
export interface SizeBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * DESIGN §3.1: every partition within ±10 % of N/P, i.e. [⌊0.9·N/P⌋, ⌈1.1·N/P⌉], computed in integers
 * so that no float rounding moves a bound. The minimum is raised to 1 so that no partition (and no
 * centroid) is ever empty; that only tightens the range.
 */
export function partitionSizeBounds(n: number, partitions: number): SizeBounds {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(partitions) || partitions < 1 || n < partitions) {
    throw new InvalidInputError(
      `cannot split ${n} points into ${partitions} partitions: expected integers with 1 ≤ partitions ≤ points`,
    );
  }
  return {
    min: Math.max(1, Math.floor((9 * n) / (10 * partitions))),
    max: Math.ceil((11 * n) / (10 * partitions)),
  };
}
