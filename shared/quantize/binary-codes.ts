/**
 * Binary (sign) codes: bit d is 1 when KLT coordinate z_d > 0. Bits are packed MSB first (dimension 0 is
 * the MSB of byte 0), ⌈D/8⌉ bytes per vector, vectors row-major. The same `binaryCode` runs at build and
 * query time, so a query's code is comparable with the stored ones by Hamming distance.
 *
 * The reference takes the sign of the standardised coordinate (z − mean)/std; KLT coordinates are already
 * centred on the partition mean, so the sign of z is that bit.
 */
import { InvalidInputError } from '../errors/errors.ts';

export function binaryCodeBytes(dims: number): number {
  return Math.ceil(dims / 8);
}

/** Writes the ⌈dims/8⌉-byte sign code of z[0..dims) at out[outOffset..]. */
export function binaryCode(z: Float64Array, dims: number, out: Uint8Array, outOffset: number): void {
  const bytes = binaryCodeBytes(dims);
  if (dims < 0 || dims > z.length || outOffset < 0 || outOffset + bytes > out.length) {
    throw new InvalidInputError(
      `binaryCode: ${dims} dims of ${z.length} coordinates into ${bytes} bytes at offset ${outOffset} of ${out.length}`,
    );
  }
  for (let byte = 0; byte < bytes; byte++) {
    const base = byte * 8;
    const last = Math.min(8, dims - base);
    let value = 0;
    for (let bit = 0; bit < last; bit++) {
      if (z[base + bit]! > 0) value |= 0x80 >>> bit;
    }
    out[outOffset + byte] = value;
  }
}

/** POPCOUNT8[b] = number of set bits in the byte b. */
export const POPCOUNT8: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let b = 1; b < 256; b++) table[b] = (b & 1) + table[b >>> 1]!;
  return table;
})();

/** Hamming distance between the `bytes`-byte codes at a[aOffset..] and b[bOffset..]. */
export function hamming(
  a: Uint8Array,
  aOffset: number,
  b: Uint8Array,
  bOffset: number,
  bytes: number,
): number {
  if (aOffset < 0 || bOffset < 0 || aOffset + bytes > a.length || bOffset + bytes > b.length) {
    throw new InvalidInputError(
      `hamming: ${bytes} bytes at offsets ${aOffset} and ${bOffset} exceed codes of ${a.length} and ${b.length} bytes`,
    );
  }
  let distance = 0;
  for (let i = 0; i < bytes; i++) distance += POPCOUNT8[a[aOffset + i]! ^ b[bOffset + i]!]!;
  return distance;
}
