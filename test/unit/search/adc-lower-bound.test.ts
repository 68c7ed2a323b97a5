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

describe('ADC tables', () => {
  it('hold the squared gap from the query coordinate to every cell (0 inside it)', () => {
    const dim = 6;
    const data = correlatedData(300, dim, 8);
    const quantizer = OsqQuantizer.train(data, 300, dim, { bitsPerVector: 4 * dim, seed: 8 });
    const { bits, boundaries, boundaryOffsets } = quantizer.params;
    const rng = createRng(9);
    const tables = new AdcTables();
    for (let trial = 0; trial < 20; trial++) {
      const z = Float64Array.from({ length: dim }, (_, d) => rng.normal() * 3 ** (1 - d / 4));
      tables.build(z, dim, bits, boundaries, boundaryOffsets);
      for (let d = 0; d < dim; d++) {
        for (let c = 0; c < 1 << bits[d]!; c++) {
          const lo = boundaries[boundaryOffsets[d]! + c]!;
          const hi = boundaries[boundaryOffsets[d]! + c + 1]!;
          const gap = Math.max(lo - z[d]!, 0, z[d]! - hi);
          expect(tables.values[d * 256 + c]).toBeCloseTo(gap * gap, 4);
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
