/**
 * Failures along the query path (DESIGN §5 "Failures"): an invocation that fails or times out is retried
 * once; a search whose partitions still fail fails with 502 (failure) / 504 (timeout) whose body names
 * the partitions, the queries affected and the causes. Partial answers only with `allowPartial`, and then
 * they say so in HTTP (`complete: false` in the body, `X-Squash-Partial: true`), in the client (a
 * `complete: false` outcome whose hits are `partialResults`) and in the CLI (a warning on stderr; exit 1
 * without `--allow-partial`, 0 with it).
 *
 * All of these need the emulator (killing environments, overriding functions), so they skip on external
 * targets:
 * - a 1,000-query batch whose processors are killed while it is in flight: the killed calls are retried
 *   in new environments and the answer is complete — equal to the in-process search;
 * - processor function 1 cannot start (its handler export does not exist): partitions 1 and 9 fail, 502
 *   (the exact search's five queries are coalesced: one call to function 1 carries both);
 * - processor function 0 has a 1 ms timeout (the host kills it: Sandbox.Timedout) and function 2 answers
 *   after 15 s while callers wait 3 s per attempt (SQUASH_INVOKE_TIMEOUT_MS): partitions 0, 2, 8, 10
 *   fail, 504.
 * The partial answers are checked against brute force over exactly the partitions that did answer.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Failure } from '../../../functions/wire/path-stats.ts';
import {
  hitOrdinal,
  type PartialOutcome,
  SearchIncompleteError,
  type SearchResponse,
  searchUrl,
  searchUrlAllowingPartial,
} from '../../../scripts/client/index.ts';
import type { LocalStack, LocalTemplateFunction } from '../../../scripts/local/index.ts';
import { copyIndex } from '../../../shared/format/index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { dataDir } from '../../datasets/data-dir.ts';
import { bruteForceDistances } from '../../support/ground-truth.ts';
import { isEmulated, projectRoot, type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { expectHttpError, type TestQuery, wireQuery } from './requests.ts';
import { loadSiftsmall, type Siftsmall, siftDim, siftQuery, siftsmallIndex } from './siftsmall.ts';

const k = 10;
const run = promisify(execFile);
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
    expect(response.complete).toBe(true);
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
function exactRequest(data: Siftsmall, index: string) {
  return {
    index,
    k,
    queries: Array.from({ length: 5 }, (_, q) => wireQuery({ vector: siftQuery(data, q) })),
    options: { exact: true },
  };
}

/** The exact search as the client's partial-answer call: it must come back partial. */
async function partialSearch(target: SearchTarget, data: Siftsmall, index: string): Promise<PartialOutcome> {
  const outcome = await searchUrlAllowingPartial(target.searchUrl, exactRequest(data, index), {
    sign: target.sign,
  });
  expect(outcome.complete, 'the answer should be partial').toBe(false);
  if (outcome.complete) throw new Error('unreachable');
  expect(outcome).not.toHaveProperty('results');
  return outcome;
}

/** The same request over raw HTTP with `allowPartial`: status, the partial header and the body's flag. */
async function rawPartialSearch(target: SearchTarget, data: Siftsmall, index: string) {
  const request = exactRequest(data, index);
  const response = await fetch(new URL('search', target.searchUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...request, options: { ...request.options, allowPartial: true } }),
  });
  return {
    status: response.status,
    partialHeader: response.headers.get('x-squash-partial'),
    body: (await response.json()) as SearchResponse,
  };
}

