import { Crc32c, crc32c as computeCrc32c } from '@aws-crypto/crc32c';

/** CRC32C (Castagnoli) of `bytes`, as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array): number {
  return computeCrc32c(bytes) >>> 0;
}

/** CRC32C of several byte ranges taken in order, as if they were one. */
export function crc32cOfParts(parts: readonly Uint8Array[]): number {
  const hash = new Crc32c();
  for (const part of parts) hash.update(part);
  return hash.digest() >>> 0;
}

/** `0x0a1b2c3d`, for messages. */
export function formatCrc32c(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}
