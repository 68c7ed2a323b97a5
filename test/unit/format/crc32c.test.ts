import { describe, expect, it } from 'vitest';
import { crc32c, crc32cOfParts, formatCrc32c } from '../../../shared/format/index.ts';

describe('crc32c', () => {
  it('matches the CRC-32C check value and a bitwise reference', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(Uint8Array.from([1, 2, 3]))).toBe(0xf130f21e);
  });

  it('hashes parts as if they were one buffer, respecting subarray offsets', () => {
    const whole = new TextEncoder().encode('squash index object');
    expect(crc32cOfParts([whole.subarray(0, 6), whole.subarray(6, 7), whole.subarray(7)])).toBe(
      crc32c(whole),
    );
  });

  it('formats as 8 hex digits', () => {
    expect(formatCrc32c(0xa)).toBe('0x0000000a');
    expect(formatCrc32c(0xe3069283)).toBe('0xe3069283');
  });
});
