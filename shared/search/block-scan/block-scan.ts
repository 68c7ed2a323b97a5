/**
 * The exact scan of one block of rows for many queries (a batch's queries that share a filter,
 * `shared/index/matching-block.ts`), in WebAssembly SIMD (`block-scan.wat`): two queries against four
 * rows at a time, each row's sum in one f64 lane, so each coordinate read serves both queries and eight
 * sums advance per step. Every query's answer is the one `scanRows` gives it over the same rows in the
 * same coordinate order: the same terms added in the same order, so the same sums bit for bit where they
 * run to the end, and partial sums above its k-th best otherwise.
 *
 * Design decisions:
 * - Rows are stored four side by side per coordinate (`BlockRows`): one 16-byte load gives a coordinate
 *   of four rows, widened to two f64x2. Queries are rearranged into the block's coordinate order and
 *   widened once per call, in the module. Against the same scan in JavaScript (two queries, four rows,
 *   one float64 variable per sum) this measured 1.7× faster on 6 rows of 128 dimensions and 2.2–3.1× on
 *   86 rows of 128 and 57–600 rows of 784 (docs/performance.md).
 * - The caller writes the block's rows straight into the module's memory for each call, after the
 *   queries: no block is allocated or copied in JavaScript, and the module keeps nothing between calls,
 *   so its memory holds at most one block and `QUERIES_PER_TURN` queries.
 * - A block of at most k rows is answered without a heap (`allRows`): every row is an answer.
 * - Without WebAssembly SIMD there is no block scan (`blockScanAvailable`); the exact plan then visits
 *   the partitions.
 */
import { allSorted, type Hit, TopK } from '../top-k.ts';
import { alignTo, kernelLoader, reserve, type WasmMemory } from '../wasm-kernel.ts';
import { BLOCK_SCAN_WASM_BASE64 } from './block-scan-binary.ts';

/**
 * The rows a scan reads: their ids, and how to write their coordinates into the kernel's memory (rows
 * four side by side: coordinate j of row r at `rowStart(r, stride) + 4·j`, with `stride` =
 * `blockStride(dim)`; the memory is zero where nothing is written, padding included).
 */
export interface BlockRows {
  /** The rows' ids (what hits carry), one per row. */
  readonly ids: Uint32Array;
  readonly dim: number;
  write(vectors: Float32Array, stride: number): void;
}

/** Coordinates stored per row: `dim` rounded up to a multiple of 4. */
export function blockStride(dim: number): number {
  return (dim + 3) & ~3;
}

/** Where coordinate 0 of `row` is stored; coordinate j follows 4·j further. */
export function rowStart(row: number, stride: number): number {
  return (row >>> 2) * 4 * stride + (row & 3);
}

interface Kernel {
  readonly memory: WasmMemory;
  readonly promote: (
    from: number,
    order: number,
    dim: number,
    stride: number,
    count: number,
    to: number,
  ) => void;
  readonly pair: (
    first: number,
    second: number,
    quad: number,
    stride: number,
    bound0: number,
    bound1: number,
    out: number,
  ) => void;
}

const loadKernel = kernelLoader(
  BLOCK_SCAN_WASM_BASE64,
  (exports): Kernel => ({
    memory: exports.memory as WasmMemory,
    promote: exports.promote as Kernel['promote'],
    pair: exports.pair as Kernel['pair'],
  }),
);

export function blockScanAvailable(): boolean {
  return loadKernel() !== null;
}

/** Queries rearranged and widened per turn: bounds the module's memory for large batches. */
const QUERIES_PER_TURN = 256;
/** The kernel's eight sums (f64) sit first in its memory. */
const SUMS_AT = 0;
const SUMS_BYTES = 8 * 8;

const first = new TopK(0);
const second = new TopK(0);
/** Every row's sums for two queries, when the block has at most k rows. */
let firstAll = new Float64Array(0);
let secondAll = new Float64Array(0);
let firstIds = new Float64Array(0);
let secondIds = new Float64Array(0);
/** The last pair's answers: one object written by every pair, not a tuple made per pair. */
const pairHits: { first: Hit[]; second: Hit[] } = { first: [], second: [] };

/**
 * The exact top k (squared distances, ascending, ids from `block.ids`) of each query over the block's
 * rows, its coordinates taken in `order` (the block's coordinate j is the query's coordinate order[j]).
 */