/** The default (complete-or-fail) search must be refused with `status`, naming `missing` and the cause. */
async function expectRefused(
  target: SearchTarget,
  data: Siftsmall,
  index: string,
  status: number,
  missing: readonly number[],
  cause: RegExp,
): Promise<SearchIncompleteError> {
  const error = await expectHttpError(
    searchUrl(target.searchUrl, exactRequest(data, index), { sign: target.sign }),
    status,
    new RegExp(`partitions ${missing.join(', ')} could not be searched for 5 of 5 queries: ${cause.source}`),
  );
  expect(error).toBeInstanceOf(SearchIncompleteError);
  const incomplete = error as SearchIncompleteError;
  expect(incomplete.code).toBe(status === 504 ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM');
  expect(incomplete.missingPartitions).toEqual(missing);
  expect(incomplete.queriesAffected).toBe(5);
  expect(failedPartitions(incomplete.failures)).toEqual(missing);
  return incomplete;
}

/**
 * The partitions the failures name, ascending: one per failed processor call, several when the call
 * coalesced them (an exact search's calls go one per processor function, within the rows bound).
 */
function failedPartitions(failures: readonly Failure[]): number[] {
  return failures
    .flatMap((failure) => failure.partitions ?? (failure.partition === undefined ? [] : [failure.partition]))
    .sort((a, b) => a - b);
}

/** Rows (global ordinals) of the given partitions. */
async function rowsOf(local: LocalSearch, partitions: readonly number[]): Promise<Set<number>> {
  const rows = new Set<number>();
  for (const p of partitions) for (const id of (await local.reader.loadPartition(p)).ids) rows.add(id);
  return rows;
}

/**
 * A partial exact search (every partition) must name `missing` and answer the exact top-k of every other
 * partition's rows, with each failed call retried once.
 */
async function expectPartialAnswer(
  data: Siftsmall,
  local: LocalSearch,
  outcome: PartialOutcome,
  missing: readonly number[],
): Promise<void> {
  expect(outcome.missingPartitions).toEqual(missing);
  expect(outcome.stats.missingPartitions).toEqual(missing);
  // Each failed call was retried once; on a loaded machine a healthy call may also outlast its
  // attempt and be retried (successfully), so retries can exceed the failures, never fall short.
  expect(outcome.stats.retries).toBeGreaterThanOrEqual(outcome.failures.length);
  expect(failedPartitions(outcome.failures)).toEqual(missing);
  const lost = await rowsOf(local, missing);
  outcome.partialResults.forEach((result, q) => {
    expect(result.stats.missingPartitions, `query ${q}`).toEqual(missing);
    const truth = bruteForceDistances(data.base, siftDim, siftQuery(data, q), k, (row) => !lost.has(row));
    expect(result.hits, `query ${q}`).toHaveLength(k);
    result.hits.forEach((hit, i) => {
      expect(lost.has(hitOrdinal(hit))).toBe(false);
      expect(hit.distance).toBeCloseTo(truth[i]!, 2);
    });
  });
}

/** `squash search --url … --exact` over siftsmall's 100 queries: exit code, stdout lines, stderr. */
async function cliSearch(target: SearchTarget, index: string, extra: readonly string[]) {
  const args = [
    resolve(projectRoot, 'bin/squash.js'),
    'search',
    '--url',
    target.searchUrl,
    '--index',
    index,
    '--queries',
    join(dataDir, 'siftsmall', 'siftsmall_query.fvecs'),
    '--k',
    String(k),
    '--exact',
    ...(target.sign ? ['--sign'] : []),
    ...extra,
  ];
  const outcome = await run(process.execPath, args, { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
  return { ...outcome, lines: outcome.stdout.trimEnd().split('\n').filter(Boolean) };
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

  it('fails by default with 502 naming partitions 1 and 9 and the cause', async () => {
    await expectRefused(target, data, index, 502, [1, 9], /.*Runtime\.HandlerNotFound/);
  });

  it('allowPartial, client: a partial outcome naming partitions 1 and 9, answered from the others', async () => {
    const outcome = await partialSearch(target, data, index);
    await expectPartialAnswer(data, local, outcome, [1, 9]);
    for (const failure of outcome.failures) {
      expect(failure).toMatchObject({ target: expect.stringMatching(/-processor-1$/), code: 'UPSTREAM' });
      expect(failure.message).toMatch(/failed after a retry: .*Runtime\.HandlerNotFound/);
    }
  });

  it('allowPartial, HTTP: 200 with complete: false and X-Squash-Partial: true', async () => {
    const { status, partialHeader, body } = await rawPartialSearch(target, data, index);
    expect(status).toBe(200);
    expect(partialHeader).toBe('true');
    expect(body.complete).toBe(false);
    expect(body.stats.missingPartitions).toEqual([1, 9]);
  });

  it('CLI: exit 1 with the error on stderr; with --allow-partial exit 0, a warning and marked lines', async () => {
    const refused = await cliSearch(target, index, []);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^squash: POST \S+ answered 502 UPSTREAM: partitions 1, 9 could not be searched for 100 of 100 queries: .*Runtime\.HandlerNotFound.*--allow-partial/,
    );
    const partial = await cliSearch(target, index, ['--allow-partial']);
    expect(partial.code).toBe(0);
    expect(partial.stderr).toMatch(
      /^squash: warning: queries 0\.\.99: partial answer: partitions 1, 9 could not be searched, 100 of 100 queries may miss rows .*Runtime\.HandlerNotFound/,
    );
    expect(partial.lines).toHaveLength(100);
    for (const line of partial.lines) {
      expect(JSON.parse(line)).toMatchObject({ hits: expect.any(Array), missingPartitions: [1, 9] });
    }
  });
});

describe.skipIf(!isEmulated)('emulator only (function overrides): processors that time out', () => {
  const index = 'sift-timeouts';
  // Long enough for a warm processor on a loaded 2-core machine; the slow one answers after 5×.
  const attemptMs = 3000;
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
  });

  // Cold environments start in ~0.3 s each on an idle 2-core machine, seconds on a loaded one; start
  // them before every search (timeouts kill environments) so that only the injected faults can exceed
  // the callers' attempt timeout.
  beforeEach(async () => {
    const emulator = target.emulator!;
    for (const name of processorNames(emulator)) await emulator.warm(name, 2);
  });

  afterAll(async () => {
    await target?.stop();
  });

  it('fails by default with 504 naming partitions 0, 2, 8 and 10', async () => {
    await expectRefused(target, data, index, 504, [0, 2, 8, 10], /.*(Sandbox\.Timedout|did not answer)/);
  });

  it('allowPartial: a partial outcome naming partitions 0, 2, 8 and 10, after one retry per failed call, answered from the others', async () => {
    const outcome = await partialSearch(target, data, index);
    await expectPartialAnswer(data, local, outcome, [0, 2, 8, 10]);
    for (const failure of outcome.failures) {
      expect(failure.code).toBe('UPSTREAM_TIMEOUT');
      if (/-processor-0$/.test(failure.target)) {
        // The host kills it at 1 ms; once the earlier search's timeouts have cost it its warm
        // environments, a cold start can outlast the caller's 1 s attempt first. Both are timeouts.
        expect(failure.message).toMatch(
          new RegExp(
            `failed after a retry: .*(Sandbox\\.Timedout: .*Task timed out|did not answer within ${attemptMs} ms)`,
          ),
        );
      } else {
        expect(failure.target).toMatch(/-processor-2$/);
        expect(failure.message).toMatch(
          new RegExp(`failed after a retry: .*did not answer within ${attemptMs} ms`),
        );
      }
    }
    const { status, partialHeader, body } = await rawPartialSearch(target, data, index);
    expect(status).toBe(200);
    expect(partialHeader).toBe('true');
    expect(body.complete).toBe(false);
  });
});
