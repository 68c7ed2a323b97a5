/**
 * Where the partitions' raw attributes are at hand (the in-process search), the planner counts a
 * filter's matches exactly from their attribute indexes (`countMatchingRows`) instead of the allocator's
 * quantized codes, whose counts over-estimate (a code cell holds values on both sides of a bound), and
 * the exact plan scans the matches in one block (`matching-block.ts`).
 */
import { countMatchingRows } from '../attributes/filter-rows.ts';
import type { PartitionData } from '../search/partition-data.ts';
import type { IndexLayout } from '../search/query-executor.ts';
import { MatchingBlocks } from './matching-block.ts';

/** The layout of an index whose partitions are all loaded here: exact counts, one-pass exact plan. */
export function inProcessLayout(layout: IndexLayout, partitions: readonly PartitionData[]): IndexLayout {
  const blocks = new MatchingBlocks(partitions, layout.dim);
  return {
    ...layout,
    countMatches: (filter, p) => countMatchingRows(filter, partitions[p]!.attributes),
    searchMatching: (filter, vector, k) => blocks.search(filter, vector, k),
  };
}
