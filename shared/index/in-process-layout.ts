/**
 * The layout of an index whose partitions are all loaded in this process: the allocator's layout (its
 * quantized match counts, so every query takes the plan the serverless path takes), and the exact plan
 * answered in one pass over the filter's matching rows (`matching-block.ts`).
 */
import type { PartitionData } from '../search/partition-data.ts';
import type { IndexLayout } from '../search/query-executor.ts';
import { MatchingBlocks } from './matching-block.ts';

export function inProcessLayout(layout: IndexLayout, partitions: readonly PartitionData[]): IndexLayout {
  const blocks = new MatchingBlocks(partitions, layout.dim);
  return { ...layout, searchMatching: (filter, vectors, k) => blocks.search(filter, vectors, k) };
}
