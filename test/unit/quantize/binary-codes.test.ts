import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/errors.ts';
import { binaryCode, binaryCodeBytes, hamming, POPCOUNT8 } from '../../../shared/quantize/binary-codes.ts';
import { createRng } from '../../../shared/random.ts';

describe('binary codes', () => {
  it('POPCOUNT8 counts set bits', () => {
    for (let b = 0; b < 256; b++) expect(POPCOUNT8[b]).toBe(b.toString(2).split('1').length - 1);
  });

  it('writes the golden sign code: z > 0 → 1, MSB of byte 0 = dimension 0', () => {
    const out = new Uint8Array(4).fill(0x77);
    binaryCode(Float64Array.of(1, -1, 0, 2, 0.5, -3, 1, 1, 4), 9, out, 1);
    expect(Array.from(out)).toEqual([0x77, 0x9b, 0x80, 0x77]);
  });

  it('agrees with a naive bit-by-bit computation, and hamming with a naive count', () => {
    const rng = createRng(23);
    for (let dims = 1; dims <= 40; dims++) {
      const bytes = binaryCodeBytes(dims);
      const z = Float64Array.from({ length: dims }, () => (rng.next() < 0.1 ? 0 : rng.normal()));
      const w = Float64Array.from({ length: dims }, () => rng.normal());
      const codes = new Uint8Array(2 * bytes);
      binaryCode(z, dims, codes, 0);
      binaryCode(w, dims, codes, bytes);
      let expected = 0;
      for (let d = 0; d < dims; d++) {
        const bit = (codes[d >>> 3]! >>> (7 - (d & 7))) & 1;
        expect(bit).toBe(z[d]! > 0 ? 1 : 0);
        if (z[d]! > 0 !== w[d]! > 0) expected++;
      }
      if (dims % 8 !== 0) expect(codes[bytes - 1]! & (0xff >>> (dims % 8))).toBe(0); // padding bits stay 0
      expect(hamming(codes, 0, codes, bytes, bytes)).toBe(expected);
      expect(hamming(codes, bytes, codes, 0, bytes)).toBe(expected);
      expect(hamming(codes, 0, codes, 0, bytes)).toBe(0);
    }
  });

  it('rejects codes that do not fit', () => {
    expect(() => binaryCode(new Float64Array(9), 9, new Uint8Array(2), 1)).toThrow(InvalidInputError);
    expect(() => hamming(new Uint8Array(4), 2, new Uint8Array(4), 0, 3)).toThrow(
      'hamming: 3 bytes at offsets 2 and 0 exceed codes of 4 and 4 bytes',
    );
  });
});
