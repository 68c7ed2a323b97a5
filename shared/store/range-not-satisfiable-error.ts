import { SquashError } from '../errors/index.ts';

/**
 * A byte range that is not wholly inside its object. `ErrorCode` has no code of its own for this,
 * so it travels as `BLOB_NOT_FOUND`: the bytes asked for do not exist.
 */
export class RangeNotSatisfiableError extends SquashError {
  constructor(
    readonly key: string,
    readonly offset: number,
    readonly length: number,
    /** The object's size when known. */
    readonly size: number | undefined,
  ) {
    super('BLOB_NOT_FOUND', rangeMessage(key, offset, length, size));
  }
}

function rangeMessage(key: string, offset: number, length: number, size: number | undefined): string {
  const range = `bytes ${offset}..${offset + length} of \`${key}\``;
  return size === undefined
    ? `${range} is not a valid range (expected non-negative integer offset and length)`
    : `${range} are past its end (the object has ${size} bytes)`;
}
