/**
 * Lower bounds of a whole partition, sixteen rows at a time, in WebAssembly SIMD (`fast-scan.wat`, after
 * FAISS's fast scan): each dimension's 16 cell gaps, rounded down to whole multiples of one step
 * s = (largest gap) / 255, become a 16-byte table; one byte shuffle looks a dimension up for sixteen rows
 * and the sums run in 16 bits. Σ⌊gap/s⌋·s ≤ Σ gap, so a bound stays a bound (looser by less than s per
 * dimension); on siftsmall the shortlists it gives reach the float bounds' recall at every setting
 * measured (docs/performance.md).
 *
 * Design decisions:
 * - It bounds every row of the partition (the kernel has no gather), so it is used only when the
 *   candidates are at least a quarter of the partition; a selective filter's few rows take the float
 *   pair tables (`adc.ts`).
 * - A partition's codes are laid out per block of 16 rows and per dimension (`FastScanCodes`, derived on
 *   first use) and copied into the module's memory when a search first needs them there; they stay until
 *   the copies exceed `RESIDENT_BYTES`, when the memory is reset and refilled on demand. The memory is
 *   one per process, never shrinks, and holds at most that plus one partition's tables, sums and
 *   shortlist keys (at most 12 bytes per row).
 * - The shortlist's first step runs in the module too (`fastScanKeys`): a histogram of the 16-bit sums
 *   finds the bucket of the m-th smallest and only rows up to it get keys, so the bounds are never
 *   widened to floats but for the rows listed (on siftsmall's best unfiltered setting this made the
 *   whole search 1.22× faster than bounding in the module and shortlisting floats in JavaScript).
 * - Without WebAssembly SIMD the searches fall back to the float tables (same rule, other bounds).
 */
import { alignTo, kernelLoader, reserve, type WasmMemory } from '../wasm-kernel.ts';
import { FAST_SCAN_WASM_BASE64 } from './fast-scan-binary.ts';

/** Rows per block: one 128-bit lane per row code. */
const BLOCK = 16;
/** Largest table entry: a byte, and small enough that `dims` of them sum within 16 bits. */
function stepsFor(dims: number): number {
  return Math.min(255, Math.floor(65535 / dims));
}
/** Codes kept in the module's memory before it is reset. */
const RESIDENT_BYTES = 64 * 2 ** 20;

/** A partition's codes for the leading `dims` dimensions, per block of 16 rows and per dimension. */
export interface FastScanCodes {
  readonly rows: number;
  readonly dims: number;
  /** blocks × dims × 16 bytes: byte (b·dims + d)·16 + i is the code of row 16·b + i in dimension d. */
  readonly bytes: Uint8Array;
}

/**
 * Block codes of the first `dims` dimensions from row-major pair codes (`PruningCodes`: byte p of a row
 * = code of dimension 2p << 4 | code of dimension 2p + 1, `stride` bytes per row).
 */
export function fastScanCodes(
  pairCodes: Uint8Array,
  stride: number,
  rows: number,
  dims: number,
): FastScanCodes {
  const blocks = Math.ceil(rows / BLOCK);
  const bytes = new Uint8Array(blocks * dims * BLOCK);
  for (let row = 0; row < rows; row++) {
    const block = Math.floor(row / BLOCK) * dims * BLOCK + (row % BLOCK);
    for (let d = 0; d < dims; d++) {
      const pair = pairCodes[row * stride + (d >>> 1)]!;
      bytes[block + d * BLOCK] = d & 1 ? pair & 15 : pair >>> 4;
    }
  }
  return { rows, dims, bytes };
}

interface Kernel {
  readonly memory: WasmMemory;
  readonly bounds: (codes: number, tables: number, dims: number, blocks: number, out: number) => void;
  readonly keys: (
    sums: number,
    count: number,
    m: number,
    shift: number,
    limit: number,
    histogram: number,
    keys: number,
  ) => number;
}

const loadKernel = kernelLoader(FAST_SCAN_WASM_BASE64, (exports): Kernel => {
  const memory = exports.memory as WasmMemory;
  reserve(memory, HISTOGRAM_BYTES);
  return { memory, bounds: exports.bounds as Kernel['bounds'], keys: exports.keys as Kernel['keys'] };
});

/** The shortlist's histogram (`keys` in fast-scan.wat) sits first in the memory, zero between calls. */
const HISTOGRAM_BUCKETS = 4096;
const HISTOGRAM_BYTES = HISTOGRAM_BUCKETS * 4;

/** Where each partition's codes sit in the module's memory, valid while `epoch` is current. */
const resident = new WeakMap<FastScanCodes, { offset: number; epoch: number }>();
let epoch = 0;
let used = HISTOGRAM_BYTES;

