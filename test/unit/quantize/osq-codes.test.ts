import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/errors.ts';
import { extractDimension, packCodes, readCode } from '../../../shared/quantize/osq-codes.ts';
import { osqLayout } from '../../../shared/quantize/osq-layout.ts';
import { createRng } from '../../../shared/random.ts';

/** Packs one vector the slow way: an MSB-first string of '0'/'1', zero-padded to whole bytes. */
function naiveBytes(codes: number[], bits: number[]): number[] {
  let text = '';
  codes.forEach((code, d) => {
    if (bits[d]! > 0) text += code.toString(2).padStart(bits[d]!, '0');
  });
  text = text.padEnd(Math.ceil(text.length / 8) * 8, '0');
  return Array.from({ length: text.length / 8 }, (_, s) => Number.parseInt(text.slice(8 * s, 8 * s + 8), 2));
}

describe('osqLayout', () => {
  it('places codes MSB-first and counts S = ⌈Σbits/8⌉ segments', () => {
    const layout = osqLayout(Uint8Array.of(3, 6, 0, 7, 8, 1));
    expect(Array.from(layout.bitOffsets)).toEqual([0, 3, 9, 9, 16, 24, 25]);
    expect(layout.segments).toBe(4);
    expect(osqLayout(new Uint8Array(5)).segments).toBe(0);
    expect(() => osqLayout(Uint8Array.of(2, 9))).toThrow(
      new InvalidInputError('dimension 1 has 9 bits, at most 8 are allowed'),
    );
  });
});

describe('packCodes / extractDimension', () => {
  it('writes the golden bytes segment-major, with straddling codes split across segments', () => {
    const layout = osqLayout(Uint8Array.of(3, 6, 0, 7));
    // row 0: 101 100001 · 1100100 = 10110000 11100100; row 1: all ones.
    const packed = packCodes(Uint8Array.of(5, 33, 0, 100, 7, 63, 0, 127), 2, layout);
    expect(Array.from(packed)).toEqual([0xb0, 0xff, 0xe4, 0xff]);
  });

  it('round-trips random widths 0..8 for all rows and for a random subset of rows', () => {
    const rng = createRng(17);
    for (let trial = 0; trial < 25; trial++) {
      const dims = 1 + rng.int(40);
      const n = 1 + rng.int(60);
      const bits = Uint8Array.from({ length: dims }, () => rng.int(9));
      bits[rng.int(dims)] = 0;
      const layout = osqLayout(bits);
      const codes = new Uint8Array(n * dims);
      for (let r = 0; r < n; r++) for (let d = 0; d < dims; d++) codes[r * dims + d] = rng.int(1 << bits[d]!);
      const packed = packCodes(codes, n, layout);
      expect(packed.length).toBe(layout.segments * n);

      for (let r = 0; r < n; r++) {
        const row = Array.from(codes.subarray(r * dims, (r + 1) * dims));
        const segments = Array.from({ length: layout.segments }, (_, s) => packed[s * n + r]!);
        expect(segments).toEqual(naiveBytes(row, Array.from(bits)));
      }

      const rows = Uint32Array.from({ length: 1 + rng.int(n) }, () => rng.int(n));
      const all = new Uint8Array(n);
      const subset = new Uint8Array(rows.length + 3).fill(0xaa);
      for (let d = 0; d < dims; d++) {
        extractDimension(packed, n, layout, d, null, n, all);
        extractDimension(packed, n, layout, d, rows, rows.length, subset);
        for (let r = 0; r < n; r++) {
          expect(all[r]).toBe(codes[r * dims + d]);
          expect(readCode(packed, n, layout, r, d)).toBe(codes[r * dims + d]);
        }
        rows.forEach((row, i) => {
          expect(subset[i]).toBe(codes[row * dims + d]);
        });
        expect(Array.from(subset.subarray(rows.length))).toEqual([0xaa, 0xaa, 0xaa]);
      }
    }
  });

  it('covers every straddle position of an 8-bit code', () => {
    for (let lead = 0; lead < 8; lead++) {
      const layout = osqLayout(Uint8Array.of(lead, 8));
      const packed = packCodes(Uint8Array.of(0, 0xa5, lead === 0 ? 0 : (1 << lead) - 1, 0x3c), 2, layout);
      const out = new Uint8Array(2);
      extractDimension(packed, 2, layout, 1, null, 2, out);
      expect(Array.from(out)).toEqual([0xa5, 0x3c]);
    }
  });

  it('rejects codes that do not fit, wrong sizes and rows out of range', () => {
    const layout = osqLayout(Uint8Array.of(2, 3));
    expect(() => packCodes(Uint8Array.of(4, 0), 1, layout)).toThrow(
      new InvalidInputError('row 0 dimension 0: code 4 does not fit in 2 bits'),
    );
    expect(() => packCodes(Uint8Array.of(1, 0, 1), 1, layout)).toThrow(
      'packCodes expects 1 × 2 cell codes, got 3 (n = 1)',
    );
    const packed = packCodes(Uint8Array.of(1, 2, 3, 4), 2, layout);
    const out = new Uint8Array(2);
    expect(() => extractDimension(packed, 2, layout, 1, Uint32Array.of(0, 2), 2, out)).toThrow(
      'extractDimension: row 2 of 2 is out of range',
    );
    expect(() => extractDimension(packed, 2, layout, 2, null, 2, out)).toThrow(
      'dimension 2 is out of range 0..1',
    );
    expect(() => extractDimension(packed, 3, layout, 0, null, 2, out)).toThrow(
      'OSQ codes of 3 vectors × 1 segments need 3 bytes, got 2',
    );
    expect(() => extractDimension(packed, 2, layout, 0, null, 3, out)).toThrow(InvalidInputError);
  });
});
