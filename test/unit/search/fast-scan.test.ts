/**
 * The fast-scan kernel: its embedded binary is its source compiled; its bounds are the rounded-down
 * table sums (checked against a plain loop), never above the float bounds of the same cells, so never
 * above the exact distance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWat } from '../../../scripts/wasm/compile-wat.ts';
import { createRng } from '../../../shared/random.ts';
import { fastScanBounds, fastScanCodes, wantsFastScan } from '../../../shared/search/fast-scan/fast-scan.ts';
import { FAST_SCAN_WASM_BASE64 } from '../../../shared/search/fast-scan/fast-scan-binary.ts';

const folder = join(import.meta.dirname, '../../../shared/search/fast-scan');

/** Row-major pair codes (two 4-bit codes per byte) of random rows. */
function randomCodes(rows: number, dims: number, seed: number): { pairs: Uint8Array; codes: number[][] } {
  const rng = createRng(seed);
  const codes = Array.from({ length: rows }, () => Array.from({ length: dims }, () => rng.int(16)));
  const pairs = new Uint8Array((rows * dims) / 2);
  codes.forEach((row, r) => {
    for (let p = 0; p < dims / 2; p++) pairs[(r * dims) / 2 + p] = (row[2 * p]! << 4) | row[2 * p + 1]!;
  });
  return { pairs, codes };
}

describe('fast-scan kernel', () => {
  it('is embedded as fast-scan.wat compiles', async () => {
    const compiled = await compileWat('fast-scan.wat', readFileSync(join(folder, 'fast-scan.wat'), 'utf8'));
    expect(Buffer.from(compiled).toString('base64')).toBe(FAST_SCAN_WASM_BASE64);
  });

  it('gives the rounded-down table sums, at most the float bounds, for whole partitions and subsets', () => {
    const rng = createRng(7);
    for (const [rows, dims] of [
      [640, 16],
      [37, 32],
      [1000, 8],
      [300, 300],
    ] as const) {
      const { pairs, codes } = randomCodes(rows, dims, rows + dims);
      const blocks = fastScanCodes(pairs, dims / 2, rows, dims);
      // Gaps spanning four orders of magnitude, zero in the query's own cell.
      const gaps = Float64Array.from({ length: dims * 16 }, (_, i) =>
        i % 17 === 0 ? 0 : rng.next() ** 4 * 100,
      );
      const floatBound = (row: number) => codes[row]!.reduce((sum, code, d) => sum + gaps[d * 16 + code]!, 0);
      const subset = Uint32Array.from({ length: Math.ceil(rows / 3) }, () => rng.int(rows));
      for (const [chosen, count] of [
        [null, rows],
        [subset, subset.length],
      ] as const) {
        const out = new Float32Array(count);
        expect(fastScanBounds(blocks, gaps, chosen, count, out)).toBe(true);
        const steps = Math.min(255, Math.floor(65535 / dims));
        const step = Math.max(...gaps) / steps;
        for (let i = 0; i < count; i++) {
          const row = chosen ? chosen[i]! : i;
          const sum = codes[row]!.reduce(
            (total, code, d) => total + Math.min(steps, Math.floor(gaps[d * 16 + code]! / step)),
            0,
          );
          expect(out[i]).toBe(Math.fround(sum * step));
          expect(out[i]!).toBeLessThanOrEqual(floatBound(row) * (1 + 1e-6));
        }
      }
    }
  });

  it('is wanted only when the candidates are at least a quarter of the partition', () => {
    expect(wantsFastScan(250, 1000)).toBe(true);
    expect(wantsFastScan(249, 1000)).toBe(false);
  });
});