/** The codes' offset in the module's memory, copying them there if they are not. */
function residentOffset(memory: WasmMemory, codes: FastScanCodes): number {
  const known = resident.get(codes);
  if (known?.epoch === epoch) return known.offset;
  if (used + codes.bytes.length > HISTOGRAM_BYTES + RESIDENT_BYTES) {
    epoch++;
    used = HISTOGRAM_BYTES;
  }
  const offset = used;
  reserve(memory, offset + codes.bytes.length);
  new Uint8Array(memory.buffer).set(codes.bytes, offset);
  used += codes.bytes.length;
  resident.set(codes, { offset, epoch });
  return offset;
}

/** Whether a search of `count` of a partition's `rows` rows should bound them with the kernel. */
export function wantsFastScan(count: number, rows: number): boolean {
  return count * 4 >= rows && loadKernel() !== null;
}

/** A partition's lower bounds in whole steps: row r's bound is `sums[r] · step`, rounded to float32. */
export interface FastScanSums {
  /** One per row of the partition (a view of the kernel's memory, valid until its next call). */
  readonly sums: Uint16Array;
  readonly step: number;
  /** The largest a sum can be. */
  readonly limit: number;
  /** Where the sums are in the kernel's memory, and the room reserved after them for `fastScanKeys`. */
  readonly sumsAt: number;
  readonly scratchAt: number;
}

/**
 * Every row's lower bound, in whole steps, from `gaps` (dims × 16: the squared gap from the query to each
 * cell of each dimension, 0 for cells a dimension does not have); null when the kernel is unavailable or
 * the codes too large to keep in its memory.
 */
export function fastScanSums(codes: FastScanCodes, gaps: Float64Array): FastScanSums | null {
  const wasm = loadKernel();
  if (wasm === null || codes.bytes.length > RESIDENT_BYTES) return null;
  const { memory } = wasm;
  const dims = codes.dims;
  const codesAt = residentOffset(memory, codes);
  const tablesAt = used;
  const sumsAt = tablesAt + dims * BLOCK;
  const blocks = codes.bytes.length / (dims * BLOCK);
  const scratchAt = alignTo(sumsAt + blocks * BLOCK * 2, 8);
  // Room for the sums gathered by row list and the keys, so that no later growth detaches the views.
  reserve(memory, alignTo(scratchAt + codes.rows * 2, 8) + codes.rows * 8);
  let largest = 0;
  for (let i = 0; i < dims * BLOCK; i++) if (gaps[i]! > largest) largest = gaps[i]!;
  const steps = stepsFor(dims);
  const step = largest / steps;
  const tables = new Uint8Array(memory.buffer, tablesAt, dims * BLOCK);
  if (step === 0) tables.fill(0);
  else for (let i = 0; i < dims * BLOCK; i++) tables[i] = Math.min(steps, Math.floor(gaps[i]! / step));
  wasm.bounds(codesAt, tablesAt, dims, blocks, sumsAt);
  const sums = new Uint16Array(memory.buffer, sumsAt, codes.rows);
  return { sums, step, limit: dims * steps, sumsAt, scratchAt };
}

/** Bits of a histogram bucket: sums are bucketed by their leading `HISTOGRAM_BITS` bits. */
const HISTOGRAM_BITS = Math.log2(HISTOGRAM_BUCKETS);

/**
 * The first step of a shortlist of the m smallest sums of the last `fastScanSums` (of rows[0..count), or
 * of rows 0..count when `rows` is null), in the kernel: the keys sum · 2^21 + i of every i whose sum is
 * in or below the histogram bucket holding the m-th smallest, and in or below `cutSum`'s (so every sum
 * at most `cutSum` among the m smallest is there). A view of the kernel's memory, valid until its next call.
 */
export function fastScanKeys(
  { sums, limit, sumsAt, scratchAt }: FastScanSums,
  rows: Uint32Array | null,
  count: number,
  m: number,
  cutSum: number,
): Float64Array {
  const { memory, keys } = loadKernel()!;
  let from = sumsAt;
  let keysAt = scratchAt;
  if (rows !== null) {
    const gathered = new Uint16Array(memory.buffer, scratchAt, count);
    for (let i = 0; i < count; i++) gathered[i] = sums[rows[i]!]!;
    from = scratchAt;
    keysAt = alignTo(scratchAt + count * 2, 8);
  }
  const shift = Math.max(0, 32 - Math.clz32(limit) - HISTOGRAM_BITS);
  const n = keys(from, count, m, shift, Math.min(limit, cutSum) >>> shift, 0, keysAt);
  return new Float64Array(memory.buffer, keysAt, n);
}
