/**
 * Recall@k as ann-benchmarks counts it (DESIGN §7): a returned hit counts when its distance is within the
 * k-th true distance (plus a small relative epsilon, because pixel and SIFT data have many ties); missing
 * hits count as misses. When fewer than k vectors satisfy a filter, the denominator is that number.
 */
export interface RankedDistances {
  /** Distances of the returned hits. */
  readonly returned: readonly number[];
  /** Exact distances of the true top-k, ascending (shorter than k when fewer match). */
  readonly truth: readonly number[];
}

export const recallEpsilon = 1e-4;

export function queryRecall({ returned, truth }: RankedDistances, k: number): number {
  const expected = Math.min(k, truth.length);
  if (expected === 0) return returned.length === 0 ? 1 : 0;
  const threshold = truth[expected - 1]! * (1 + recallEpsilon) + recallEpsilon;
  let hits = 0;
  for (const distance of returned.slice(0, k)) if (distance <= threshold) hits++;
  return Math.min(hits, expected) / expected;
}

export function meanRecall(queries: readonly RankedDistances[], k: number): number {
  if (queries.length === 0) return 0;
  return queries.reduce((sum, q) => sum + queryRecall(q, k), 0) / queries.length;
}
