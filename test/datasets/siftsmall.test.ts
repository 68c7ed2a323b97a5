/**
 * siftsmall (10,000 × 128, official ground truth): recall@10 ≥ 0.95 unfiltered and with seeded uniform
 * numeric attributes at 1 % and 0.1 % selectivity, every hit satisfying its filter.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanRecall } from '../../scripts/bench/recall.ts';
import { AttributeTable } from '../../shared/attributes/index.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import { readFvecs, readIvecs } from '../../shared/data/index.ts';
import { LocalSearch } from '../../shared/index/local-search.ts';
import { createRng } from '../../shared/random.ts';
import { MemoryBlobStore } from '../../shared/store/index.ts';
import { bruteForceDistances, distancesOf } from '../support/ground-truth.ts';
import { dataDir, requireFile } from './data-dir.ts';

const k = 10;
const hint = 'set SQUASH_DATA_DIR to the folder holding siftsmall/ (default ../shared/data)';

describe('siftsmall', () => {
  let base: Float32Array;
  let queries: Float32Array;
  let truthIds: Int32Array;
  let u: Float64Array;
  let search: LocalSearch;
  const dim = 128;

  beforeAll(async () => {
    const folder = join(dataDir, 'siftsmall');
    base = (await readFvecs(requireFile(join(folder, 'siftsmall_base.fvecs'), hint))).vectors;
    queries = (await readFvecs(requireFile(join(folder, 'siftsmall_query.fvecs'), hint))).vectors;
    truthIds = (await readIvecs(requireFile(join(folder, 'siftsmall_groundtruth.ivecs'), hint))).values;
    const rng = createRng(2024);
    u = Float64Array.from({ length: base.length / dim }, () => rng.next());
    const attributes = new AttributeTable({ attributes: [{ name: 'u', kind: 'number' }] }, u.length, [
      { kind: 'number', values: u },
    ]);
    const store = new MemoryBlobStore();
    await buildIndex({ vectors: base, count: u.length, dim, attributes }, store, {
      partitions: 16,
      bitsPerDim: 4,
      metric: 'l2',
      seed: 1,
      kmeansIterations: 30,
    });
    search = await LocalSearch.open(store);
  });

  const query = (q: number) => queries.subarray(q * dim, (q + 1) * dim);

  it('unfiltered recall@10 ≥ 0.95 against the official ground truth', async () => {
    const results = await search.search(
      Array.from({ length: 100 }, (_, q) => ({ vector: query(q) })),
      { k },
    );
    const recall = meanRecall(
      results.map((result, q) => ({
        returned: result.hits.map((hit) => hit.distance),
        truth: distancesOf(base, dim, query(q), truthIds.subarray(q * 100, q * 100 + k)),
      })),
      k,
    );
    console.log(`siftsmall unfiltered recall@10 = ${recall.toFixed(4)}`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  for (const selectivity of [0.01, 0.001]) {
    it(`u < ${selectivity}: recall@10 ≥ 0.95, every hit satisfies the filter`, async () => {
      const filter = { u: { $lt: selectivity } };
      const keep = (row: number) => u[row]! < selectivity;
      const results = await search.search(
        Array.from({ length: 100 }, (_, q) => ({ vector: query(q), filter })),
        { k },
      );
      const recall = meanRecall(
        results.map((result, q) => {
          for (const hit of result.hits) expect(keep(hit.id)).toBe(true);
          const truth = bruteForceDistances(base, dim, query(q), k, keep);
          expect(result.hits.length).toBe(Math.min(k, truth.length));
          return { returned: result.hits.map((hit) => hit.distance), truth };
        }),
        k,
      );
      console.log(`siftsmall u < ${selectivity} recall@10 = ${recall.toFixed(4)}`);
      expect(recall).toBeGreaterThanOrEqual(0.95);
    });
  }
});
