/**
 * The executor's rounds when a partition fails (DESIGN §5 "Failures"): a later round never runs on an
 * incomplete round as if it were complete. The layout is four partitions on a line with centroids at
 * x = 0, 10, 20, 30; the query sits at x = 5, so the first round selects partitions 0 and 1 (both at
 * distance 5, within partitionFactor 1.2, holding enough quantized matches), and a second round, when
 * one runs, goes to partition 2 next. The searcher is scripted: which partitions fail, how many hits
 * each answered partition gives.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledFilter } from '../../../shared/attributes/index.ts';
import { UpstreamError, UpstreamTimeoutError } from '../../../shared/errors/index.ts';
import type { PartitionQueryResult } from '../../../shared/search/partition-search.ts';
import {
  defaultQueryOptions,
  executeQueries,
  type IndexLayout,
  type PartitionSearcher,
  type QueryOptions,
} from '../../../shared/search/query-executor.ts';

const k = 10;

/** A filter that is not match-all: the layout's `countMatches` decides the quantized counts. */
const someRows = { matchesAll: false } as CompiledFilter;

function layout(counts: readonly number[]): IndexLayout {
  return {
    partitions: counts.length,
    dim: 2,
    centroids: Float32Array.from(counts.flatMap((_, p) => [10 * p, 0])),
    partitionSizes: counts.map(() => 5000),
    countMatches: (_filter, partition) => counts[partition]!,
  };
}

/**
 * Searches with a scripted searcher: partition p answers `hits[p]` rows (ids 100·p + i) unless `failing`
 * names it. Returns the outcome of one query and the partitions asked, over all rounds.
 */
async function run(
  counts: readonly number[],
  hits: readonly number[],
  failing: ReadonlyMap<number, Error>,
  allowPartial: boolean,
) {
  const asked: number[] = [];
  const searcher: PartitionSearcher = async (partition, requests) => {
    asked.push(partition);
    const error = failing.get(partition);
    if (error) throw error;
    return requests.map(
      (): PartitionQueryResult => ({
        hits: Array.from({ length: hits[partition]! }, (_, i) => ({ id: 100 * partition + i, distance: i })),
        candidates: hits[partition]!,
        reranked: hits[partition]!,
        exhausted: true,
        plan: 'approximate',
      }),
    );
  };
  const options: QueryOptions = { ...defaultQueryOptions, k, matchesFactor: 1, rerank: 1, allowPartial };
  const [outcome] = await executeQueries(
    layout(counts),
    [{ vector: Float32Array.of(5, 0), filter: someRows }],
    options,
    searcher,
  );
  return { outcome: outcome!, asked: asked.sort((a, b) => a - b) };
}

const counts = [1000, 1000, 1000, 1000];
const fails = (partition: number, error: Error = new UpstreamError(`partition ${partition} crashed`)) =>
  new Map([[partition, error]]);

describe('executeQueries with failing partitions', () => {
  it('runs a second round when the first came back short and nothing failed (the k-hits guarantee)', async () => {
    const { outcome, asked } = await run(counts, [3, 3, 10, 10], new Map(), false);
    expect(asked).toEqual([0, 1, 2]);
    expect(outcome.stats).toMatchObject({ rounds: 2, partitionsVisited: 3, missingPartitions: [] });
    expect(outcome.hits).toHaveLength(k);
  });

  it('by default, stops a query at the round where a partition failed: no round fills the gap with farther rows', async () => {
    const { outcome, asked } = await run(counts, [3, 3, 10, 10], fails(1), false);
    expect(asked).toEqual([0, 1]);
    expect(outcome.stats).toMatchObject({ rounds: 1, partitionsVisited: 1, missingPartitions: [1] });
    expect(outcome.hits.map((hit) => hit.id)).toEqual([0, 1, 2]);
  });

  it('with allowPartial, counts a missing partition as the hits it was expected to give: no second round', async () => {
    // Partition 0 answered 3; partition 1 failed and was expected to give k: 13 ≥ k, so the short
    // answer is the failure's doing, not an over-estimate, and partition 2 is not asked.
    const { outcome, asked } = await run(
      counts,
      [3, 3, 10, 10],
      fails(1, new UpstreamTimeoutError('slow')),
      true,
    );
    expect(asked).toEqual([0, 1]);
    expect(outcome.stats).toMatchObject({ rounds: 1, missingPartitions: [1] });
    expect(outcome.hits.map((hit) => hit.id)).toEqual([0, 1, 2]);
  });

  it('with allowPartial, still runs a second round when the partitions that answered under-delivered', async () => {
    // Partition 1 was expected to give only 2 matches: 3 found + 2 credited < k, so the quantized
    // counts over-estimated elsewhere and partition 2 is asked, as it would be in a complete round.
    const { outcome, asked } = await run([1000, 2, 1000, 1000], [3, 0, 10, 10], fails(1), true);
    expect(asked).toEqual([0, 1, 2]);
    expect(outcome.stats).toMatchObject({ rounds: 2, partitionsVisited: 2, missingPartitions: [1] });
    expect(outcome.hits).toHaveLength(k);
  });

  it('rethrows errors that are not upstream failures (a bug is never a missing partition)', async () => {
    await expect(run(counts, [3, 3, 10, 10], fails(0, new TypeError('boom')), true)).rejects.toThrow(
      TypeError,
    );
  });
});
