/**
 * Where each dimension's code sits in a vector's OSQ bit string: codes are concatenated
 * most-significant-bit first (dimension 0 first), zero-padded to S = ⌈Σbits / 8⌉ whole bytes.
 * Byte s of that string is the vector's entry in segment s.
 */
import { InvalidInputError } from '../errors/errors.ts';

export interface OsqLayout {
  /** D: bits per dimension, 0..8. */
  readonly bits: Uint8Array;
  /** D + 1: dimension d occupies bit positions bitOffsets[d] .. bitOffsets[d + 1] − 1; [D] = Σbits. */
  readonly bitOffsets: Uint32Array;
  /** S = ⌈Σbits / 8⌉ byte segments per vector. */
  readonly segments: number;
}

export function osqLayout(bits: Uint8Array): OsqLayout {
  const dims = bits.length;
  const bitOffsets = new Uint32Array(dims + 1);
  for (let d = 0; d < dims; d++) {
    const width = bits[d]!;
    if (width > 8) throw new InvalidInputError(`dimension ${d} has ${width} bits, at most 8 are allowed`);
    bitOffsets[d + 1] = bitOffsets[d]! + width;
  }
  return { bits: Uint8Array.from(bits), bitOffsets, segments: Math.ceil(bitOffsets[dims]! / 8) };
}
