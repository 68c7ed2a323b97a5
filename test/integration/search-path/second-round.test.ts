/**
 * The guarantee of DESIGN §5 through the search URL: when at least k rows satisfy a filter, k come back,
 * all satisfying it — even when the quantized counts over-estimate the matches.
 *
 * The filter is an `$in` of 40 exact values of `u` (10,000 distinct values, so each value's quantized
 * cell holds ~N/255 ≈ 39 rows of which only 1 matches exactly). The allocator's counts then promise
 * ~1,500 matches spread over every partition, so its first round stops after the nearest partitions.
 * Taking the 40 values from rows of the partition FARTHEST from the query puts no exact match in those:
 * the first round returns fewer than k and further rounds must run. Taking them from the NEAREST
 * partition is the control: same filter shape and same over-estimate, but the first round finds them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitOrdinal, searchUrl } from '../../../scripts/client/index.ts';
import { copyIndex } from '../../../shared/format/index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { orderPartitions } from '../../../shared/plan/partition-order.ts';
import { distancesOf } from '../../support/ground-truth.ts';
import { type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { type TestQuery, wireQuery } from './requests.ts';
import { loadSiftsmall, type Siftsmall, siftDim, siftQuery, siftsmallIndex } from './siftsmall.ts';

const index = 'sift-rounds';
const valuesPerFilter = 40;
const queryCount = 8;

interface Case {
  readonly query: TestQuery;
  /** The rows whose `u` values the filter lists. */
  readonly rows: readonly number[];
}

describe('second round when the quantized counts over-estimate', () => {
  let target: SearchTarget;
  let data: Siftsmall;
  let local: LocalSearch;

  beforeAll(async () => {
    data = await loadSiftsmall();
    target = await startSearchTarget();
    await copyIndex(await siftsmallIndex(data), target.indexStore(index));
    local = await LocalSearch.open(target.indexStore(index));
  });

  afterAll(async () => {
    await target?.stop();
  });

  /** Rows of the partition at `rank` in the query's centroid order (0 = nearest, -1 = farthest). */
  async function partitionRows(vector: Float32Array, rank: number): Promise<number[]> {
    const { layout } = local.reader;
    const prepared = local.prepare([{ vector }])[0]!.vector;
    const { order } = orderPartitions(layout.centroids, layout.partitions, layout.dim, prepared);
    const partition = order.at(rank)!;
    const { ids } = await local.reader.loadPartition(partition);
    return Array.from(ids.subarray(0, valuesPerFilter));
  }

  function filterOf(rows: readonly number[]) {
    return { u: { $in: rows.map((row) => data.u[row]!) } };
  }

  async function casesFrom(rank: number, nearestToo = 0): Promise<Case[]> {
    const cases: Case[] = [];
    for (let q = 0; q < queryCount; q++) {
      const vector = siftQuery(data, q);
      const rows = await partitionRows(vector, rank);
      if (nearestToo > 0)
        rows.splice(0, nearestToo, ...(await partitionRows(vector, 0)).slice(0, nearestToo));
      cases.push({ query: { vector, filter: filterOf(rows) }, rows });
    }
    return cases;
  }

  /** Exact top-k of the filter's rows: each listed value belongs to exactly one row. */
  function exactTopK({ query, rows }: Case, k: number) {
    const distances = distancesOf(data.base, siftDim, query.vector, rows);
    return rows
      .map((id, i) => ({ id, distance: distances[i]! }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, k);
  }

  // R = 3 keeps the approximate plan cheaper than an exact scan of the (over-estimated) matches at
  // k = 40, which is the situation under test.
  async function search(cases: readonly Case[], k: number) {
    return searchUrl(
      target.searchUrl,
      { index, k, queries: cases.map((c) => wireQuery(c.query)), options: { rerank: 3 } },
      { sign: target.sign },
    );
  }

  it('each listed value matches exactly one row', () => {
    const values = new Set(filterOf(Array.from({ length: 100 }, (_, i) => i)).u.$in);
    expect(values.size).toBe(100);
    let matching = 0;
    for (let row = 0; row < data.count; row++) if (values.has(data.u[row]!)) matching++;
    expect(matching).toBe(100);
  });

  it('exactly k matches, all in the farthest partition (or 3 in the nearest): rounds ≥ 2, all k returned, equal to the exact top-k', async () => {
    const k = valuesPerFilter;
    const cases = [...(await casesFrom(-1)), ...(await casesFrom(-1, 3))];
    const response = await search(cases, k);
    console.log(`rounds per query: ${response.results.map((result) => result.stats.rounds).join(' ')}`);
    expect(response.stats.missingPartitions).toEqual([]);
    expect(response.stats.rounds).toBeGreaterThanOrEqual(2);
    const exact = await local.search(
      cases.map((c) => c.query),
      { k, exact: true },
    );
    response.results.forEach((result, q) => {
      expect(result.stats.plan, `query ${q}`).toBe('approximate');
      expect(result.stats.matchesEstimated, `query ${q}`).toBeGreaterThan(10 * valuesPerFilter);
      expect(result.stats.rounds, `query ${q}`).toBeGreaterThanOrEqual(2);
      const truth = exactTopK(cases[q]!, k);
      expect(result.hits.map(hitOrdinal), `query ${q}`).toEqual(truth.map((hit) => hit.id));
      result.hits.forEach((hit, i) => {
        expect(hit.distance).toBeCloseTo(truth[i]!.distance, 2);
      });
      expect(result.hits).toEqual(exact[q]!.hits);
    });
  });

  it('more than k matches, all in the farthest partition: rounds ≥ 2, k hits, all pass', async () => {
    const k = 10;
    const cases = await casesFrom(-1);
    const response = await search(cases, k);
    response.results.forEach((result, q) => {
      const { rows, query } = cases[q]!;
      expect(result.stats.rounds, `query ${q}`).toBeGreaterThanOrEqual(2);
      expect(result.hits, `query ${q}`).toHaveLength(k);
      for (const hit of result.hits) expect(rows).toContain(hit.id);
      const distances = distancesOf(data.base, siftDim, query.vector, result.hits.map(hitOrdinal));
      result.hits.forEach((hit, i) => {
        expect(hit.distance).toBeCloseTo(distances[i]!, 2);
      });
    });
  });

  it('control — the same over-estimating filter over the nearest partition: one round', async () => {
    const k = valuesPerFilter;
    const cases = await casesFrom(0);
    const response = await search(cases, k);
    expect(response.stats.rounds).toBe(1);
    response.results.forEach((result, q) => {
      expect(result.stats.matchesEstimated, `query ${q}`).toBeGreaterThan(10 * valuesPerFilter);
      expect(result.stats.rounds, `query ${q}`).toBe(1);
      expect(result.hits.map((hit) => hit.id)).toEqual(exactTopK(cases[q]!, k).map((hit) => hit.id));
    });
  });
});
