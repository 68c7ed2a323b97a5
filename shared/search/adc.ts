/**
 * Asymmetric distance computation (ADC) on OSQ codes. For a query already in the partition's KLT frame,
 * a per-dimension table holds, for every cell, the squared distance from the query coordinate to that cell's
 * interval (0 inside it). Summed over dimensions this is the squared distance from the query to the
 * vector's cell box: a lower bound of the exact distance, because the KLT is orthonormal and every encoded
 * coordinate lies in its cell. Dimensions not scanned only make the bound looser, never invalid.
 */
import type { OsqLayout } from '../quantize/index.ts';

export interface AdcTables {
  readonly values: Float32Array;
  /** Start of dimension d's table in `values` (one entry per cell). */
  readonly offsets: Uint32Array;
  readonly dims: number;
}

export function buildAdcTables(
  z: Float64Array,
  dims: number,
  bits: Uint8Array,
  boundaries: Float32Array,
  boundaryOffsets: Uint32Array,
): AdcTables {
  const offsets = new Uint32Array(dims + 1);
  for (let d = 0; d < dims; d++) offsets[d + 1] = offsets[d]! + (bits[d]! > 0 ? 1 << bits[d]! : 0);
  const values = new Float32Array(offsets[dims]!);
  for (let d = 0; d < dims; d++) {
    const cells = bits[d]! > 0 ? 1 << bits[d]! : 0;
    const q = z[d]!;
    const b = boundaryOffsets[d]!;
    const t = offsets[d]!;
    for (let c = 0; c < cells; c++) {
      const lo = boundaries[b + c]!;
      const hi = boundaries[b + c + 1]!;
      const gap = q < lo ? lo - q : q > hi ? q - hi : 0;
      values[t + c] = gap * gap;
    }
  }
  return { values, offsets, dims };
}

/**
 * out[i] = Σ_d table_d[code_d(rows[i])] over the first `tables.dims` dimensions, extracting each dimension's
 * codes from the segment-major packed codes with a shift and a mask ("dimensional extraction").
 */
export function accumulateLowerBounds(
  layout: OsqLayout,
  packed: Uint8Array,
  n: number,
  rows: Uint32Array,
  count: number,
  tables: AdcTables,
  out: Float32Array,
): void {
  out.fill(0, 0, count);
  const values = tables.values;
  for (let d = 0; d < tables.dims; d++) {
    const width = layout.bits[d]!;
    if (width === 0) continue;
    const table = tables.offsets[d]!;
    const bitOffset = layout.bitOffsets[d]!;
    const inByte = bitOffset & 7;
    const mask = (1 << width) - 1;
    const first = (bitOffset >>> 3) * n;
    if (inByte + width <= 8) {
      const shift = 8 - inByte - width;
      for (let i = 0; i < count; i++) {
        out[i]! += values[table + ((packed[first + rows[i]!]! >>> shift) & mask)]!;
      }
    } else {
      const second = first + n;
      const shift = 16 - inByte - width;
      for (let i = 0; i < count; i++) {
        const row = rows[i]!;
        const word = (packed[first + row]! << 8) | packed[second + row]!;
        out[i]! += values[table + ((word >>> shift) & mask)]!;
      }
    }
  }
}
