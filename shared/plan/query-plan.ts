/**
 * Per-query plan choice by estimated flops. The approximate plan costs, per selected partition, a query
 * transform into the leading `pruningDims` KLT dimensions (pruningDims·D), lower bounds for its filter
 * matches (pruningDims each) and an exact re-rank of R·k rows (D each); the exact plan costs D per
 * filter match over the whole index. A selective filter makes the exact scan of its matches cheaper —
 * and exact — so it is chosen whenever its estimated cost is not higher (issue: "never slower than the
 * exact scan of the matches").
 */
export type QueryPlan = 'exact' | 'approximate';

export interface PlanCostInputs {
  /** Quantized filter matches in the whole index. */
  readonly totalMatches: number;
  /** Quantized filter matches in the selected partitions. */
  readonly selectedMatches: number;
  readonly selectedPartitions: number;
  readonly dim: number;
  readonly pruningDims: number;
  /** R·k. */
  readonly shortlist: number;
}

export function choosePlan(inputs: PlanCostInputs): QueryPlan {
  const { totalMatches, selectedMatches, selectedPartitions, dim, pruningDims, shortlist } = inputs;
  const exactCost = totalMatches * dim;
  const approximateCost =
    selectedPartitions * (pruningDims * dim + shortlist * dim) + selectedMatches * pruningDims;
  return exactCost <= approximateCost ? 'exact' : 'approximate';
}
