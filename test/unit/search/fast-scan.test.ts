/**
 * The fast-scan kernel: its embedded binary is its source compiled; its bounds are the rounded-down
 * table sums (checked against a plain loop), never above the float bounds of the same cells, so never
 * above the exact distance. Its shortlist keys are tested with the shortlist (shortlist.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWat } from '../../../scripts/wasm/compile-wat.ts';
import { createRng } from '../../../shared/random.ts';
import { fastScanCodes, fastScanSums, wantsFastScan } from '../../../shared/search/fast-scan/fast-scan.ts';
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

  it('gives the rounded-down table sums, whose bounds are at most the float bounds', () => {
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
      const fastScan = fastScanSums(blocks, gaps);
      expect(fastScan).not.toBeNull();
      const { sums, step, limit } = fastScan!;
      const steps = Math.min(255, Math.floor(65535 / dims));
      expect(step).toBe(Math.max(...gaps) / steps);
      expect(limit).toBe(dims * steps);
      expect(sums.length).toBe(rows);
      for (let row = 0; row < rows; row++) {
        const sum = codes[row]!.reduce(
          (total, code, d) => total + Math.min(steps, Math.floor(gaps[d * 16 + code]! / step)),
          0,
        );
        expect(sums[row]).toBe(sum);
        expect(Math.fround(sum * step)).toBeLessThanOrEqual(floatBound(row) * (1 + 1e-6));
      }
    }
  });

  it('is wanted only when the candidates are at least a quarter of the partition', () => {
    expect(wantsFastScan(250, 1000)).toBe(true);
    expect(wantsFastScan(249, 1000)).toBe(false);
  });
});
