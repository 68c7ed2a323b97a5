/**
 * Stable LSD radix sort of `count` (key, value) pairs by unsigned 32-bit key, in place: O(n), no
 * comparator calls, and ties keep their input order — callers pass values in ascending index order to
 * break ties by index (deterministic assignment).
 */
const RADIX_BITS = 11;
const BUCKETS = 1 << RADIX_BITS;
const MASK = BUCKETS - 1;

export function radixSortPairs(keys: Uint32Array, values: Uint32Array, count: number): void {
  if (count < 2) return;
  let keysIn: Uint32Array = keys;
  let valuesIn: Uint32Array = values;
  let keysOut: Uint32Array = new Uint32Array(count);
  let valuesOut: Uint32Array = new Uint32Array(count);
  const histogram = new Uint32Array(BUCKETS);
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    histogram.fill(0);
    for (let i = 0; i < count; i++) histogram[(keysIn[i]! >>> shift) & MASK]!++;
    if (histogram[(keysIn[0]! >>> shift) & MASK] === count) continue; // every key shares this digit
    let position = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const size = histogram[b]!;
      histogram[b] = position;
      position += size;
    }
    for (let i = 0; i < count; i++) {
      const key = keysIn[i]!;
      const slot = histogram[(key >>> shift) & MASK]!++;
      keysOut[slot] = key;
      valuesOut[slot] = valuesIn[i]!;
    }
    [keysIn, keysOut] = [keysOut, keysIn];
    [valuesIn, valuesOut] = [valuesOut, valuesIn];
  }
  if (keysIn !== keys) {
    keys.set(keysIn.subarray(0, count));
    values.set(valuesIn.subarray(0, count));
  }
}

const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);

/** Maps a number (rounded to float32) to a uint32 whose unsigned order is the numeric order. */
export function ascendingFloatKey(x: number): number {
  floatView[0] = x;
  const bits = bitsView[0]!;
  return (bits & 0x80000000) !== 0 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

/** The reverse of `ascendingFloatKey`: larger numbers get smaller keys. */
export function descendingFloatKey(x: number): number {
  return ~ascendingFloatKey(x) >>> 0;
}
