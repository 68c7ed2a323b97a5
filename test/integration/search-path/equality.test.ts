/**
 * The serverless path answers exactly what the in-process search answers: the siftsmall index is copied
 * into the target's bucket, LocalSearch opens the very same objects, and both run the same queries with
 * default options — unfiltered, filtered (a different filter per query, a selective one taking the exact
 * plan), and through a forced allocator
 * tree. Ids and distances must be equal, not merely close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchUrl } from '../../../scripts/client/index.ts';
import { copyIndex } from '../../../shared/format/index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { type TestQuery, wireQuery } from './requests.ts';
import { loadSiftsmall, type Siftsmall, siftGroups, siftQuery, siftsmallIndex } from './siftsmall.ts';

const k = 10;
const index = 'sift-equality';

describe('search URL results equal the in-process search', () => {
  let target: SearchTarget;
  let data: Siftsmall;
  let local: LocalSearch;

  beforeAll(async () => {
    data = await loadSiftsmall();
    const built = await siftsmallIndex(data);
    target = await startSearchTarget();
    await copyIndex(built, target.indexStore(index));
    local = await LocalSearch.open(target.indexStore(index));
  });

  afterAll(async () => {
    await target?.stop();
  });

  const filters: unknown[] = [
    { u: { $lt: 0.3 } },
    { group: siftGroups[1] },
    { group: { $in: [siftGroups[0], siftGroups[4]] }, u: { $gte: 0.5 } },
    { u: { $lt: 0.02 } },
    { $or: [{ group: siftGroups[2] }, { u: { $gt: 0.9 } }] },
    { u: { $lt: 0.003 } }, // ≈ 30 rows: the exact plan (one block in process, partition scans on the stack)
  ];

  async function expectEqual(queries: TestQuery[], options: { maxAllocators?: number } = {}) {
    const expected = await local.search(queries, { k });
    const response = await searchUrl(
      target.searchUrl,
      {
        index,
        k,
        queries: queries.map(wireQuery),
        ...(options.maxAllocators === undefined ? {} : { options }),
      },
      { sign: target.sign },
    );
    expect(response.stats.missingPartitions).toEqual([]);
    expect(response.results).toHaveLength(queries.length);
    response.results.forEach((result, q) => {
      expect(result.hits.length, `query ${q}`).toBe(k);
      expect(result.hits, `query ${q}`).toEqual(expected[q]!.hits);
      expect(result.stats.rounds, `query ${q}`).toBe(expected[q]!.stats.rounds);
      expect(result.stats.partitionsVisited, `query ${q}`).toBe(expected[q]!.stats.partitionsVisited);
    });
    return response;
  }

  it('unfiltered: 100 queries, same ids and distances', async () => {
    const response = await expectEqual(
      Array.from({ length: data.queryCount }, (_, q) => ({ vector: siftQuery(data, q) })),
    );
    expect(response.stats.queries).toBe(100);
    expect(response.stats.processorInvocations).toBeGreaterThan(0);
  });

  it('filtered: 100 queries over six filter shapes, same ids and distances', async () => {
    const exactPlans = await local.search(
      Array.from({ length: 5 }, (_, q) => ({ vector: siftQuery(data, q), filter: filters[5] })),
      { k },
    );
    expect(exactPlans.map((result) => result.stats.plan)).toEqual(Array(5).fill('exact'));
    await expectEqual(
      Array.from({ length: data.queryCount }, (_, q) => ({
        vector: siftQuery(data, q),
        filter: filters[q % filters.length],
      })),
    );
  });

  it('through an allocator tree (maxAllocators 3): same ids and distances', async () => {
    const response = await expectEqual(
      Array.from({ length: data.queryCount }, (_, q) => ({
        vector: siftQuery(data, q),
        filter: q % 2 === 0 ? undefined : filters[q % filters.length],
      })),
      { maxAllocators: 3 },
    );
    expect(response.stats.allocatorInvocations).toBe(3);
  });
});
