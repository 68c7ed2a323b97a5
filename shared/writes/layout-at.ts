/**
 * The allocator's view of an index at a snapshot: partition sizes and match counts include the log rows
 * assigned to each partition (their filter evaluated exactly on their own values), so a partition whose
 * only matches are log rows is visited and "k exist ⇒ k returned" still holds. Base rows the log hid are
 * still counted: counts may over-estimate, which further rounds already absorb (DESIGN §5).
 */
import type { CompiledFilter } from '../attributes/index.ts';
import type { IndexLayout } from '../search/query-executor.ts';
import type { LogView } from './log-view.ts';

export function layoutAt(layout: IndexLayout, view: LogView | undefined, at: number): IndexLayout {
  if (!view || view.isEmptyAt(at)) return layout;
  const rows = view.visibleRows(at);
  const sizes = Float64Array.from(layout.partitionSizes);
  for (const row of rows) sizes[row.partition]!++;
  // Per compiled filter, the log's exact matches in every partition: one pass over the log rows per
  // filter (queries of a batch with the same filter share it), not one per query and partition.
  const logMatches = new WeakMap<CompiledFilter, Float64Array>();
  const matchesOf = (filter: CompiledFilter): Float64Array => {
    let counts = logMatches.get(filter);
    if (!counts) {
      counts = new Float64Array(layout.partitions);
      for (const row of rows) if (filter.matchesRecord(row.attributes)) counts[row.partition]!++;
      logMatches.set(filter, counts);
    }
    return counts;
  };
  return {
    partitions: layout.partitions,
    dim: layout.dim,
    centroids: layout.centroids,
    partitionSizes: sizes,
    countMatches: (filter, p) => layout.countMatches(filter, p) + matchesOf(filter)[p]!,
  };
}
