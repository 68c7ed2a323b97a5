/**
 * The baseline every benchmark compares against: an exact scan over the filter's matches — an exact
 * filter pass over the raw attribute columns, then exact distances for the matching rows only.
 */
import type { AttributeTable, CompiledFilter } from '../../shared/attributes/index.ts';
import { squaredL2 } from '../../shared/search/distance.ts';
import { type Hit, TopK } from '../../shared/search/top-k.ts';

export function exactScan(
  base: Float32Array,
  dim: number,
  attributes: AttributeTable,
  query: Float32Array,
  filter: CompiledFilter,
  k: number,
): Hit[] {
  const top = new TopK(k);
  const n = base.length / dim;
  if (filter.matchesAll) {
    for (let i = 0; i < n; i++) top.push(squaredL2(query, base, i, dim), i);
  } else {
    const mask = filter.exactMask(attributes);
    for (let i = 0; i < n; i++) if (mask[i]) top.push(squaredL2(query, base, i, dim), i);
  }
  return top.sorted().map((hit) => ({ id: hit.id, distance: Math.sqrt(hit.distance) }));
}
