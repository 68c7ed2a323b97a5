/**
 * Failures along the query path (DESIGN §5 "Failures"): an invocation that fails or times out is retried
 * once; a partition that still fails is named in `missingPartitions` (and in `failures`), or fails the
 * request with 502 (failure) / 504 (timeout) when it asked for strict answers. No silent partial answers.
 *
 * All of these need the emulator (killing environments, overriding functions), so they skip on external
 * targets:
 * - a 1,000-query batch whose processors are killed while it is in flight: the killed calls are retried
 *   in new environments and the answer is complete — equal to the in-process search;
 * - processor function 1 cannot start (its handler export does not exist): partitions 1 and 9 are
 *   missing, 502 when strict;
 * - processor function 0 has a 1 ms timeout (the host kills it: Sandbox.Timedout) and function 2 answers
 *   after 5 s while callers wait 1 s per attempt (SQUASH_INVOKE_TIMEOUT_MS): partitions 0, 2, 8, 10 are
 *   missing, 504 when strict.
 * The partial answers are checked against brute force over exactly the partitions that did answer.
 */
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitOrdinal, type SearchResponse, searchUrl } from '../../../scripts/client/index.ts';
import type { LocalStack, LocalTemplateFunction } from '../../../scripts/local/index.ts';
import { copyIndex } from '../../../shared/format/index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { bruteForceDistances } from '../../support/ground-truth.ts';
import { isEmulated, type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { expectHttpError, type TestQuery, wireQuery } from './requests.ts';
import { loadSiftsmall, type Siftsmall, siftDim, siftQuery, siftsmallIndex } from './siftsmall.ts';

const k = 10;
const SLOW_PROCESSOR = resolve(import.meta.dirname, 'fixtures/slow-processor');

function processorNames(emulator: LocalStack): string[] {
  return emulator.functions.filter((fn) => /-processor-\d+$/.test(fn.name)).map((fn) => fn.name);
}

function isProcessor(fn: LocalTemplateFunction, number: number): boolean {
  return fn.name.endsWith(`-processor-${number}`);
}

/** Waits until `atLeast` processor invocations are in flight, then kills every processor environment. */
async function killWhileBusy(
  emulator: LocalStack,
  names: readonly string[],
  atLeast: number,
  limitMs: number,
): Promise<number> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    const busy = names.reduce((sum, name) => sum + emulator.stats(name).busy, 0);
    if (busy >= atLeast) {
      for (const name of names) emulator.killEnvironments(name);
      return busy;
    }
    await sleep(1);
  }
  return 0;
}

describe.skipIf(!isEmulated)('emulator only (kills environments): processors killed mid-query', () => {
  const index = 'sift-kill';
  let data: Siftsmall;
  let target: SearchTarget;
  let queries: TestQuery[];
  let expected: Awaited<ReturnType<LocalSearch['search']>>;

  beforeAll(async () => {
    data = await loadSiftsmall();
    let local: LocalSearch;
    ({ target, local } = await siftTarget(data, index, (fn) => fn));
    // 1,000 queries: each of the 100 query vectors with ten filters of growing selectivity.
    queries = Array.from({ length: 1000 }, (_, i) => ({
      vector: siftQuery(data, i % 100),
      filter: { u: { $lt: (Math.floor(i / 100) + 1) / 10 } },
    }));
    expected = await local.search(queries, { k });
  });

  afterAll(async () => {
    await target?.stop();
  });

  const batch = (): Promise<SearchResponse> =>
    searchUrl(target.searchUrl, { index, k, queries: queries.map(wireQuery) }, { sign: target.sign });

  function expectComplete(response: SearchResponse): void {
    expect(response.stats.missingPartitions).toEqual([]);
    expect(response.stats.failures).toEqual([]);
    expect(response.results).toHaveLength(queries.length);
    response.results.forEach((result, q) => {
      expect(result.hits, `query ${q}`).toHaveLength(k);
      expect(result.hits, `query ${q}`).toEqual(expected[q]!.hits);
    });
  }

  it('baseline: the batch is complete and equal to the in-process search, with no retries', async () => {
    const response = await batch();
    expectComplete(response);
    expect(response.stats.retries).toBe(0);
  });

  it('killed while in flight: every killed call is retried once and the answer is complete and equal', async () => {
    const emulator = target.emulator!;
    const names = processorNames(emulator);
    const errorsBefore = names.reduce((sum, name) => sum + emulator.stats(name).errors, 0);
    const pending = batch();
    const killed = await killWhileBusy(emulator, names, 4, 30_000);
    const response = await pending;
    const errors = names.reduce((sum, name) => sum + emulator.stats(name).errors, 0) - errorsBefore;
    console.log(
      `killed with ${killed} processor invocations in flight: ${errors} failed, ${response.stats.retries} retries, ` +
        `${response.stats.processorInvocations} processor invocations`,
    );
    expect(killed, 'fewer than 4 processor invocations were ever in flight at once').toBeGreaterThanOrEqual(
      4,
    );
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThanOrEqual(killed);
    expect(response.stats.retries).toBe(errors);
    expectComplete(response);
  });
});

/** Starts a target whose functions are changed by `override`, with the siftsmall index installed. */
async function siftTarget(
  data: Siftsmall,
  index: string,
  override: (fn: LocalTemplateFunction) => LocalTemplateFunction,
): Promise<{ target: SearchTarget; local: LocalSearch }> {
  const target = await startSearchTarget({ functionOverrides: override });
  await copyIndex(await siftsmallIndex(data), target.indexStore(index));
  return { target, local: await LocalSearch.open(target.indexStore(index)) };
}

