import { InvalidInputError } from '../errors/errors.ts';

/** Shape and value check for `n × dim` row-major float inputs: sizes and finite values. */
export function checkVectors(vectors: Float32Array, n: number, dim: number, what: string): void {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new InvalidInputError(`${what}: dimension must be a positive integer, got ${dim}`);
  }
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidInputError(`${what}: vector count must be a non-negative integer, got ${n}`);
  }
  if (vectors.length !== n * dim) {
    throw new InvalidInputError(`${what}: expected ${n} × ${dim} = ${n * dim} values, got ${vectors.length}`);
  }
  for (let k = 0; k < vectors.length; k++) {
    if (!Number.isFinite(vectors[k]!)) {
      throw new InvalidInputError(
        `${what}: vector ${Math.floor(k / dim)} has a non-finite value (${vectors[k]}) at dimension ${k % dim}`,
      );
    }
  }
}
