import { describe, expect, it } from 'vitest';
import { kltTransform, OsqQuantizer } from '../../../shared/quantize/index.ts';
import { createRng } from '../../../shared/random.ts';
import { AdcTables, accumulateLowerBounds, pruningCodes } from '../../../shared/search/adc.ts';
import { squaredL2 } from '../../../shared/search/distance.ts';

function correlatedData(n: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const mix = Float64Array.from({ length: dim * dim }, () => rng.normal());
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const latent = Array.from({ length: dim }, (_, j) => rng.normal() * 3 ** (-j / 8));
    for (let j = 0; j < dim; j++) {
      let v = 0;
      for (let l = 0; l < dim; l++) v += mix[j * dim + l]! * latent[l]!;
      out[i * dim + j] = v;
    }
  }
  return out;
}

describe('pruning codes and pair tables', () => {
  const dim = 6;
  const n = 300;
  const data = correlatedData(n, dim, 8);
  const quantizer = OsqQuantizer.train(data, n, dim, { bitsPerVector: 5 * dim, seed: 8 });
  const { klt, bits, boundaries, boundaryOffsets } = quantizer.params;
  const { osq } = quantizer.encode(data, n);
  const codes = pruningCodes(osq, n, quantizer.layout, dim);
  /** The interval of dimension d's 4-bit pruning cell c: 2^(bits − 4) OSQ cells merged. */
  const interval = (d: number, c: number) => {
    const step = 2 ** Math.max(0, bits[d]! - 4);
    return [boundaries[boundaryOffsets[d]! + c * step]!, boundaries[boundaryOffsets[d]! + (c + 1) * step]!];
  };
  const nibble = (row: number, d: number) => {
    const byte = codes.codes[row * (dim / 2) + (d >> 1)]!;
    return d & 1 ? byte & 15 : byte >> 4;
  };

  it('keep each coordinate inside its coarser 4-bit cell', () => {
    expect(Math.max(...bits)).toBeGreaterThan(4);
    const z = new Float64Array(dim);
    for (let row = 0; row < n; row++) {
      kltTransform(klt, data, row * dim, z);
      for (let d = 0; d < dim; d++) {
        if (bits[d] === 0) continue;
        const [lo, hi] = interval(d, nibble(row, d));
        expect(z[d]!).toBeGreaterThanOrEqual(lo! - 1e-4);
        expect(z[d]!).toBeLessThanOrEqual(hi! + 1e-4);
      }
    }
  });

  it('hold the summed squared gaps of both dimensions of a pair, for every code pair', () => {
    const rng = createRng(9);
    const tables = new AdcTables();
    const gap = (q: number, [lo, hi]: number[]) => Math.max(lo! - q, 0, q - hi!) ** 2;
    for (let trial = 0; trial < 10; trial++) {
      const z = Float64Array.from({ length: dim }, (_, d) => rng.normal() * 3 ** (1 - d / 4));
      tables.build(z, dim, bits, boundaries, boundaryOffsets);
      for (let p = 0; p < dim / 2; p++) {
        for (let h = 0; h < 2 ** Math.min(4, bits[2 * p]!); h++) {
          for (let l = 0; l < 2 ** Math.min(4, bits[2 * p + 1]!); l++) {
            const expected = gap(z[2 * p]!, interval(2 * p, h)) + gap(z[2 * p + 1]!, interval(2 * p + 1, l));
            expect(tables.values[p * 256 + h * 16 + l]).toBeCloseTo(expected, 4);
          }
        }
      }
    }
  });
});

describe('ADC lower bound', () => {
  for (const [dim, bitsPerDim, seed] of [
    [16, 4, 1],
    [24, 2, 2],
    [33, 1, 3],
    [12, 8, 4],
  ] as const) {
    it(`never exceeds the exact distance (D=${dim}, ${bitsPerDim} bits/dim)`, () => {
      const n = 400;
      const data = correlatedData(n, dim, seed);
      const quantizer = OsqQuantizer.train(data, n, dim, { bitsPerVector: bitsPerDim * dim, seed });
      const { osq } = quantizer.encode(data, n);
      const { klt, bits, boundaries, boundaryOffsets } = quantizer.params;
      const rows = Uint32Array.from({ length: n }, (_, i) => i);
      const bounds = new Float32Array(n);
      const codes = pruningCodes(osq, n, quantizer.layout, dim);
      const tables = new AdcTables();
      const queries = correlatedData(30, dim, seed + 100);
      let tight = 0;
      for (let q = 0; q < 30; q++) {
        const query = queries.subarray(q * dim, (q + 1) * dim);
        const z = new Float64Array(dim);
        kltTransform(klt, query, 0, z, dim);
        tables.build(z, dim, bits, boundaries, boundaryOffsets);
        accumulateLowerBounds(codes, rows, n, tables, bounds);
        for (let i = 0; i < n; i++) {
          const exact = squaredL2(query, data, i, dim);
          expect(bounds[i]!).toBeLessThanOrEqual(exact * (1 + 1e-5) + 1e-6);
          tight += bounds[i]! / exact;
        }
      }
      // A bound that is always 0 would pass the inequality; require it to carry real information.
      expect(tight / (30 * n)).toBeGreaterThan(bitsPerDim >= 2 ? 0.5 : 0.2);
    });
  }
});
