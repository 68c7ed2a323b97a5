/**
 * Per-query plan choice. The approximate plan costs, per visited partition, a query transform (≈ D² flops)
 * plus pruning and a fixed re-rank; the exact plan costs D flops per filter match over the whole index.
 * A selective filter makes the exact scan of its matches cheaper — and exact — so it is chosen whenever
 * its estimated cost is not higher (issue: "never slower than the exact scan of the matches").
 */
export type QueryPlan = 'exact' | 'approximate';

export function choosePlan(
  totalMatches: number,
  selectedMatches: number,
  selectedPartitions: number,
  dim: number,
  shortlist: number,
  hammingKeepPercent: number,
): QueryPlan {
  const exactCost = totalMatches * dim;
  const survivors = (selectedMatches * hammingKeepPercent) / 100;
  const approximateCost =
    selectedPartitions * (dim * dim + shortlist * dim) + (selectedMatches * dim) / 16 + survivors * dim;
  return exactCost <= approximateCost ? 'exact' : 'approximate';
}
