/**
 * Warm reuse: repeated single-query requests are served by warm processors whose partition cache holds
 * what the first request loaded. On every target at least one warm hit must show in N calls (AWS may
 * start fresh environments at any time); on the emulator the counts are exact — the first request is
 * all cold, every later one all warm, and no new environment starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SearchResponse, searchUrl } from '../../../scripts/client/index.ts';
import { copyIndex } from '../../../shared/format/index.ts';
import { isEmulated, type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { wireQuery } from './requests.ts';
import { loadSiftsmall, type Siftsmall, siftQuery, siftsmallIndex } from './siftsmall.ts';

const index = 'sift-warm';
const calls = 20;

describe('warm reuse', () => {
  let target: SearchTarget;
  let data: Siftsmall;

  beforeAll(async () => {
    data = await loadSiftsmall();
    target = await startSearchTarget();
    await copyIndex(await siftsmallIndex(data), target.indexStore(index));
  });

  afterAll(async () => {
    await target?.stop();
  });

  const single = (q: number): Promise<SearchResponse> =>
    searchUrl(
      target.searchUrl,
      { index, k: 10, queries: [wireQuery({ vector: siftQuery(data, q), filter: { u: { $lt: 0.5 } } })] },
      { sign: target.sign },
    );

  it(`at least one warm processor call in ${calls} repeated single-query requests`, async () => {
    let warm = 0;
    let invocations = 0;
    for (let call = 0; call < calls; call++) {
      const response = await single(7);
      expect(response.results[0]!.hits).toHaveLength(10);
      warm += response.stats.partitionCacheHits;
      invocations += response.stats.processorInvocations;
    }
    console.log(`${calls} single-query calls: ${warm} warm of ${invocations} processor calls`);
    expect(invocations).toBeGreaterThanOrEqual(calls);
    expect(warm).toBeGreaterThan(0);
  });

  it.skipIf(!isEmulated)(
    'emulator only (exact cold-start counts): after killing the processors, the first call is all cold, later ones all warm in the same environments',
    async () => {
      const emulator = target.emulator!;
      const processors = emulator.functions.filter((fn) => /processor/.test(fn.name)).map((fn) => fn.name);
      const environmentsStarted = () =>
        processors.reduce((sum, name) => sum + emulator.stats(name).environmentsStarted, 0);
      for (const name of processors) emulator.killEnvironments(name);
      const before = environmentsStarted();

      const first = await single(7);
      const started = environmentsStarted() - before;
      expect(first.stats.processorInvocations).toBeGreaterThan(0);
      expect(first.stats.partitionLoads).toBe(first.stats.processorInvocations);
      expect(first.stats.partitionCacheHits).toBe(0);
      expect(started).toBeGreaterThan(0);
      expect(first.stats.containerStarts).toBe(started);
      expect(first.stats.bytesFetched).toBeGreaterThan(0);

      for (let call = 0; call < calls; call++) {
        const response = await single(7);
        expect(response.stats.processorInvocations).toBe(first.stats.processorInvocations);
        expect(response.stats.partitionLoads).toBe(0);
        expect(response.stats.partitionCacheHits).toBe(response.stats.processorInvocations);
        expect(response.stats.containerStarts).toBe(0);
        expect(response.stats.bytesFetched).toBe(0);
      }
      expect(environmentsStarted() - before).toBe(started);
    },
  );
});
