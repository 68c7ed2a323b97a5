/**
 * Asymmetric distance computation (ADC) on OSQ codes. For a query already in the partition's KLT frame,
 * a per-dimension table holds, for every cell, the squared distance from the query coordinate to that cell's
 * interval (0 inside it). Summed over dimensions this is the squared distance from the query to the
 * vector's cell box: a lower bound of the exact distance, because the KLT is orthonormal and every encoded
 * coordinate lies in its cell. Dimensions not scanned only make the bound looser, never invalid.
 *
 * The scan reads `PruningCodes`, derived once per partition from the segment-major OSQ codes: each
 * leading dimension keeps its code's 4 most significant bits — its cell merged with the 2^(b−4) cells that
 * share them, a coarser interval that still contains the coordinate, so the bound stays a bound — and two
 * dimensions share a byte, row-major. One lookup in a 256-entry pair table then covers two dimensions, and a
 * candidate's codes are one contiguous read. (On Fashion-MNIST the coarser cells change the shortlist
 * little; the lookups halve.)
 */
import { extractDimension, type OsqLayout } from '../quantize/index.ts';

/** Bits of a dimension's code kept for pruning. */
const PRUNING_BITS = 4;
const PRUNING_CELLS = 1 << PRUNING_BITS;
/** Entries of a pair table: every (high, low) pair of 4-bit codes. */
const PAIR_CELLS = PRUNING_CELLS * PRUNING_CELLS;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The first `dims` (even) dimensions' 4-bit codes of each of `count` rows, two per byte, row-major. */
export interface PruningCodes {
  readonly dims: number;
  readonly count: number;
  /** count × dims/2 bytes: byte p of a row = (code of dimension 2p) << 4 | code of dimension 2p + 1. */
  readonly codes: Uint8Array;
  /** The same bytes as 32-bit words (four pairs each), when a row is whole words on a little-endian host. */
  readonly words: Uint32Array | null;
}

/** Bits of dimension d's OSQ code that its pruning code drops. */
function droppedBits(bits: Uint8Array, d: number): number {
  return Math.max(0, bits[d]! - PRUNING_BITS);
}

export function pruningCodes(packed: Uint8Array, n: number, layout: OsqLayout, dims: number): PruningCodes {
  const even = dims + (dims & 1);
  const pairs = even / 2;
  const codes = new Uint8Array(n * pairs);
  const column = new Uint8Array(n);
  for (let d = 0; d < Math.min(even, layout.bits.length); d++) {
    extractDimension(packed, n, layout, d, null, n, column);
    const shift = droppedBits(layout.bits, d);
    const nibble = d & 1 ? 0 : PRUNING_BITS;
    const pair = d >>> 1;
    for (let row = 0; row < n; row++) codes[row * pairs + pair]! |= (column[row]! >>> shift) << nibble;
  }
  const words = pairs % 4 === 0 && LITTLE_ENDIAN ? new Uint32Array(codes.buffer, 0, (n * pairs) >>> 2) : null;
  return { dims: even, count: n, codes, words };
}

/** Pair tables of cell gaps for one query, in buffers reused across queries. */
export class AdcTables {
  /** dims/2 tables of 256 entries: gap² of the high dimension's cell plus the low one's. */
  values = new Float32Array(0);
  dims = 0;
  private single = new Float64Array(0);

