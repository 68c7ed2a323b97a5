import { crc32c as referenceCrc32c } from '@aws-crypto/crc32c';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cOfParts, formatCrc32c } from '../../../shared/format/index.ts';
import { createRng } from '../../../shared/random.ts';

function randomBytes(seed: number, length: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length }, () => rng.int(256));
}

describe('crc32c', () => {
  it('matches the CRC-32C check value and a bitwise reference', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(Uint8Array.from([1, 2, 3]))).toBe(0xf130f21e);
  });

  it('agrees with @aws-crypto/crc32c on every length and offset', () => {
    const bytes = randomBytes(7, 300);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 1 + (end >> 4)) {
        const part = bytes.subarray(start, end);
        expect(crc32c(part), `bytes ${start}..${end}`).toBe(referenceCrc32c(part) >>> 0);
      }
    }
    const big = randomBytes(8, 100_003);
    expect(crc32c(big)).toBe(referenceCrc32c(big) >>> 0);
  });

  it('hashes parts as if they were one buffer, respecting subarray offsets', () => {
    const whole = randomBytes(9, 1000);
    expect(
      crc32cOfParts([
        whole.subarray(0, 6),
        whole.subarray(6, 7),
        whole.subarray(7, 500),
        whole.subarray(500),
      ]),
    ).toBe(crc32c(whole));
    expect(crc32cOfParts([])).toBe(0);
  });

  it('formats as 8 hex digits', () => {
    expect(formatCrc32c(0xa)).toBe('0x0000000a');
    expect(formatCrc32c(0xe3069283)).toBe('0xe3069283');
  });
});
