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

/** Cell gaps and pair tables for one query, in buffers reused across queries. */
export class AdcTables {
  /**
   * dims/2 tables of 256 entries: gap² of the high dimension's cell plus the low one's, rounded to
   * float32 (the bound's precision) and held as float64, so a lookup needs no conversion.
   */
  values = new Float64Array(0);
  dims = 0;
  /** dims × 16: the squared gap from the query to each 4-bit cell of each dimension (0 for no cell). */
  gaps = new Float64Array(0);

  /** The gaps and the pair tables. */
  build(
    z: Float64Array,
    dims: number,
    bits: Uint8Array,
    boundaries: Float32Array,
    boundaryOffsets: Uint32Array,
  ): this {
    return this.buildGaps(z, dims, bits, boundaries, boundaryOffsets).buildPairs();
  }

  /** The gaps of the leading `dims` dimensions (rounded up to even), without the pair tables. */
  buildGaps(
    z: Float64Array,
    dims: number,
    bits: Uint8Array,
    boundaries: Float32Array,
    boundaryOffsets: Uint32Array,
  ): this {
    const even = dims + (dims & 1);
    if (this.gaps.length < even * PRUNING_CELLS) {
      this.values = new Float64Array((even / 2) * PAIR_CELLS);
      this.gaps = new Float64Array(even * PRUNING_CELLS);
    }
    const single = this.gaps;
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
    this.dims = even;
    return this;
  }

  /** The pair tables of the gaps last built. */
  buildPairs(): this {
    const even = this.dims;
    const single = this.gaps;
    // Each high cell's row of a pair table is its gap plus the 16 gaps of the low dimension, held in
    // locals, without reloading the low gaps per high cell.
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
        values[out] = Math.fround(gap + l0);
        values[out + 1] = Math.fround(gap + l1);
        values[out + 2] = Math.fround(gap + l2);
        values[out + 3] = Math.fround(gap + l3);
        values[out + 4] = Math.fround(gap + l4);
        values[out + 5] = Math.fround(gap + l5);
        values[out + 6] = Math.fround(gap + l6);
        values[out + 7] = Math.fround(gap + l7);
        values[out + 8] = Math.fround(gap + l8);
        values[out + 9] = Math.fround(gap + l9);
        values[out + 10] = Math.fround(gap + l10);
        values[out + 11] = Math.fround(gap + l11);
        values[out + 12] = Math.fround(gap + l12);
        values[out + 13] = Math.fround(gap + l13);
        values[out + 14] = Math.fround(gap + l14);
        values[out + 15] = Math.fround(gap + l15);
      }
    }
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
 * Two rows at a time keep eight independent sums in flight.
 */
function accumulateWords(
  words: Uint32Array,
  stride: number,
  pairs: number,
  rows: Uint32Array | null,
  count: number,
  values: Float64Array,
  out: Float32Array,
): void {
  const quads = pairs >>> 2;
  let i = 0;
  for (; i + 1 < count; i += 2) {
    const a = (rows === null ? i : rows[i]!) * stride;
    const b = (rows === null ? i + 1 : rows[i + 1]!) * stride;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let q = 0, t = 0; q < quads; q++, t += 4 * PAIR_CELLS) {
      const u = words[a + q]!;
      const v = words[b + q]!;
      a0 += values[t + (u & 255)]!;
      b0 += values[t + (v & 255)]!;
      a1 += values[t + PAIR_CELLS + ((u >>> 8) & 255)]!;
      b1 += values[t + PAIR_CELLS + ((v >>> 8) & 255)]!;
      a2 += values[t + 2 * PAIR_CELLS + ((u >>> 16) & 255)]!;
      b2 += values[t + 2 * PAIR_CELLS + ((v >>> 16) & 255)]!;
      a3 += values[t + 3 * PAIR_CELLS + (u >>> 24)]!;
      b3 += values[t + 3 * PAIR_CELLS + (v >>> 24)]!;
    }
    out[i] = tail(words, a + quads, pairs, values, a0) + a1 + (a2 + a3);
    out[i + 1] = tail(words, b + quads, pairs, values, b0) + b1 + (b2 + b3);
  }
  if (i < count) {
    const a = (rows === null ? i : rows[i]!) * stride;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let q = 0, t = 0; q < quads; q++, t += 4 * PAIR_CELLS) {
      const u = words[a + q]!;
      a0 += values[t + (u & 255)]!;
      a1 += values[t + PAIR_CELLS + ((u >>> 8) & 255)]!;
      a2 += values[t + 2 * PAIR_CELLS + ((u >>> 16) & 255)]!;
      a3 += values[t + 3 * PAIR_CELLS + (u >>> 24)]!;
    }
    out[i] = tail(words, a + quads, pairs, values, a0) + a1 + (a2 + a3);
  }
}

/** s0 plus the pairs past the last whole word (pairs mod 4 of them, in the word at `at`), in order. */
function tail(words: Uint32Array, at: number, pairs: number, values: Float64Array, s0: number): number {
  const rest = pairs & 3;
  if (rest === 0) return s0;
  const w = words[at]!;
  const t = (pairs - rest) * PAIR_CELLS;
  for (let p = 0; p < rest; p++) s0 += values[t + p * PAIR_CELLS + ((w >>> (8 * p)) & 255)]!;
  return s0;
}