/** An exact search (every partition) for the first five siftsmall queries. */
function exactSearch(
  target: SearchTarget,
  data: Siftsmall,
  index: string,
  strict: boolean,
): Promise<SearchResponse> {
  return searchUrl(
    target.searchUrl,
    {
      index,
      k,
      queries: Array.from({ length: 5 }, (_, q) => wireQuery({ vector: siftQuery(data, q) })),
      options: { exact: true, strict },
    },
    { sign: target.sign },
  );
}

/** Rows (global ordinals) of the given partitions. */
async function rowsOf(local: LocalSearch, partitions: readonly number[]): Promise<Set<number>> {
  const rows = new Set<number>();
  for (const p of partitions) for (const id of (await local.reader.loadPartition(p)).ids) rows.add(id);
  return rows;
}

/**
 * An exact search (every partition) must name `missing` and answer the exact top-k of every other
 * partition's rows, with each failed call retried once.
 */
async function expectPartialAnswer(
  data: Siftsmall,
  local: LocalSearch,
  response: SearchResponse,
  missing: readonly number[],
): Promise<void> {
  expect(response.stats.missingPartitions).toEqual(missing);
  expect(response.stats.retries).toBe(missing.length);
  expect(response.stats.failures.map((failure) => failure.partition).sort((a, b) => a! - b!)).toEqual(
    missing,
  );
  const lost = await rowsOf(local, missing);
  response.results.forEach((result, q) => {
    expect(result.stats.missingPartitions, `query ${q}`).toEqual(missing);
    const truth = bruteForceDistances(data.base, siftDim, siftQuery(data, q), k, (row) => !lost.has(row));
    expect(result.hits, `query ${q}`).toHaveLength(k);
    result.hits.forEach((hit, i) => {
      expect(lost.has(hitOrdinal(hit))).toBe(false);
      expect(hit.distance).toBeCloseTo(truth[i]!, 2);
    });
  });
}

describe.skipIf(!isEmulated)('emulator only (function overrides): a processor that cannot start', () => {
  const index = 'sift-broken';
  let data: Siftsmall;
  let target: SearchTarget;
  let local: LocalSearch;

  beforeAll(async () => {
    data = await loadSiftsmall();
    ({ target, local } = await siftTarget(data, index, (fn) =>
      isProcessor(fn, 1) ? { ...fn, handler: 'index.noSuchHandler' } : fn,
    ));
  });

  afterAll(async () => {
    await target?.stop();
  });

  it('names partitions 1 and 9 as missing, after one retry each, and answers from the others', async () => {
    const response = await exactSearch(target, data, index, false);
    await expectPartialAnswer(data, local, response, [1, 9]);
    for (const failure of response.stats.failures) {
      expect(failure).toMatchObject({ target: expect.stringMatching(/-processor-1$/), code: 'UPSTREAM' });
      expect(failure.message).toMatch(/failed after a retry: .*Runtime\.HandlerNotFound/);
    }
  });

  it('strict: 502 naming the partitions and the cause', async () => {
    const error = await expectHttpError(
      exactSearch(target, data, index, true),
      502,
      /partitions 1, 9 could not be searched and strict answers were requested: .*Runtime\.HandlerNotFound/,
    );
    expect(error.code).toBe('UPSTREAM');
  });
});

describe.skipIf(!isEmulated)('emulator only (function overrides): processors that time out', () => {
  const index = 'sift-timeouts';
  const attemptMs = 1000;
  let data: Siftsmall;
  let target: SearchTarget;
  let local: LocalSearch;

  beforeAll(async () => {
    data = await loadSiftsmall();
    ({ target, local } = await siftTarget(data, index, (fn) => {
      if (/-(coordinator|allocator)$/.test(fn.name)) {
        return { ...fn, environment: { ...fn.environment, SQUASH_INVOKE_TIMEOUT_MS: String(attemptMs) } };
      }
      if (isProcessor(fn, 0)) return { ...fn, timeoutSeconds: 0.001 };
      if (isProcessor(fn, 2)) {
        return {
          ...fn,
          codeDirectory: SLOW_PROCESSOR,
          environment: {
            ...fn.environment,
            SQUASH_TEST_REAL_HANDLER: join(fn.codeDirectory, 'index.mjs'),
            SQUASH_TEST_DELAY_MS: String(5 * attemptMs),
          },
        };
      }
      return fn;
    }));
    // Cold environments start in ~0.3 s each on 2 cores; start them now so that only the injected
    // faults can exceed the callers' 1 s per attempt.
    const emulator = target.emulator!;
    for (const name of processorNames(emulator)) await emulator.warm(name, 2);
  });

  afterAll(async () => {
    await target?.stop();
  });

  it('names partitions 0, 2, 8 and 10 as missing, after one retry each, and answers from the others', async () => {
    const response = await exactSearch(target, data, index, false);
    await expectPartialAnswer(data, local, response, [0, 2, 8, 10]);
    for (const failure of response.stats.failures) {
      expect(failure.code).toBe('UPSTREAM_TIMEOUT');
      if (/-processor-0$/.test(failure.target)) {
        expect(failure.message).toMatch(/failed after a retry: .*Sandbox\.Timedout: .*Task timed out/);
      } else {
        expect(failure.target).toMatch(/-processor-2$/);
        expect(failure.message).toMatch(
          new RegExp(`failed after a retry: .*did not answer within ${attemptMs} ms`),
        );
      }
    }
    const timeouts = target.emulator!.stats(processorNames(target.emulator!).find((n) => /-0$/.test(n))!);
    expect(timeouts.timeouts).toBe(4);
  });

  it('strict: 504 naming the partitions', async () => {
    const error = await expectHttpError(
      exactSearch(target, data, index, true),
      504,
      /partitions 0, 2, 8, 10 could not be searched and strict answers were requested/,
    );
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
  });
});
