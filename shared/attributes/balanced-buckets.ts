/**
 * Folds a large dictionary into a few buckets with balanced row counts: values by descending count
 * (ties by code) each go to the currently lightest bucket (ties: fewer values, then lower index) — the
 * LPT rule. A frequent value thus gets a bucket to itself, so the quantized filter on it stays tight.
 * Deterministic for given counts.
 */
export function balancedBuckets(counts: Uint32Array, buckets: number): Uint8Array {
  const order = new Uint32Array(counts.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => counts[b]! - counts[a]! || a - b);

  const load = new Float64Array(buckets);
  const members = new Uint32Array(buckets);
  // Min-heap of bucket indices keyed by (load, members, index).
  const heap = new Uint32Array(buckets);
  for (let b = 0; b < buckets; b++) heap[b] = b;
  const lighter = (x: number, y: number): boolean =>
    load[x]! < load[y]! ||
    (load[x] === load[y] && (members[x]! < members[y]! || (members[x] === members[y] && x < y)));

  const assignment = new Uint8Array(counts.length);
  for (const value of order) {
    const bucket = heap[0]!;
    assignment[value] = bucket;
    load[bucket] = load[bucket]! + counts[value]!;
    members[bucket] = members[bucket]! + 1;
    // The root only grew heavier: sift it down.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < buckets && lighter(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < buckets && lighter(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      const swap = heap[i]!;
      heap[i] = heap[smallest]!;
      heap[smallest] = swap;
      i = smallest;
    }
  }
  return assignment;
}
