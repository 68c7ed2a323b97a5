import { InvalidInputError } from '../errors/index.ts';

/** `n` vectors of `dim` float32 values, row-major. */
export interface VectorSet {
  readonly vectors: Float32Array;
  readonly n: number;
  readonly dim: number;
}

/** `n` rows of `dim` int32 values, row-major (ground-truth neighbour ids in `.ivecs`). */
export interface IntVectorSet {
  readonly values: Int32Array;
  readonly n: number;
  readonly dim: number;
}

export interface ReadVectorsOptions {
  /** Read only the first `limit` vectors. @default all */
  readonly limit?: number;
}

/** How many of `available` vectors to read under `limit`; rejects a limit that is not a count. */
export function resolveLimit(limit: number | undefined, available: number): number {
  if (limit === undefined) return available;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new InvalidInputError(`limit ${limit} is not valid; expected a non-negative integer`);
  }
  return Math.min(limit, available);
}