  build(
    z: Float64Array,
    dims: number,
    bits: Uint8Array,
    boundaries: Float32Array,
    boundaryOffsets: Uint32Array,
  ): this {
    const even = dims + (dims & 1);
    if (this.values.length < (even / 2) * PAIR_CELLS) {
      this.values = new Float32Array((even / 2) * PAIR_CELLS);
      this.single = new Float64Array(even * PRUNING_CELLS);
    }
    const single = this.single;
    single.fill(0, 0, even * PRUNING_CELLS);
    for (let d = 0; d < Math.min(dims, bits.length); d++) {
      const cells = bits[d]! > 0 ? 1 << Math.min(bits[d]!, PRUNING_BITS) : 0;
      const step = 1 << droppedBits(bits, d);
      const q = z[d]!;
      const b = boundaryOffsets[d]!;
      const t = d * PRUNING_CELLS;
      for (let c = 0; c < cells; c++) {
        const lo = boundaries[b + c * step]!;
        const hi = boundaries[b + (c + 1) * step]!;
        const gap = q < lo ? lo - q : q > hi ? q - hi : 0;
        single[t + c] = gap * gap;
      }
    }
    // Each high cell's row of a pair table is its gap plus the 16 gaps of the low dimension, held in
    // locals: the same float64 sums rounded to float32, without reloading the low gaps per high cell.
    const values = this.values;
    for (let p = 0; p < even / 2; p++) {
      const high = 2 * p * PRUNING_CELLS;
      const low = high + PRUNING_CELLS;
      const l0 = single[low]!;
      const l1 = single[low + 1]!;
      const l2 = single[low + 2]!;
      const l3 = single[low + 3]!;
      const l4 = single[low + 4]!;
      const l5 = single[low + 5]!;
      const l6 = single[low + 6]!;
      const l7 = single[low + 7]!;
      const l8 = single[low + 8]!;
      const l9 = single[low + 9]!;
      const l10 = single[low + 10]!;
      const l11 = single[low + 11]!;
      const l12 = single[low + 12]!;
      const l13 = single[low + 13]!;
      const l14 = single[low + 14]!;
      const l15 = single[low + 15]!;
      for (let h = 0, out = p * PAIR_CELLS; h < PRUNING_CELLS; h++, out += PRUNING_CELLS) {
        const gap = single[high + h]!;
        values[out] = gap + l0;
        values[out + 1] = gap + l1;
        values[out + 2] = gap + l2;
        values[out + 3] = gap + l3;
        values[out + 4] = gap + l4;
        values[out + 5] = gap + l5;
        values[out + 6] = gap + l6;
        values[out + 7] = gap + l7;
        values[out + 8] = gap + l8;
        values[out + 9] = gap + l9;
        values[out + 10] = gap + l10;
        values[out + 11] = gap + l11;
        values[out + 12] = gap + l12;
        values[out + 13] = gap + l13;
        values[out + 14] = gap + l14;
        values[out + 15] = gap + l15;
      }
    }
    this.dims = even;
    return this;
  }
}

/**
 * out[i] = the lower bound of rows[i] over the tables' dimensions (at most the codes' dimensions); rows
 * null means rows 0..count−1 (the whole partition), read without the indirection.
 */
export function accumulateLowerBounds(
  codes: PruningCodes,
  rows: Uint32Array | null,
  count: number,
  tables: AdcTables,
  out: Float32Array,
): void {
  const stride = codes.dims / 2;
  const pairs = Math.min(tables.dims, codes.dims) / 2;
  if (codes.words) {
    accumulateWords(codes.words, stride >>> 2, pairs, rows, count, tables.values, out);
    return;
  }
  const bytes = codes.codes;
  const values = tables.values;
  const quads = pairs & ~3;
  for (let i = 0; i < count; i++) {
    const base = (rows === null ? i : rows[i]!) * stride;
    // Four accumulators shorten the dependency chain of the additions.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let p = 0; p < quads; p += 4) {
      const t = p * PAIR_CELLS;
      s0 += values[t + bytes[base + p]!]!;
      s1 += values[t + PAIR_CELLS + bytes[base + p + 1]!]!;
      s2 += values[t + 2 * PAIR_CELLS + bytes[base + p + 2]!]!;
      s3 += values[t + 3 * PAIR_CELLS + bytes[base + p + 3]!]!;
    }
    for (let p = quads; p < pairs; p++) s0 += values[p * PAIR_CELLS + bytes[base + p]!]!;
    out[i] = s0 + s1 + (s2 + s3);
  }
}

/**
 * The same sums as `accumulateLowerBounds`' byte loop, in the same order (pair p into accumulator p mod 4),
 * reading a row's four pair codes with one 32-bit load: the common case, rows of a multiple of 8 dims.
 */
function accumulateWords(
  words: Uint32Array,
  stride: number,
  pairs: number,
  rows: Uint32Array | null,
  count: number,
  values: Float32Array,
  out: Float32Array,
): void {
  const quads = pairs >>> 2;
  const tail = pairs & 3;
  for (let i = 0; i < count; i++) {
    const base = (rows === null ? i : rows[i]!) * stride;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let q = 0, t = 0; q < quads; q++, t += 4 * PAIR_CELLS) {
      const w = words[base + q]!;
      s0 += values[t + (w & 255)]!;
      s1 += values[t + PAIR_CELLS + ((w >>> 8) & 255)]!;
      s2 += values[t + 2 * PAIR_CELLS + ((w >>> 16) & 255)]!;
      s3 += values[t + 3 * PAIR_CELLS + (w >>> 24)]!;
    }
    if (tail > 0) {
      const w = words[base + quads]!;
      const t = quads * 4 * PAIR_CELLS;
      for (let p = 0; p < tail; p++) s0 += values[t + p * PAIR_CELLS + ((w >>> (8 * p)) & 255)]!;
    }
    out[i] = s0 + s1 + (s2 + s3);
  }
}
