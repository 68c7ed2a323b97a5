/**
 * Partition selection (DESIGN §5, allocator step 3): every partition within partitionFactor × the nearest
 * centroid distance, then more in distance order until the selected partitions hold at least `minMatches`
 * filter matches (when that many exist). Partitions with no match are never selected.
 */
import type { PartitionOrder } from './partition-order.ts';

export interface SelectionOptions {
  /** Visit every partition whose centroid is within this factor of the nearest one. @default 1.15 */
  readonly partitionFactor: number;
  /** Keep adding partitions until they hold this many (quantized) filter matches. */
  readonly minMatches: number;
}

export function selectPartitions(
  ranked: PartitionOrder,
  matchCounts: ArrayLike<number>,
  options: SelectionOptions,
  exclude?: ReadonlySet<number>,
): number[] {
  const selected: number[] = [];
  const nearest = ranked.distances[0] ?? 0;
  const threshold = nearest * options.partitionFactor;
  let matches = 0;
  for (let i = 0; i < ranked.order.length; i++) {
    const partition = ranked.order[i]!;
    if (ranked.distances[i]! > threshold && matches >= options.minMatches) break;
    const count = matchCounts[partition]!;
    if (count === 0 || exclude?.has(partition)) continue;
    selected.push(partition);
    matches += count;
  }
  return selected;
}
