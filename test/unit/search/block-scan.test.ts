/**
 * The WebAssembly block scan: two queries against four rows at a time give each query exactly the answer
 * of its own row scan, and the embedded binary is its source compiled.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWat } from '../../../scripts/wasm/compile-wat.ts';
import { createRng } from '../../../shared/random.ts';
import { blockStride, rowStart, scanBlock } from '../../../shared/search/block-scan/block-scan.ts';
import { BLOCK_SCAN_WASM_BASE64 } from '../../../shared/search/block-scan/block-scan-binary.ts';
import { permuteInto } from '../../../shared/search/coordinate-order.ts';
import { scanRows } from '../../../shared/search/row-scan.ts';
import { TopK } from '../../../shared/search/top-k.ts';

describe('scanBlock', () => {
  it("gives every query scanRows' hits over the rows in the block's order, distances bit for bit", () => {
    const rng = createRng(11);
    for (const [queryCount, rows, k, dim, integers] of [
      [1, 6, 10, 70, true],
      [2, 5, 3, 70, false],
      [7, 41, 10, 33, true],
      [8, 3, 1, 64, false],
      [5, 200, 10, 128, false],
      [4, 64, 20, 5, true],
      [3, 150, 10, 100, false],
      [300, 9, 5, 12, false],
      [3, 10, 10, 20, false],
      [5, 4, 4, 9, true],
      [6, 7, 50, 16, true],
    ] as const) {
      // Integer coordinates make ties likely: the (distance, id) order must hold them too. Fractional
      // ones make the sums depend on the order of their terms.
      const value = () => (integers ? rng.int(4) : rng.next() * 10 - 5);
      const rowMajor = Float32Array.from({ length: rows * dim }, value);
      const queries = Array.from({ length: queryCount }, () => Float32Array.from({ length: dim }, value));
      const ids = Uint32Array.from({ length: rows }, () => rng.int(1_000_000));
      const order = Uint32Array.from({ length: dim }, (_, j) => j);
      for (let j = dim - 1; j > 0; j--) {
        const other = rng.int(j + 1);
        [order[j], order[other]] = [order[other]!, order[j]!];
      }
      // The block holds the rows in `order`; scanRows reads them the same way with permuted queries.
      const permutedRows = new Float32Array(rows * dim);
      for (let row = 0; row < rows; row++) permuteInto(rowMajor, row * dim, order, permutedRows, row * dim);
      const block = {
        ids,
        dim,
        write: (vectors: Float32Array, stride: number) => {
          expect(stride).toBe(blockStride(dim));
          // What the last scan wrote is gone: the memory is zero where this one writes nothing.
          expect(vectors.every((value) => value === 0)).toBe(true);
          for (let row = 0; row < rows; row++) {
            for (let j = 0; j < dim; j++)
              vectors[rowStart(row, stride) + 4 * j] = permutedRows[row * dim + j]!;
          }
        },
      };
      const answers = scanBlock(block, queries, order, k);
      expect(answers).toHaveLength(queryCount);
      const all = Uint32Array.from({ length: rows }, (_, row) => row);
      const permuted = new Float32Array(dim);
      for (let q = 0; q < queryCount; q++) {
        const top = new TopK(k);
        permuteInto(queries[q]!, 0, order, permuted);
        scanRows(permuted, permutedRows, dim, all, rows, ids, top);
        expect(answers[q], `${queryCount} queries, ${rows} rows of ${dim}, query ${q}`).toEqual(top.sorted());
      }
    }
  });

  it('gives every query an empty answer over an empty block', () => {
    const block = { ids: new Uint32Array(0), dim: 8, write: () => {} };
    expect(
      scanBlock(
        block,
        [new Float32Array(8), new Float32Array(8)],
        Uint32Array.from([0, 1, 2, 3, 4, 5, 6, 7]),
        5,
      ),
    ).toEqual([[], []]);
  });

  it('embeds block-scan.wat compiled', async () => {
    const folder = join(import.meta.dirname, '../../../shared/search/block-scan');
    const binary = await compileWat('block-scan.wat', await readFile(join(folder, 'block-scan.wat'), 'utf8'));
    expect(Buffer.from(binary).toString('base64')).toBe(BLOCK_SCAN_WASM_BASE64);
  });
});
