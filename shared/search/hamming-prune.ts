/**
 * Hamming pruning with the binary sign codes: keep the `keep` candidates whose codes are closest to the
 * query's, selected in O(count) with a histogram of distances (ties at the cut are kept in row order).
 */
import { POPCOUNT8 } from '../quantize/index.ts';

export function hammingPrune(
  codes: Uint8Array,
  codeBytes: number,
  queryCode: Uint8Array,
  bytesUsed: number,
  rows: Uint32Array,
  count: number,
  keep: number,
  out: Uint32Array,
): number {
  if (keep >= count) {
    out.set(rows.subarray(0, count));
    return count;
  }
  const distances = new Uint16Array(count);
  const histogram = new Uint32Array(bytesUsed * 8 + 2);
  for (let i = 0; i < count; i++) {
    const base = rows[i]! * codeBytes;
    let h = 0;
    for (let j = 0; j < bytesUsed; j++) h += POPCOUNT8[codes[base + j]! ^ queryCode[j]!]!;
    distances[i] = h;
    histogram[h]!++;
  }
  let cut = 0;
  let below = 0;
  while (below + histogram[cut]! < keep) below += histogram[cut++]!;
  let room = keep - below;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const h = distances[i]!;
    if (h < cut || (h === cut && room-- > 0)) out[kept++] = rows[i]!;
  }
  return kept;
}
