/**
 * The exact scan of one contiguous block of rows for many queries (a batch's queries that share a
 * filter, `shared/index/matching-block.ts`): two queries against four rows at a time
 * (`squaredL2BoundedPairQuad`), so each coordinate read serves both queries. Every query's answer is the
 * one `scanRows` gives it over the same rows: the same quads in the same order against its own k-th best,
 * the same sums bit for bit where they run to the end, and partial sums above its k-th best otherwise.
 */
import { squaredL2BoundedPairQuad } from './distance.ts';
import { type Hit, TopK } from './top-k.ts';

/** Rows of zeros a block must hold after its last row, so that every quad reads four rows. */
export const BLOCK_PADDING_ROWS = 3;

const sums = new Float64Array(8);
const first = new TopK(0);
const second = new TopK(0);

/**
 * The exact top k (squared distances, ascending) of each of the `count` row-major `queries` over
 * rows [0, rows) of `block`, whose storage runs `BLOCK_PADDING_ROWS` rows further; hits carry `ids[row]`.
 */
export function scanBlock(
  queries: Float32Array,
  count: number,
  block: Float32Array,
  rows: number,
  dim: number,
  ids: ArrayLike<number>,
  k: number,
): Hit[][] {
  const answers: Hit[][] = new Array(count);
  for (let q = 0; q < count; q += 2) {
    // An odd batch's last query is paired with itself; the second copy's answer is dropped.
    const other = Math.min(q + 1, count - 1);
    first.reset(k);
    second.reset(k);
    for (let row = 0; row < rows; row += 4) {
      squaredL2BoundedPairQuad(queries, q, other, block, row, dim, first.worst, second.worst, sums);
      const size = Math.min(4, rows - row);
      for (let t = 0; t < size; t++) {
        const id = ids[row + t]!;
        first.push(sums[t]!, id);
        second.push(sums[4 + t]!, id);
      }
    }
    answers[q] = first.sorted();
    if (other !== q) answers[other] = second.sorted();
  }
  return answers;
}
