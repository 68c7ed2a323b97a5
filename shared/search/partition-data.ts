import type { AttributeTable } from '../attributes/index.ts';
import type { OsqLayout, OsqParams } from '../quantize/index.ts';

/** Everything a processor holds in memory for one partition (the sections of its index object). */
export interface PartitionData {
  readonly partition: number;
  /** Vectors in the partition (n_p). */
  readonly count: number;
  /** Dimension of the stored (metric-prepared) vectors. */
  readonly dim: number;
  readonly osq: OsqParams;
  readonly layout: OsqLayout;
  /** Segment-major OSQ codes, layout.segments × count. */
  readonly osqCodes: Uint8Array;
  /** Row-major sign codes, count × binaryBytes. */
  readonly binaryCodes: Uint8Array;
  readonly binaryBytes: number;
  /** Attribute-major quantized attribute codes, A × count. */
  readonly attributeCodes: Uint8Array;
  /** Raw attribute values of the partition's rows, for the exact filter check. */
  readonly attributes: AttributeTable;
  /** Local row → global ordinal. */
  readonly ids: Uint32Array;
  /**
   * Full-precision (metric-prepared) vectors, row-major count × dim, for exact re-ranking, with each row's
   * coordinates in `coordinateOrder` (see coordinate-order.ts).
   */
  readonly vectors: Float32Array;
  /** vectors[row · dim + j] holds coordinate coordinateOrder[j] of the row. */
  readonly coordinateOrder: Uint32Array;
}

const dimsWithBits = new WeakMap<PartitionData, number>();

/** The leading KLT dimensions that carry OSQ bits (at most `cap`), rounded up to whole binary-code bytes. */
export function pruningDims(data: PartitionData, cap = Number.POSITIVE_INFINITY): number {
  let last = dimsWithBits.get(data);
  if (last === undefined) {
    last = 0;
    const bits = data.layout.bits;
    for (let d = 0; d < bits.length; d++) if (bits[d]! > 0) last = d + 1;
    dimsWithBits.set(data, last);
  }
  const dims = Math.min(last, cap);
  return Math.min(data.dim, Math.ceil(Math.max(dims, 1) / 8) * 8);
}
