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
 *   one per process, never shrinks, and holds at most that plus one partition's tables and sums.
 * - Without WebAssembly SIMD the searches fall back to the float tables (same rule, other bounds).
 */
import { FAST_SCAN_WASM_BASE64 } from './fast-scan-binary.ts';

/** Rows per block: one 128-bit lane per row code. */
const BLOCK = 16;
/** Largest table entry: a byte, and small enough that `dims` of them sum within 16 bits. */
function stepsFor(dims: number): number {
  return Math.min(255, Math.floor(65535 / dims));
}
/** Codes kept in the module's memory before it is reset. */
const RESIDENT_BYTES = 64 * 2 ** 20;
const PAGE = 65536;

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

/** The few WebAssembly APIs used (the project's TypeScript libraries do not declare them). */
interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}

interface Kernel {
  readonly memory: Memory;
  readonly bounds: (codes: number, tables: number, dims: number, blocks: number, out: number) => void;
}

let kernel: Kernel | null | undefined;

function loadKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
    const module = new api.Module(Buffer.from(FAST_SCAN_WASM_BASE64, 'base64'));
    const exports = new api.Instance(module).exports;
    kernel = { memory: exports.memory as Memory, bounds: exports.bounds as Kernel['bounds'] };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Where each partition's codes sit in the module's memory, valid while `epoch` is current. */
const resident = new WeakMap<FastScanCodes, { offset: number; epoch: number }>();
let epoch = 0;
let used = 0;

/** The codes' offset in the module's memory, copying them there if they are not. */
function residentOffset(memory: Memory, codes: FastScanCodes): number {
  const known = resident.get(codes);
  if (known?.epoch === epoch) return known.offset;
  if (used + codes.bytes.length > RESIDENT_BYTES) {
    epoch++;
    used = 0;
  }
  const offset = used;
  reserve(memory, offset + codes.bytes.length);
  new Uint8Array(memory.buffer).set(codes.bytes, offset);
  used += codes.bytes.length;
  resident.set(codes, { offset, epoch });
  return offset;
}

function reserve(memory: Memory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
}

/** Whether a search of `count` of a partition's `rows` rows should bound them with the kernel. */
export function wantsFastScan(count: number, rows: number): boolean {
  return count * 4 >= rows && loadKernel() !== null;
}

/**
 * out[i] = the lower bound of row i (or of rows[i]) from `gaps` (dims × 16: the squared gap from the
 * query to each cell of each dimension, 0 for cells a dimension does not have); false, with `out`
 * untouched, when the kernel is unavailable or the codes too large to keep in its memory.
 */
export function fastScanBounds(
  codes: FastScanCodes,
  gaps: Float64Array,
  rows: Uint32Array | null,
  count: number,
  out: Float32Array,
): boolean {
  const wasm = loadKernel();
  if (wasm === null || codes.bytes.length > RESIDENT_BYTES) return false;
  const { memory } = wasm;
  const dims = codes.dims;
  const codesAt = residentOffset(memory, codes);
  const tablesAt = used;
  const sumsAt = tablesAt + dims * BLOCK;
  const blocks = codes.bytes.length / (dims * BLOCK);
  reserve(memory, sumsAt + blocks * BLOCK * 2);
  let largest = 0;
  for (let i = 0; i < dims * BLOCK; i++) if (gaps[i]! > largest) largest = gaps[i]!;
  const steps = stepsFor(dims);
  const step = largest / steps;
  const tables = new Uint8Array(memory.buffer, tablesAt, dims * BLOCK);
  if (step === 0) tables.fill(0);
  else for (let i = 0; i < dims * BLOCK; i++) tables[i] = Math.min(steps, Math.floor(gaps[i]! / step));
  wasm.bounds(codesAt, tablesAt, dims, blocks, sumsAt);
  const sums = new Uint16Array(memory.buffer, sumsAt, blocks * BLOCK);
  if (rows === null) for (let i = 0; i < count; i++) out[i] = sums[i]! * step;
  else for (let i = 0; i < count; i++) out[i] = sums[rows[i]!]! * step;
  return true;
}
