import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/random.ts';
import { hammingPrune } from '../../../shared/search/hamming-prune.ts';

function popcount(x: number): number {
  let c = 0;
  for (let b = x; b; b >>>= 1) c += b & 1;
  return c;
}

describe('hammingPrune', () => {
  it('keeps exactly the `keep` candidates with the smallest Hamming distance (ties in row order)', () => {
    const rng = createRng(11);
    const n = 300;
    const bytes = 6;
    const codes = Uint8Array.from({ length: n * bytes }, () => rng.int(256));
    const query = Uint8Array.from({ length: bytes }, () => rng.int(256));
    const rows = Uint32Array.from({ length: 200 }, (_, i) => i * 1 + (i % 3));
    const distance = (row: number) => {
      let h = 0;
      for (let j = 0; j < 4; j++) h += popcount(codes[row * bytes + j]! ^ query[j]!);
      return h;
    };
    const out = new Uint32Array(n);
    const kept = hammingPrune(codes, bytes, query, 4, rows, rows.length, 37, out);
    expect(kept).toBe(37);
    const expected = [...rows]
      .map((row, position) => ({ row, position, h: distance(row) }))
      .sort((a, b) => a.h - b.h || a.position - b.position)
      .slice(0, 37)
      .sort((a, b) => a.position - b.position)
      .map((x) => x.row);
    expect([...out.subarray(0, kept)]).toEqual(expected);
  });
});
