/**
 * Fashion-MNIST (60,000 × 784 from Debian): recall@10 ≥ 0.95 unfiltered (official ground truth), filtered
 * by the query's class label (10 %), and with seeded uniform numeric attributes at 1 % and 0.1 %; every
 * returned hit satisfies its filter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FashionMnist,
  fashionMnistClasses,
  fashionMnistIndex,
  loadFashionMnist,
  uniformAttribute,
} from '../../scripts/bench/fashion-mnist.ts';
import { meanRecall } from '../../scripts/bench/recall.ts';
import { LocalSearch } from '../../shared/index/local-search.ts';
import { bruteForceDistances, distancesOf } from '../support/ground-truth.ts';
import { dataDir, fashionMnistDir } from './data-dir.ts';

const k = 10;
const queryCount = 500;

describe('Fashion-MNIST', () => {
  let data: FashionMnist;
  let u: Float64Array;
  let search: LocalSearch;

  beforeAll(async () => {
    data = await loadFashionMnist(fashionMnistDir, dataDir);
    u = uniformAttribute(data.count);
    search = await LocalSearch.open(await fashionMnistIndex(data));
  });

  const query = (q: number) => data.queries.subarray(q * data.dim, (q + 1) * data.dim);

  it('unfiltered recall@10 ≥ 0.95 against the official ground truth', async () => {
    const results = await search.search(
      Array.from({ length: queryCount }, (_, q) => ({ vector: query(q) })),
      { k },
    );
    const recall = meanRecall(
      results.map((result, q) => ({
        returned: result.hits.map((hit) => hit.distance),
        truth: distancesOf(data.base, data.dim, query(q), data.truth.subarray(q * 100, q * 100 + k)),
      })),
      k,
    );
    console.log(`fashion-mnist unfiltered recall@10 = ${recall.toFixed(4)}`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  const cases: [string, (q: number) => unknown, (q: number) => (row: number) => boolean][] = [
    [
      'label = query label (10 %)',
      (q) => ({ label: fashionMnistClasses[data.queryLabels[q]!]! }),
      (q) => (row) => data.labels[row] === data.queryLabels[q],
    ],
    ['u < 0.01 (1 %)', () => ({ u: { $lt: 0.01 } }), () => (row) => u[row]! < 0.01],
    ['u < 0.001 (0.1 %)', () => ({ u: { $lt: 0.001 } }), () => (row) => u[row]! < 0.001],
  ];
  for (const [name, filterOf, keepOf] of cases) {
    it(`${name}: recall@10 ≥ 0.95, every hit satisfies the filter`, async () => {
      const results = await search.search(
        Array.from({ length: queryCount }, (_, q) => ({ vector: query(q), filter: filterOf(q) })),
        { k },
      );
      const recall = meanRecall(
        results.map((result, q) => {
          const keep = keepOf(q);
          for (const hit of result.hits) expect(keep(hit.id)).toBe(true);
          const truth = bruteForceDistances(data.base, data.dim, query(q), k, keep);
          expect(result.hits.length).toBe(Math.min(k, truth.length));
          return { returned: result.hits.map((hit) => hit.distance), truth };
        }),
        k,
      );
      console.log(`fashion-mnist ${name} recall@10 = ${recall.toFixed(4)}`);
      expect(recall).toBeGreaterThanOrEqual(0.95);
    });
  }
});
