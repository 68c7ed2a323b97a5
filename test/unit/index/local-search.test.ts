import { beforeAll, describe, expect, it } from 'vitest';
import { meanRecall } from '../../../scripts/bench/recall.ts';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';

const count = 6000;
const dim = 32;
const k = 10;
const dataset = generateDataset({ count, dim, seed: 5, clusters: 12 });
const attributes = new AttributeTable(SYNTHETIC_SCHEMA, count, dataset.attributes!.columns());
const queries = generateQueries({ count: 40, dim, seed: 9, fromDataset: { seed: 5, clusters: 12 } });
const queryVector = (q: number) => queries.vectors.subarray(q * dim, (q + 1) * dim);

function bruteForce(q: number, keep: (row: number) => boolean): number[] {
  const query = queryVector(q);
  const distances: number[] = [];
  for (let i = 0; i < count; i++) {
    if (!keep(i)) continue;
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (query[j]! - dataset.vectors[i * dim + j]!) ** 2;
    distances.push(Math.sqrt(sum));
  }
  return distances.sort((a, b) => a - b).slice(0, k);
}

describe('in-process search over a built index', () => {
  let search: LocalSearch;
  beforeAll(async () => {
    const store = new MemoryBlobStore();
    await buildIndex({ vectors: dataset.vectors, count, dim, attributes }, store, {
      partitions: 8,
      bitsPerDim: 4,
      metric: 'l2',
      seed: 1,
      kmeansIterations: 10,
    });
    search = await LocalSearch.open(store);
  });

  const cases: [string, unknown, (row: number) => boolean][] = [
    ['unfiltered', undefined, () => true],
    ['u < 0.1', { u: { $lt: 0.1 } }, (row) => dataset.attributes!.u[row]! < 0.1],
    ['u < 0.01', { u: { $lt: 0.01 } }, (row) => dataset.attributes!.u[row]! < 0.01],
    [
      'category or tag',
      { $or: [{ category: 'red' }, { tags: { $in: ['new'] } }], u: { $gte: 0.5 } },
      (row) => {
        const r = dataset.attributes!.row(row);
        return (r.category === 'red' || r.tags.includes('new')) && r.u >= 0.5;
      },
    ],
  ];

  for (const [name, filter, keep] of cases) {
    it(`${name}: recall@10 ≥ 0.9 and every hit satisfies the filter`, async () => {
      const results = await search.search(
        Array.from({ length: queries.count }, (_, q) => ({ vector: queryVector(q), filter })),
        { k },
      );
      const measured = results.map((result, q) => {
        const truth = bruteForce(q, keep);
        expect(result.hits.length).toBe(Math.min(k, truth.length));
        for (const hit of result.hits) expect(keep(hit.id)).toBe(true);
        return { returned: result.hits.map((hit) => hit.distance), truth };
      });
      expect(meanRecall(measured, k)).toBeGreaterThanOrEqual(0.9);
    });

    it(`${name}: exact mode returns the true top-k distances`, async () => {
      const results = await search.search(
        Array.from({ length: 10 }, (_, q) => ({ vector: queryVector(q), filter })),
        { k, exact: true },
      );
      results.forEach((result, q) => {
        const truth = bruteForce(q, keep);
        expect(result.hits.map((hit) => hit.distance)).toEqual(truth.map((d) => expect.closeTo(d, 4)));
      });
    });
  }

  it('a selective filter takes the exact plan over exactly its matching rows (no approximate work)', async () => {
    const keep = (row: number) => dataset.attributes!.u[row]! < 0.004;
    const matching = Array.from({ length: count }, (_, row) => row).filter(keep).length;
    expect(matching).toBeGreaterThan(k);
    const results = await search.search(
      Array.from({ length: queries.count }, (_, q) => ({
        vector: queryVector(q),
        filter: { u: { $lt: 0.004 } },
      })),
      { k },
    );
    results.forEach((result, q) => {
      expect(result.stats.plan).toBe('exact');
      expect(result.stats.matchesEstimated).toBeGreaterThanOrEqual(matching); // quantized: an upper bound
      expect(result.stats.vectorsScanned).toBe(matching);
      expect(result.hits.map((hit) => hit.distance)).toEqual(
        bruteForce(q, keep).map((d) => expect.closeTo(d, 4)),
      );
    });
  });

  it('a batch mixing selective filters, odd-sized, answers each query as it would be answered alone', async () => {
    const limits = [0.004, 0.003];
    const batch = Array.from({ length: 7 }, (_, q) => ({
      vector: queryVector(q),
      filter: { u: { $lt: limits[q % 2]! } },
    }));
    const together = await search.search(batch, { k });
    for (const [q, query] of batch.entries()) {
      const [alone] = await search.search([query], { k });
      expect(together[q]!.stats.plan).toBe('exact');
      expect(together[q]!.hits).toEqual(alone!.hits);
      expect(together[q]!.hits.map((hit) => hit.distance)).toEqual(
        bruteForce(q, (row) => dataset.attributes!.u[row]! < limits[q % 2]!).map((d) => expect.closeTo(d, 4)),
      );
    }
  });
});
