/**
 * Recall@10 ≥ 0.95 through the search URL with default options: siftsmall against its official ground
 * truth; Fashion-MNIST (the cached benchmark index, copied into the target's bucket) unfiltered against
 * its official ground truth, filtered by the query's class label (10 %) and at 1 % selectivity
 * (`u < 0.01`) against brute force over the rows that pass. Every hit is checked against the exact
 * attribute values of the dataset, and every query gets min(k, matches) hits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FashionMnist,
  fashionMnistClasses,
  fashionMnistIndex,
  loadFashionMnist,
  uniformAttribute,
} from '../../../scripts/bench/fashion-mnist.ts';
import { meanRecall } from '../../../scripts/bench/recall.ts';
import { hitOrdinal, type SearchResponse, searchUrl } from '../../../scripts/client/index.ts';
import { copyIndex } from '../../../shared/format/index.ts';
import { dataDir, fashionMnistDir } from '../../datasets/data-dir.ts';
import { bruteForceDistances, distancesOf } from '../../support/ground-truth.ts';
import { type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { type TestQuery, wireQuery } from './requests.ts';
import { loadSiftsmall, siftDim, siftQuery, siftsmallIndex } from './siftsmall.ts';

const k = 10;
const fashionQueries = 200;

/** Recall@k against official ground truth (100 ids per query); every query must return k hits. */
function officialRecall(
  response: SearchResponse,
  truth: Int32Array,
  base: Float32Array,
  dim: number,
  queryOf: (q: number) => Float32Array,
): number {
  return meanRecall(
    response.results.map((result, q) => {
      expect(result.hits).toHaveLength(k);
      const truthIds = truth.subarray(q * 100, q * 100 + k);
      return {
        returned: result.hits.map((hit) => hit.distance),
        truth: distancesOf(base, dim, queryOf(q), truthIds),
      };
    }),
    k,
  );
}

describe('recall@10 through the search URL', () => {
  let target: SearchTarget;

  beforeAll(async () => {
    target = await startSearchTarget();
  });

  afterAll(async () => {
    await target?.stop();
  });

  const search = (index: string, queries: readonly TestQuery[]): Promise<SearchResponse> =>
    searchUrl(target.searchUrl, { index, k, queries: queries.map(wireQuery) }, { sign: target.sign });

  it('siftsmall, unfiltered: ≥ 0.95 against the official ground truth', async () => {
    const data = await loadSiftsmall();
    await copyIndex(await siftsmallIndex(data), target.indexStore('sift-recall'));
    const response = await search(
      'sift-recall',
      Array.from({ length: data.queryCount }, (_, q) => ({ vector: siftQuery(data, q) })),
    );
    const recall = officialRecall(response, data.truth, data.base, siftDim, (q) => siftQuery(data, q));
    console.log(`search URL siftsmall unfiltered recall@10 = ${recall.toFixed(4)}`);
    expect(response.stats.missingPartitions).toEqual([]);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  describe('Fashion-MNIST', () => {
    let data: FashionMnist;
    let u: Float64Array;
    const query = (q: number) => data.queries.subarray(q * data.dim, (q + 1) * data.dim);

    beforeAll(async () => {
      data = await loadFashionMnist(fashionMnistDir, dataDir);
      u = uniformAttribute(data.count);
      await copyIndex(await fashionMnistIndex(data), target.indexStore('fashion-mnist'));
    });

    it('unfiltered: ≥ 0.95 against the official ground truth', async () => {
      const response = await search(
        'fashion-mnist',
        Array.from({ length: fashionQueries }, (_, q) => ({ vector: query(q) })),
      );
      const recall = officialRecall(response, data.truth, data.base, data.dim, query);
      console.log(`search URL fashion-mnist unfiltered recall@10 = ${recall.toFixed(4)}`);
      expect(response.stats.missingPartitions).toEqual([]);
      expect(recall).toBeGreaterThanOrEqual(0.95);
    });

    const cases: [string, (q: number) => unknown, (q: number) => (row: number) => boolean][] = [
      [
        "label = the query's class (10 %)",
        (q) => ({ label: fashionMnistClasses[data.queryLabels[q]!]! }),
        (q) => (row) => data.labels[row] === data.queryLabels[q],
      ],
      ['u < 0.01 (1 %)', () => ({ u: { $lt: 0.01 } }), () => (row) => u[row]! < 0.01],
    ];
    for (const [name, filterOf, keepOf] of cases) {
      it(`${name}: ≥ 0.95, k hits per query, every hit satisfies its filter`, async () => {
        const response = await search(
          'fashion-mnist',
          Array.from({ length: fashionQueries }, (_, q) => ({ vector: query(q), filter: filterOf(q) })),
        );
        let failing = 0;
        const recall = meanRecall(
          response.results.map((result, q) => {
            const keep = keepOf(q);
            failing += result.hits.filter((hit) => !keep(hitOrdinal(hit))).length;
            const truth = bruteForceDistances(data.base, data.dim, query(q), k, keep);
            expect(truth).toHaveLength(k);
            expect(result.hits, `query ${q}`).toHaveLength(k);
            return { returned: result.hits.map((hit) => hit.distance), truth };
          }),
          k,
        );
        console.log(`search URL fashion-mnist ${name} recall@10 = ${recall.toFixed(4)}`);
        expect(failing, 'hits that do not satisfy their filter').toBe(0);
        expect(response.stats.missingPartitions).toEqual([]);
        expect(recall).toBeGreaterThanOrEqual(0.95);
      });
    }
  });
});