export function scanBlock(
  rows: BlockRows,
  queries: readonly Float32Array[],
  order: Uint32Array,
  k: number,
): Hit[][] {
  const { memory, promote, pair: kernel } = loadKernel()!;
  const { ids, dim } = rows;
  const stride = blockStride(dim);
  const turn = Math.min(queries.length, QUERIES_PER_TURN);
  const orderAt = SUMS_AT + SUMS_BYTES;
  const rawAt = alignTo(orderAt + dim * 4, 16);
  const promotedAt = alignTo(rawAt + turn * dim * 4, 16);
  const blockAt = alignTo(promotedAt + turn * stride * 8, 16);
  const blockLength = Math.ceil(ids.length / 4) * 4 * stride;
  reserve(memory, blockAt + blockLength * 4);
  const raw = new Float32Array(memory.buffer, rawAt, turn * dim);
  new Uint32Array(memory.buffer, orderAt, dim).set(order);
  const block = new Float32Array(memory.buffer, blockAt, blockLength);
  block.fill(0);
  rows.write(block, stride);
  const scan = { kernel, sums: new Float64Array(memory.buffer, SUMS_AT, 8), blockAt, ids, stride, k };
  const scanPair = ids.length <= k ? allRows : topRows;
  const answers = Array.of<Hit[]>();
  for (let start = 0; start < queries.length; start += turn) {
    const count = Math.min(turn, queries.length - start);
    for (let q = 0; q < count; q++) raw.set(queries[start + q]!, q * dim);
    promote(rawAt, orderAt, dim, stride, count, promotedAt);
    for (let q = 0; q < count; q += 2) {
      // An odd turn's last query is paired with itself; the second copy's answer is dropped.
      const other = Math.min(q + 1, count - 1);
      scanPair(scan, promotedAt + q * stride * 8, promotedAt + other * stride * 8);
      answers.push(pairHits.first);
      if (other !== q) answers.push(pairHits.second);
    }
  }
  return answers;
}

interface Scan {
  /** The module's `pair`. */
  readonly kernel: Kernel['pair'];
  /** Its eight sums (a view of its memory). */
  readonly sums: Float64Array;
  readonly blockAt: number;
  readonly ids: Uint32Array;
  readonly stride: number;
  readonly k: number;
}

/** Two promoted queries' top k over the block's rows, into `pairHits`. */
function topRows({ kernel, sums, blockAt, ids, stride, k }: Scan, firstAt: number, secondAt: number): void {
  const rows = ids.length;
  first.reset(k);
  second.reset(k);
  for (let row = 0, quadAt = blockAt; row < rows; row += 4, quadAt += stride * 16) {
    kernel(firstAt, secondAt, quadAt, stride, first.worst, second.worst, SUMS_AT);
    const size = Math.min(4, rows - row);
    for (let t = 0; t < size; t++) {
      const id = ids[row + t]!;
      first.push(sums[t]!, id);
      second.push(sums[4 + t]!, id);
    }
  }
  pairHits.first = first.sorted();
  pairHits.second = second.sorted();
}

/** `topRows` when the block has at most k rows: every row is an answer, so no heap and no bound. */
function allRows({ kernel, sums, blockAt, ids, stride }: Scan, firstAt: number, secondAt: number): void {
  const rows = ids.length;
  if (firstAll.length < rows + 3) {
    firstAll = new Float64Array(rows + 3);
    secondAll = new Float64Array(rows + 3);
    firstIds = new Float64Array(rows + 3);
    secondIds = new Float64Array(rows + 3);
  }
  for (let row = 0, quadAt = blockAt; row < rows; row += 4, quadAt += stride * 16) {
    kernel(firstAt, secondAt, quadAt, stride, Infinity, Infinity, SUMS_AT);
    for (let t = 0; t < 4; t++) {
      firstAll[row + t] = sums[t]!;
      secondAll[row + t] = sums[4 + t]!;
    }
  }
  for (let row = 0; row < rows; row++) {
    firstIds[row] = ids[row]!;
    secondIds[row] = ids[row]!;
  }
  pairHits.first = allSorted(firstAll, firstIds, rows);
  pairHits.second = allSorted(secondAll, secondIds, rows);
}
