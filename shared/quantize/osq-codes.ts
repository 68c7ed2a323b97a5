/**
 * OSQ codes in segment-based storage: S×n bytes, SEGMENT-MAJOR (all n vectors' segment 0, then all of
 * segment 1, …), so one dimension's codes for any set of rows come from one or two segment columns with
 * a shift and a mask ("dimensional extraction"). A code that straddles two segments keeps its high bits
 * in the low bits of segment s and its low bits in the high bits of segment s + 1.
 */
import { InvalidInputError } from '../errors/errors.ts';
import type { OsqLayout } from './osq-layout.ts';

/** Packs `cellCodes` (n×D row-major, code < 2^bits[d]) into S×n segment-major bytes. */
export function packCodes(cellCodes: Uint8Array, n: number, layout: OsqLayout): Uint8Array {
  const { bits, bitOffsets, segments } = layout;
  const dims = bits.length;
  if (!Number.isInteger(n) || n < 0 || cellCodes.length !== n * dims) {
    throw new InvalidInputError(
      `packCodes expects ${n} × ${dims} cell codes, got ${cellCodes.length} (n = ${n})`,
    );
  }
  const packed = new Uint8Array(segments * n);
  for (let d = 0; d < dims; d++) {
    const width = bits[d]!;
    if (width === 0) continue;
    const offset = bitOffsets[d]!;
    const first = (offset >>> 3) * n;
    const end = (offset & 7) + width; // one past the code's last bit, counted from the MSB of segment s
    for (let r = 0; r < n; r++) {
      const code = cellCodes[r * dims + d]!;
      if (code >>> width !== 0) {
        throw new InvalidInputError(`row ${r} dimension ${d}: code ${code} does not fit in ${width} bits`);
      }
      if (end <= 8) {
        packed[first + r] = packed[first + r]! | (code << (8 - end));
      } else {
        packed[first + r] = packed[first + r]! | (code >>> (end - 8));
        packed[first + n + r] = packed[first + n + r]! | ((code << (16 - end)) & 0xff);
      }
    }
  }
  return packed;
}

/**
 * Dimensional extraction: out[i] = dimension d's code of row rows[i] (or of row i when `rows` is null),
 * for i < count.
 */
export function extractDimension(
  packed: Uint8Array,
  n: number,
  layout: OsqLayout,
  d: number,
  rows: Uint32Array | null,
  count: number,
  out: Uint8Array,
): void {
  checkPacked(packed, n, layout, d);
  if (count < 0 || count > out.length || (rows === null ? count > n : count > rows.length)) {
    throw new InvalidInputError(
      `extractDimension: ${count} codes requested from ${rows === null ? `${n} rows` : `${rows.length} row ids`} ` +
        `into an output of ${out.length}`,
    );
  }
  const width = layout.bits[d]!;
  if (width === 0) {
    out.fill(0, 0, count);
    return;
  }
  const offset = layout.bitOffsets[d]!;
  const first = (offset >>> 3) * n;
  const end = (offset & 7) + width;
  const mask = (1 << width) - 1;
  if (rows === null) {
    if (end <= 8) {
      const shift = 8 - end;
      for (let i = 0; i < count; i++) out[i] = (packed[first + i]! >>> shift) & mask;
    } else {
      const shift = 16 - end;
      const second = first + n;
      for (let i = 0; i < count; i++) {
        out[i] = (((packed[first + i]! << 8) | packed[second + i]!) >>> shift) & mask;
      }
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    if (rows[i]! >= n)
      throw new InvalidInputError(`extractDimension: row ${rows[i]} of ${n} is out of range`);
  }
  if (end <= 8) {
    const shift = 8 - end;
    for (let i = 0; i < count; i++) out[i] = (packed[first + rows[i]!]! >>> shift) & mask;
  } else {
    const shift = 16 - end;
    const second = first + n;
    for (let i = 0; i < count; i++) {
      const row = rows[i]!;
      out[i] = (((packed[first + row]! << 8) | packed[second + row]!) >>> shift) & mask;
    }
  }
}

/** Dimension d's code of one row. */
export function readCode(packed: Uint8Array, n: number, layout: OsqLayout, row: number, d: number): number {
  checkPacked(packed, n, layout, d);
  if (!(Number.isInteger(row) && row >= 0 && row < n))
    throw new InvalidInputError(`row ${row} of ${n} is out of range`);
  const width = layout.bits[d]!;
  if (width === 0) return 0;
  const offset = layout.bitOffsets[d]!;
  const index = (offset >>> 3) * n + row;
  const end = (offset & 7) + width;
  const mask = (1 << width) - 1;
  if (end <= 8) return (packed[index]! >>> (8 - end)) & mask;
  return (((packed[index]! << 8) | packed[index + n]!) >>> (16 - end)) & mask;
}

function checkPacked(packed: Uint8Array, n: number, layout: OsqLayout, d: number): void {
  if (packed.length !== layout.segments * n) {
    throw new InvalidInputError(
      `OSQ codes of ${n} vectors × ${layout.segments} segments need ${layout.segments * n} bytes, got ${packed.length}`,
    );
  }
  if (!(Number.isInteger(d) && d >= 0 && d < layout.bits.length)) {
    throw new InvalidInputError(`dimension ${d} is out of range 0..${layout.bits.length - 1}`);
  }
}
