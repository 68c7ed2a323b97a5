/**
 * Asymmetric distance computation (ADC) on OSQ codes. For a query already in the partition's KLT frame,
 * a per-dimension table holds, for every cell, the squared distance from the query coordinate to that cell's
 * interval (0 inside it). Summed over dimensions this is the squared distance from the query to the
 * vector's cell box: a lower bound of the exact distance, because the KLT is orthonormal and every encoded
 * coordinate lies in its cell. Dimensions not scanned only make the bound looser, never invalid.
 *
 * The scan reads the leading dimensions' codes row-major (`PruningCodes`, one byte per code, extracted once
 * from the segment-major OSQ codes): a candidate's codes are contiguous, so its bound is summed in
 * registers instead of being read and written once per dimension.
 */
import { extractDimension, type OsqLayout } from '../quantize/index.ts';

/** Cells per table slot: codes have at most 8 bits, so dimension d's table starts at d · 256. */
const TABLE_STRIDE = 256;

/** The first `dims` codes of each of `count` rows, row-major. */
export interface PruningCodes {
  readonly dims: number;
  readonly count: number;
  readonly codes: Uint8Array;
}

export function pruningCodes(packed: Uint8Array, n: number, layout: OsqLayout, dims: number): PruningCodes {
  const codes = new Uint8Array(n * dims);
  const column = new Uint8Array(n);
  for (let d = 0; d < dims; d++) {
    extractDimension(packed, n, layout, d, null, n, column);
    for (let row = 0; row < n; row++) codes[row * dims + d] = column[row]!;
  }
  return { dims, count: n, codes };
}

/** Per-dimension cell-gap tables for one query, in a buffer reused across queries. */
export class AdcTables {
  values = new Float32Array(0);
  dims = 0;

  build(
    z: Float64Array,
    dims: number,
    bits: Uint8Array,
    boundaries: Float32Array,
    boundaryOffsets: Uint32Array,
  ): this {
    if (this.values.length < dims * TABLE_STRIDE) this.values = new Float32Array(dims * TABLE_STRIDE);
    const values = this.values;
    for (let d = 0; d < dims; d++) {
      const cells = bits[d]! > 0 ? 1 << bits[d]! : 0;
      const q = z[d]!;
      const b = boundaryOffsets[d]!;
      const t = d * TABLE_STRIDE;
      // Boundaries ascend: cells wholly below q, then the cell(s) holding q (gap 0), then cells above.
      let c = 0;
      for (; c < cells && boundaries[b + c + 1]! < q; c++) {
        const gap = q - boundaries[b + c + 1]!;
        values[t + c] = gap * gap;
      }
      for (; c < cells && boundaries[b + c]! <= q; c++) values[t + c] = 0;
      for (; c < cells; c++) {
        const gap = boundaries[b + c]! - q;
        values[t + c] = gap * gap;
      }
    }
    this.dims = dims;
    return this;
  }
}

/** out[i] = Σ_d table_d[code_d(rows[i])] over the tables' dimensions (at most the codes' dimensions). */
export function accumulateLowerBounds(
  codes: PruningCodes,
  rows: Uint32Array,
  count: number,
  tables: AdcTables,
  out: Float32Array,
): void {
  const values = tables.values;
  const bytes = codes.codes;
  const stride = codes.dims;
  const dims = Math.min(tables.dims, stride);
  const quads = dims & ~3;
  for (let i = 0; i < count; i++) {
    const base = rows[i]! * stride;
    // Four accumulators shorten the dependency chain of the additions.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let d = 0; d < quads; d += 4) {
      const t = d * TABLE_STRIDE;
      s0 += values[t + bytes[base + d]!]!;
      s1 += values[t + TABLE_STRIDE + bytes[base + d + 1]!]!;
      s2 += values[t + 2 * TABLE_STRIDE + bytes[base + d + 2]!]!;
      s3 += values[t + 3 * TABLE_STRIDE + bytes[base + d + 3]!]!;
    }
    for (let d = quads; d < dims; d++) s0 += values[d * TABLE_STRIDE + bytes[base + d]!]!;
    out[i] = s0 + s1 + (s2 + s3);
  }
}
