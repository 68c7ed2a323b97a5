import { describe, expect, it } from 'vitest';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import type { Metric } from '../../../shared/metric.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { generateDataset, generateQueries } from '../../../shared/synthetic/index.ts';

const count = 3000;
const dim = 24;
const k = 10;
const data = generateDataset({ count, dim, seed: 8, clusters: 6, attributes: false });
const queries = generateQueries({ count: 20, dim, seed: 9, fromDataset: { seed: 8, clusters: 6 } });

function dot(a: Float32Array, b: Float32Array, row: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += a[j]! * b[row * dim + j]!;
  return sum;
}
const norm = (v: Float32Array, row: number) => Math.sqrt(dot(v.subarray(row * dim, (row + 1) * dim), v, row));

const truthDistance: Record<Exclude<Metric, 'l2'>, (q: Float32Array, row: number) => number> = {
  cosine: (q, row) => 1 - dot(q, data.vectors, row) / (norm(q, 0) * norm(data.vectors, row)),
  dot: (q, row) => -dot(q, data.vectors, row),
};

describe.each(['cosine', 'dot'] as const)('%s metric', (metric) => {
  it('exact mode returns the true top-k in the metric, with the metric’s distances', async () => {
    const store = new MemoryBlobStore();
    await buildIndex({ vectors: data.vectors, count, dim }, store, {
      partitions: 6,
      bitsPerDim: 4,
      metric,
      seed: 1,
      kmeansIterations: 10,
    });
    const search = await LocalSearch.open(store);
    const vectors = Array.from({ length: queries.count }, (_, q) =>
      queries.vectors.slice(q * dim, (q + 1) * dim),
    );
    const exact = await search.search(
      vectors.map((vector) => ({ vector })),
      { k, exact: true },
    );
    const approximate = await search.search(
      vectors.map((vector) => ({ vector })),
      { k, partitionFactor: 2 },
    );
    let found = 0;
    exact.forEach((result, q) => {
      const truth = Array.from({ length: count }, (_, row) => ({
        row,
        d: truthDistance[metric](vectors[q]!, row),
      }))
        .sort((a, b) => a.d - b.d)
        .slice(0, k);
      expect(result.hits.map((hit) => hit.distance)).toEqual(truth.map((t) => expect.closeTo(t.d, 3)));
      const top = new Set(truth.map((t) => t.row));
      found += approximate[q]!.hits.filter((hit) => top.has(hit.id)).length;
    });
    expect(found / (k * queries.count)).toBeGreaterThanOrEqual(0.9);
  });
});
