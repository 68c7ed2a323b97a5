/**
 * A selective filter over the test stack's index (about 0.3 % of the rows: a handful per partition, the
 * exact plan's case), its requests and what their answers must be.
 */
import { expect } from 'vitest';
import { COUNT, DIM, dataset, INDEX, queryVector } from './test-stack.ts';

export const SELECTIVE = { u: { $lt: 0.003 } };
export const K = 5;

export type WireHit = { id: number; distance: number; attributes?: unknown };

/** A search request of the first `count` test queries, each with the selective filter. */
export function selectiveRequest(count: number, options: Record<string, unknown> = {}) {
  return {
    index: INDEX,
    k: K,
    queries: Array.from({ length: count }, (_, q) => ({
      vector: Array.from(queryVector(q)),
      filter: SELECTIVE,
    })),
    options,
  };
}

/** The exact top k by brute force over the rows the filter matches: ids ascending by (distance, id). */
export function bruteForce(q: number): number[] {
  const query = queryVector(q);
  const u = dataset.attributes!.u;
  const scored: { id: number; distance: number }[] = [];
  for (let id = 0; id < COUNT; id++) {
    if (!(u[id]! < 0.003)) continue;
    let distance = 0;
    for (let d = 0; d < DIM; d++) distance += (dataset.vectors[id * DIM + d]! - query[d]!) ** 2;
    scored.push({ id, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.id - b.id);
  return scored.slice(0, K).map((hit) => hit.id);
}

/**
 * Hits equal to the in-process search's: the same ids, distances to float64 rounding (its exact plan
 * adds a row's squared differences in another order, docs/filtered-search.md).
 */
export function expectSameHits(hits: readonly WireHit[], expected: readonly WireHit[]): void {
  expect(hits.map((hit) => hit.id)).toEqual(expected.map((hit) => hit.id));
  hits.forEach((hit, i) => {
    expect(hit.distance).toBeCloseTo(expected[i]!.distance, 9);
  });
}
