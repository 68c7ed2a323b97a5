/** Two queries against four rows at a time give each query exactly the answer of its own row scan. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/random.ts';
import { BLOCK_PADDING_ROWS, scanBlock } from '../../../shared/search/block-scan.ts';
import { scanRows } from '../../../shared/search/row-scan.ts';
import { TopK } from '../../../shared/search/top-k.ts';

describe('scanBlock', () => {
  it("gives every query scanRows' hits, distances bit for bit, for odd and even batches and any row count", () => {
    const rng = createRng(11);
    const dim = 70;
    for (const [queryCount, rows, k] of [
      [1, 6, 10],
      [2, 5, 3],
      [7, 41, 10],
      [8, 3, 1],
      [5, 200, 10],
      [4, 64, 20],
    ] as const) {
      // Integer coordinates make ties likely: the (distance, id) order must hold them too.
      const block = new Float32Array((rows + BLOCK_PADDING_ROWS) * dim);
      for (let i = 0; i < rows * dim; i++) block[i] = rng.int(4);
      const queries = Float32Array.from({ length: queryCount * dim }, () => rng.int(4));
      const ids = Uint32Array.from({ length: rows }, () => rng.int(1_000_000));
      const order = Uint32Array.from({ length: rows }, (_, row) => row);
      const answers = scanBlock(queries, queryCount, block, rows, dim, ids, k);
      expect(answers).toHaveLength(queryCount);
      for (let q = 0; q < queryCount; q++) {
        const top = new TopK(k);
        scanRows(queries.subarray(q * dim, (q + 1) * dim), block, dim, order, rows, ids, top);
        expect(answers[q], `${queryCount} queries, ${rows} rows, query ${q}`).toEqual(top.sorted());
      }
    }
  });
});
