/**
 * The allocator's view of an index at a snapshot: partition sizes and match counts include the log rows
 * assigned to each partition (their filter evaluated exactly on their own values), so a partition whose
 * only matches are log rows is visited and "k exist ⇒ k returned" still holds. Base rows the log hid are
 * still counted: counts may over-estimate, which further rounds already absorb (DESIGN §5).
 */
import type { IndexLayout } from '../search/query-executor.ts';
import type { LogRow, LogView } from './log-view.ts';

export function layoutAt(layout: IndexLayout, view: LogView | undefined, at: number): IndexLayout {
  if (!view || view.isEmptyAt(at)) return layout;
  const rows: LogRow[][] = Array.from({ length: layout.partitions }, (_, p) => view.partitionRows(p, at));
  return {
    partitions: layout.partitions,
    dim: layout.dim,
    centroids: layout.centroids,
    partitionSizes: rows.map((logRows, p) => layout.partitionSizes[p]! + logRows.length),
    countMatches: (filter, p) => {
      let matches = layout.countMatches(filter, p);
      for (const row of rows[p]!) if (filter.matchesRecord(row.attributes)) matches++;
      return matches;
    },
  };
}
