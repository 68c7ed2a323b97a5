/**
 * `npm run bench:writes`: the write path (docs/writes.md) on the embedded local stack — real HTTP to the
 * search Function URL, the bundled coordinator and compactor in the local Lambda host, the local S3
 * server — beside in-process baselines, in one run:
 *
 * 1. Ingest. A base of `--base` rows is built; `--ingest` more rows (new ids) are upserted in batches of
 *    `--batch` (500, S3 Vectors' `PutVectors` limit) through `POST /upsert` by one client, then by
 *    `--concurrency` (4) clients, each into its own copy of the base: vectors/s and the acknowledged-write
 *    latency of each request (p50/p99/max), and the requests the client retried (503: a coordinator lost
 *    the race for the next log sequence 8 times). Baselines in the same run: the same rows appended by
 *    one and by `--concurrency` `IndexWriter`s in this process straight to the local S3 (no Lambda, no
 *    HTTP: the HTTP/Lambda overhead is the difference), and what a user had to do before writes
 *    existed — `buildIndex` of base + ingest rows into the local S3. The stack keeps its compaction
 *    trigger (`SQUASH_COMPACT_AFTER_ROWS`, 10,000 unless `--compact-after-rows`), so compactions started
 *    during an ingest run beside it, as deployed; they are listed, and the next step waits for them.
 * 2. Search with part of the content in the log. For each `--log-percents` p (1 and 10), two copies of
 *    the base get the same L rows upserted through the URL so that the log holds p % of the content
 *    (`--log-mode add`: L = B·p/(100−p) new ids; `replace`: L = B·p/100 base ids get new vectors and
 *    attributes). One copy is compacted (synchronously, through the local host's Lambda Invoke API), so
 *    "log" and "compacted" hold the same rows (checked row by row). Each configuration answers the same
 *    batch of `--queries` queries (k = 10) unfiltered and with two filters (about 10 % and 1 %): warm-up
 *    passes until no cold load, then `--passes` timed passes interleaved across the configurations,
 *    median (min–max beside it). The same batches answered by `LocalSearch` in this process over the same
 *    stored objects show the log's cost without the stack's fixed per-request costs. Every answer is checked against the exact top 10 of the content (`snapshotContent` + brute
 *    force): recall@10, and the hits that are not in the content, fail the filter, repeat, or carry a
 *    wrong distance, or too few hits. Each search's `stats.snapshot` is checked (version and sequence).
 * 3. Compaction of each log configuration: wall time through the Invoke API, the compactor's own time,
 *    and the peak RSS of the compactor environment (a freshly started one, so its `VmHWM` is this
 *    compaction's peak; the process tree's `VmRSS` sampled every 50 ms beside it).
 *
 * Not pinned to a core: like `bench:stack` and `load:stack`, everything (this process with the S3
 * server and the Lambda host, every function environment) shares the machine's cores, and the
 * function environments are child processes that would inherit a pin.
 *
 * Prints tables and writes bench-results/writes.json. Targets (reported, never asserted): ingest through
 * the URL ≥ 2,500 vectors/s per index (S3 Vectors' write limit); search with the log ≥ 0.8× the
 * compacted index's queries/s. Exits 1 when a check fails (a wrong answer, a wrong snapshot, content that
 * differs).
 *
 *   npm run bench:writes -- [--dataset synthetic|fashion-mnist] [--base 20000] [--ingest 20000]
 *     [--dim 128] [--partitions 16] [--batch 500] [--concurrency 4] [--queries 1000] [--passes 7]
 *     [--log-percents 1,10] [--log-mode add|replace] [--compact-after-rows N] [--out bench-results]
 *     [--cdk-out cdk.out] [--synth if-stale]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { ENV } from '../../functions/config.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import { UpstreamError, WriteConflictError } from '../../shared/errors/index.ts';
import { copyIndex, type ExternalId } from '../../shared/format/index.ts';
import { LocalSearch } from '../../shared/index/local-search.ts';
import { squaredL2 } from '../../shared/search/distance.ts';
import { MemoryBlobStore } from '../../shared/store/index.ts';
import { IndexWriter } from '../../shared/writes/index-writer.ts';
import { type SnapshotContent, snapshotContent } from '../../shared/writes/snapshot-content.ts';
import {
  SearchHttpError,
  type SearchRequestBody,
  type SearchResponse,
  searchUrl,
  type UpsertVector,
  upsertUrl,
  vectorToBase64,
} from '../client/index.ts';
import { type SynthMode, startLocalStack } from '../local/index.ts';
import { percentile } from './latency.ts';
import { processPeakRssBytes } from './process-peak-rss.ts';
import { processTreeRss } from './process-tree-rss.ts';
import { meanRecall, recallEpsilon } from './recall.ts';
import {
  type Attributes,
  fashionMnistData,
  shuffled,
  syntheticData,
  type Workload,
  type WriteBenchData,
} from './write-bench-data.ts';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'synthetic' },
    base: { type: 'string' },
    ingest: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '128' },
    partitions: { type: 'string' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    queries: { type: 'string', default: '1000' },
    passes: { type: 'string', default: '7' },
    'log-percents': { type: 'string', default: '1,10' },
    'log-mode': { type: 'string', default: 'add' },
    'compact-after-rows': { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
    'cdk-out': { type: 'string', default: resolve(import.meta.dirname, '../../cdk.out') },
    synth: { type: 'string', default: 'if-stale' },
  },
});

const fashion = args.dataset === 'fashion-mnist';
if (!fashion && args.dataset !== 'synthetic') {
  throw new Error(`--dataset is \`${args.dataset}\`; expected synthetic or fashion-mnist`);
}
const integer = (flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`--${flag} is \`${String(value)}\`; expected an integer from ${min} to ${max}`);
  }
  return number;
};
const baseCount = integer('base', args.base ?? (fashion ? '30000' : '20000'), 100);
const ingestCount = integer('ingest', args.ingest, 1);
const dim = integer('dim', args.dim, 2);
const partitions = integer('partitions', args.partitions ?? (fashion ? '32' : '16'), 1);
const batchSize = integer('batch', args.batch, 1, 500);
const concurrency = integer('concurrency', args.concurrency, 1);
const queryCount = integer('queries', args.queries, 1, 1000);
const passes = integer('passes', args.passes, 1);
const logPercents = (args['log-percents'] ?? '')
  .split(',')
  .filter((part) => part.trim() !== '')
  .map((part) => {
    const percent = Number(part);
    if (!(percent > 0 && percent < 100)) {
      throw new Error(`--log-percents holds \`${part}\`; expected percentages above 0 and below 100`);
    }
    return percent;
  });
const logMode = args['log-mode'];
if (logMode !== 'add' && logMode !== 'replace') {
  throw new Error(`--log-mode is \`${logMode}\`; expected add or replace`);
}
const compactAfterRows =
  args['compact-after-rows'] === undefined
    ? undefined
    : integer('compact-after-rows', args['compact-after-rows'], 1);
const k = 10;
const TARGET_INGEST_VPS = 2500;
const TARGET_LOG_RATIO = 0.8;
/** Warm-up passes of a batch before measuring: at least the first, at most the second. */
const WARMUP_PASSES = { min: 2, max: 15 };
const RSS_SAMPLE_MS = 50;
/** How long the compactor must stay idle before an automatic compaction is taken as done. */
const COMPACTOR_QUIET_MS = 1500;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Rows written to the log of the search configuration with p % of its content there. */
const logRowsFor = (percent: number) =>
  Math.max(
    1,
    Math.round(logMode === 'add' ? (baseCount * percent) / (100 - percent) : (baseCount * percent) / 100),
  );
const rowsNeeded = baseCount + Math.max(ingestCount, ...logPercents.map(logRowsFor));

let started = performance.now();
const data: WriteBenchData = fashion
  ? await fashionMnistData({
      imagesDir: process.env.SQUASH_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist',
      dataDir: process.env.SQUASH_DATA_DIR ?? join(import.meta.dirname, '../../../shared/data'),
      queries: queryCount,
      partitions,
    })
  : syntheticData({ count: rowsNeeded, dim, queries: queryCount, partitions });
if (data.rows < rowsNeeded) {
  throw new Error(
    `${data.name} has ${data.rows} rows; --base ${baseCount} plus ${rowsNeeded - baseCount} written rows need ${rowsNeeded}`,
  );
}
log(`${data.name}: ${rowsNeeded} rows, ${data.queryCount} queries ready in ${elapsed(started)} s`);

started = performance.now();
const baseStore = new MemoryBlobStore();
await buildIndex(data.buildInput(baseCount), baseStore, data.buildOptions);
const baseBuildSeconds = seconds(started);
log(`base of ${baseCount} rows built in memory in ${baseBuildSeconds.toFixed(1)} s`);

const functionLog: string[] = [];
/** Summaries the compactor logged (`squash compactor: <index>: {…}`), automatic runs included. */
const compactorSummaries: { index: string; summary: Record<string, unknown> }[] = [];
started = performance.now();
const stack = await startLocalStack({
  cdkOut: args['cdk-out'],
  synth: args.synth as SynthMode,
  warm: 1,
  onLog: (name, line) => {
    const summary = /^squash compactor: (\S+): (\{.*\})$/.exec(line);
    if (summary) compactorSummaries.push({ index: summary[1]!, summary: JSON.parse(summary[2]!) });
    functionLog.push(`[${name}] ${line}`);
    if (functionLog.length > 30) functionLog.shift();
  },
  ...(compactAfterRows === undefined
    ? {}
    : {
        functionOverrides: (fn) =>
          fn.environment?.[ENV.compactAfterRows] === undefined
            ? fn
            : { ...fn, environment: { ...fn.environment, [ENV.compactAfterRows]: String(compactAfterRows) } },
      }),
});
log(`local stack up (one warm environment per function) in ${elapsed(started)} s: ${stack.searchUrl}`);
const compactorName = stack.functions.find((fn) => /compactor/i.test(fn.name))?.name;
const coordinatorName = stack.functions.find((fn) => /coordinator/i.test(fn.name))?.name;
if (compactorName === undefined || coordinatorName === undefined) {
  throw new Error(
    `the stack's functions are ${stack.functions.map((fn) => fn.name).join(', ')}; expected a coordinator and a compactor`,
  );
}
const lambda = new LambdaClient({
  endpoint: stack.lambdaEndpoint,
  region: stack.env.AWS_REGION,
  credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY },
  maxAttempts: 1,
});

interface IngestRow {
  path: string;
  clients?: number;
  /** Requests retried: 503 (8 lost races for the next log sequence) or a network failure; in-process: `WriteConflictError`s. */
  retries?: number;
  rows: number;
  requests: number;
  seconds: number;
  vectorsPerSecond: number;
  /** New vectors per second of wall time (for the rebuild: the ingested rows over the whole rebuild). */
  newVectorsPerSecond: number;
  latencyMs?: { p50: number; p99: number; max: number; mean: number };
  latenciesMs?: number[];
  note: string;
  coordinator?: { invocations: number; coldStarts: number; queued: number; environments: number };
  /** Compactions the coordinator triggered during this ingest (the compactor's logged summaries). */
  compactions?: { index: string; summary: Record<string, unknown> }[];
  /** How long the compactor kept running after the last acknowledged upsert. */
  compactorWaitSeconds?: number;
}

interface SearchRow {
  workload: string;
  logPercent: number;
  state: 'base' | 'log' | 'compacted';
  index: string;
  logRows: number;
  contentRows: number;
  qps: number;
  seconds: number[];
  /** q/s over the compacted index with the same content (1 for the base). */
  vsCompacted: number;
  recall: number;
  /** Queries with a wrong answer: a hit absent from the content, failing the filter, twice, with a wrong distance, or too few hits. */
  wrongQueries: number;
  firstProblems: string[];
  snapshot: { version: number; sequence: number };
  warmupPasses: number;
  vectorsScannedPerQuery: number;
  /** The same batch answered by `LocalSearch` in this process (median of the same number of passes). */
  inProcessQps: number;
  inProcessVsCompacted: number;
  partitionsPerQuery: number;
  coordinatorMs: number;
  processorMs: number;
  processorInvocations: number;
  coldStarts: number;
}

interface CompactionRow {
  index: string;
  logPercent: number;
  logRows: number;
  contentRows: number;
  wallSeconds: number;
  compactorSeconds: number;
  repartitioned: boolean;
  rowsFolded: number;
  rowsDropped: number;
  version: number;
  /** The compactor environment's VmHWM after the compaction (fresh environment: this run's peak). */
  peakRssMiB: number | undefined;
  /** Its VmRSS before the invocation (Node, the SDK and the bundle). */
  idleRssMiB: number;
  /** The highest VmRSS of its process tree sampled every 50 ms. */
  sampledPeakRssMiB: number;
}

const ingestRows: IngestRow[] = [];
const searchRows: SearchRow[] = [];
const compactionRows: CompactionRow[] = [];
const problems: string[] = [];
/** Searches sent again after a network failure (see `search`). */
const networkRetries: string[] = [];

try {
  // 1. Ingest.
  const ingestIds = Array.from({ length: ingestCount }, (_, i) => baseCount + i);
  const batches: number[][] = [];
  for (let start = 0; start < ingestCount; start += batchSize)
    batches.push(ingestIds.slice(start, start + batchSize));

  started = performance.now();
  const rebuilt = data.buildInput(baseCount + ingestCount);
  const rebuildInputSeconds = seconds(started);
  started = performance.now();
  await buildIndex(rebuilt, stack.indexStore('rebuild'), data.buildOptions);
  const rebuildSeconds = seconds(started);
  ingestRows.push({
    path: `rebuild: buildIndex of all ${baseCount + ingestCount} rows → local S3 (in-process, no writes)`,
    rows: baseCount + ingestCount,
    requests: 0,
    seconds: rebuildSeconds,
    vectorsPerSecond: (baseCount + ingestCount) / rebuildSeconds,
    newVectorsPerSecond: ingestCount / rebuildSeconds,
    note: `input tables prepared beforehand (${rebuildInputSeconds.toFixed(1)} s, not counted)`,
  });
  log(`rebuild of ${baseCount + ingestCount} rows: ${rebuildSeconds.toFixed(1)} s`);

  for (const clients of [...new Set([1, concurrency])]) {
    const writerIndex = `ingest-writer-${clients}`;
    await copyIndex(baseStore, stack.indexStore(writerIndex));
    const writers = await Promise.all(
      Array.from({ length: clients }, () => IndexWriter.open(stack.indexStore(writerIndex))),
    );
    let conflicts = 0;
    const inProcess = await runIngest(batches, clients, async (ids, worker) => {
      const rows = ids.map((id) => ({ id, vector: data.vector(id), attributes: data.attributes(id) }));
      for (;;) {
        try {
          const result = await writers[worker]!.upsert(rows);
          if (result.upserted !== ids.length || result.replayed) {
            problems.push(`in-process upsert of ${ids.length} rows answered ${JSON.stringify(result)}`);
          }
          return result.sequence;
        } catch (error) {
          // What the coordinator answers 503 and a client retries: 8 lost races for the next sequence.
          if (!(error instanceof WriteConflictError)) throw error;
          conflicts++;
        }
      }
    });
    ingestRows.push(
      ingestRow(
        `IndexWriter in-process → local S3, ${clients} writer${clients > 1 ? 's' : ''}`,
        clients,
        inProcess,
        conflicts,
        'writers opened beforehand; no compaction trigger',
      ),
    );
    log(`in-process, ${clients} writer(s): ${(ingestCount / inProcess.seconds).toFixed(0)} vectors/s`);
    await checkIngested(writerIndex);

    const httpIndex = `ingest-http-${clients}`;
    await copyIndex(baseStore, stack.indexStore(httpIndex));
    const compactorBefore = stack.stats(compactorName).invocations;
    const summariesBefore = compactorSummaries.length;
    const coordinatorBefore = stack.stats(coordinatorName);
    const bodies = batches.map((ids) => ids.map(upsertVector));
    let retries = 0;
    const http = await runIngest(batches, clients, async (ids, _worker, b) => {
      const answer = await upsertUrl(
        stack.searchUrl,
        { index: httpIndex, vectors: bodies[b]! },
        { onRetry: () => retries++ },
      );
      if (answer.upserted !== ids.length) {
        problems.push(`POST /upsert of ${ids.length} rows answered ${JSON.stringify(answer)}`);
      }
      return answer.sequence;
    });
    const compactionsStarted = stack.stats(compactorName).invocations - compactorBefore;
    const coordinatorAfter = stack.stats(coordinatorName);
    started = performance.now();
    await compactorIdle();
    const compactorWaitSeconds = seconds(started);
    ingestRows.push({
      ...ingestRow(
        `Function URL POST /upsert, ${clients} client${clients > 1 ? 's' : ''}`,
        clients,
        http,
        retries,
        `${compactionsStarted} compaction(s) triggered`,
      ),
      coordinator: {
        invocations: coordinatorAfter.invocations - coordinatorBefore.invocations,
        coldStarts: coordinatorAfter.coldStarts - coordinatorBefore.coldStarts,
        queued: coordinatorAfter.queued - coordinatorBefore.queued,
        environments: coordinatorAfter.environments,
      },
      compactions: compactorSummaries.slice(summariesBefore),
      compactorWaitSeconds,
    });
    log(`POST /upsert, ${clients} client(s): ${(ingestCount / http.seconds).toFixed(0)} vectors/s`);
    await checkIngested(httpIndex);
  }

  // 2. Search with p % of the content in the log, and 3. its compaction.
  interface Config {
    index: string;
    logPercent: number;
    state: SearchRow['state'];
    logRows: number;
    truth: Truth;
    snapshot: { version: number; sequence: number };
  }
  const configs: Config[] = [];
  await copyIndex(baseStore, stack.indexStore('search-0'));
  const baseTruth = exactTruth(await snapshotContent(stack.indexStore('search-0')));
  configs.push({
    index: 'search-0',
    logPercent: 0,
    state: 'base',
    logRows: 0,
    truth: baseTruth,
    snapshot: { version: 1, sequence: 0 },
  });
  for (const percent of logPercents) {
    const count = logRowsFor(percent);
    const replaced = logMode === 'replace' ? shuffled(baseCount, 5) : undefined;
    const rows = Array.from({ length: count }, (_, i) => ({
      id: replaced ? replaced[i]! : baseCount + i,
      source: baseCount + i,
    }));
    const names = { log: `search-${percent}-log`, compacted: `search-${percent}-compacted` };
    let sequence = 0;
    for (const index of [names.log, names.compacted]) {
      await copyIndex(baseStore, stack.indexStore(index));
      for (let start = 0; start < count; start += batchSize) {
        const answer = await upsertUrl(stack.searchUrl, {
          index,
          vectors: rows.slice(start, start + batchSize).map(({ id, source }) => ({
            id,
            vectorBase64: vectorToBase64(data.vector(source)),
            attributes: data.attributes(source),
          })),
        });
        sequence = answer.sequence;
      }
    }
    const before = await snapshotContent(stack.indexStore(names.log));
    const compaction = await compactThroughLambda(names.compacted, percent, count, before.rows.length);
    compactionRows.push(compaction);
    log(
      `compacted ${names.compacted} (${count} log rows): ${compaction.wallSeconds.toFixed(1)} s, ` +
        `peak RSS ${compaction.peakRssMiB?.toFixed(0) ?? '?'} MiB`,
    );
    const after = await snapshotContent(stack.indexStore(names.compacted));
    const differences = contentDifferences(before, after);
    if (differences.length > 0)
      problems.push(`${names.compacted}: content differs from ${names.log}: ${differences.join('; ')}`);
    const truth = exactTruth(before);
    configs.push(
      {
        index: names.log,
        logPercent: percent,
        state: 'log',
        logRows: count,
        truth,
        snapshot: { version: 1, sequence },
      },
      {
        index: names.compacted,
        logPercent: percent,
        state: 'compacted',
        logRows: count,
        truth,
        snapshot: { version: compaction.version, sequence },
      },
    );
  }

  const local = new Map<string, LocalSearch>();
  for (const config of configs)
    local.set(config.index, await LocalSearch.open(stack.indexStore(config.index)));
  for (const [w, workload] of data.workloads.entries()) {
    // In process first: the same queries on the same stored objects, one thread, no HTTP or Lambda.
    const queries = Array.from({ length: data.queryCount }, (_, q) => ({
      vector: query(q),
      filter: workload.filterOf(q),
    }));
    const localTimes = new Map<string, number[]>(configs.map((config) => [config.index, []]));
    for (const config of configs) await local.get(config.index)!.search(queries, { k });
    for (let pass = 0; pass < passes; pass++) {
      for (const config of configs) {
        const t = performance.now();
        await local.get(config.index)!.search(queries, { k });
        localTimes.get(config.index)!.push(seconds(t));
      }
    }
    const wire = Array.from({ length: data.queryCount }, (_, q) => ({
      vectorBase64: vectorToBase64(query(q)),
      ...(workload.filterOf(q) === undefined ? {} : { filter: workload.filterOf(q) }),
    }));
    const request = (index: string): SearchRequestBody => ({ index, k, queries: wire });
    const warmup = new Map<string, number>();
    for (const config of configs) {
      let pass = 0;
      for (; pass < WARMUP_PASSES.max; pass++) {
        const response = await search(request(config.index));
        if (
          pass + 1 >= WARMUP_PASSES.min &&
          response.stats.partitionLoads === 0 &&
          response.stats.containerStarts === 0
        )
          break;
      }
      warmup.set(config.index, pass + 1);
    }
    const timings = new Map<string, number[]>(configs.map((config) => [config.index, []]));
    const last = new Map<string, SearchResponse>();
    for (let pass = 0; pass < passes; pass++) {
      for (const config of configs) {
        const t = performance.now();
        const response = await search(request(config.index));
        timings.get(config.index)!.push(seconds(t));
        last.set(config.index, response);
        const snapshot = response.stats.snapshot;
        if (snapshot.version !== config.snapshot.version || snapshot.sequence !== config.snapshot.sequence) {
          problems.push(
            `${config.index}, ${workload.name}: stats.snapshot is ${JSON.stringify(snapshot)}; expected ${JSON.stringify(config.snapshot)}`,
          );
        }
      }
    }
    for (const config of configs) {
      const response = last.get(config.index)!;
      const times = timings.get(config.index)!;
      const check = checkAnswers(response, config.truth, w, workload);
      const { stats } = response;
      searchRows.push({
        workload: workload.name,
        logPercent: config.logPercent,
        state: config.state,
        index: config.index,
        logRows: config.logRows,
        contentRows: config.truth.content.rows.length,
        qps: data.queryCount / percentile(times, 0.5),
        seconds: times,
        vsCompacted: 1,
        recall: check.recall,
        wrongQueries: check.wrongQueries,
        firstProblems: check.problems,
        snapshot: stats.snapshot,
        warmupPasses: warmup.get(config.index)!,
        vectorsScannedPerQuery: stats.vectorsScanned / data.queryCount,
        partitionsPerQuery: stats.partitionsVisited / data.queryCount,
        inProcessQps: data.queryCount / percentile(localTimes.get(config.index)!, 0.5),
        inProcessVsCompacted: 1,
        coordinatorMs: stats.ms,
        processorMs: stats.processorMs,
        processorInvocations: stats.processorInvocations,
        coldStarts: stats.partitionLoads,
      });
      if (check.wrongQueries > 0) {
        problems.push(
          `${config.index}, ${workload.name}: ${check.wrongQueries} wrong answers, e.g. ${check.problems.join('; ')}`,
        );
      }
    }
    for (const row of searchRows.filter((r) => r.workload === workload.name && r.state === 'log')) {
      const compacted = searchRows.find(
        (r) => r.workload === workload.name && r.state === 'compacted' && r.logPercent === row.logPercent,
      );
      if (compacted) {
        row.vsCompacted = row.qps / compacted.qps;
        row.inProcessVsCompacted = row.inProcessQps / compacted.inProcessQps;
      }
    }
    log(
      `${workload.name}: ${searchRows
        .filter((r) => r.workload === workload.name)
        .map((r) => `${r.index} ${r.qps.toFixed(0)} q/s`)
        .join(', ')}`,
    );
  }
} catch (error) {
  log(`bench:writes failed; last function log lines:\n${functionLog.join('\n')}`);
  throw error;
} finally {
  lambda.destroy();
  await stack.stop();
}

printTables();
await writeJson();
if (problems.length > 0) {
  log(`\n${problems.length} check(s) failed:\n${problems.slice(0, 20).join('\n')}`);
  process.exitCode = 1;
}

// ---------------------------------------------------------------------------------------------------

function query(q: number): Float32Array {
  return data.queries.subarray(q * data.dim, (q + 1) * data.dim);
}

function upsertVector(id: number): UpsertVector {
  return { id, vectorBase64: vectorToBase64(data.vector(id)), attributes: data.attributes(id) };
}

interface IngestRun {
  seconds: number;
  latencies: number[];
  sequences: number[];
}

/** `concurrency` workers take the batches in order; each batch's wall time is one latency. */
async function runIngest(
  batches: readonly number[][],
  workers: number,
  send: (ids: number[], worker: number, batch: number) => Promise<number>,
): Promise<IngestRun> {
  let next = 0;
  const latencies: number[] = [];
  const sequences: number[] = [];
  const begun = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(workers, batches.length) }, async (_, worker) => {
      while (next < batches.length) {
        const b = next++;
        const t = performance.now();
        sequences.push(await send(batches[b]!, worker, b));
        latencies.push(performance.now() - t);
      }
    }),
  );
  const run = { seconds: seconds(begun), latencies, sequences };
  if (new Set(sequences).size !== batches.length) {
    problems.push(
      `${batches.length} upserts were answered with ${new Set(sequences).size} distinct sequences`,
    );
  }
  return run;
}

function ingestRow(path: string, clients: number, run: IngestRun, retries: number, note: string): IngestRow {
  return {
    path,
    clients,
    retries,
    rows: ingestCount,
    requests: run.latencies.length,
    seconds: run.seconds,
    vectorsPerSecond: ingestCount / run.seconds,
    newVectorsPerSecond: ingestCount / run.seconds,
    latencyMs: {
      p50: percentile(run.latencies, 0.5),
      p99: percentile(run.latencies, 0.99),
      max: Math.max(...run.latencies),
      mean: run.latencies.reduce((sum, ms) => sum + ms, 0) / run.latencies.length,
    },
    latenciesMs: run.latencies.map((ms) => Math.round(ms * 10) / 10),
    note,
  };
}

/**
 * One search through the URL; a request that failed at the network level (no HTTP answer) is sent once
 * more and counted. The embedded Function URL server closes idle keep-alive connections after Node's
 * default 5 s, and a connection this process reuses just then (its event loop was busy computing the
 * exact answers) fails with "fetch failed".
 */
async function search(request: SearchRequestBody): Promise<SearchResponse> {
  try {
    return await searchUrl(stack.searchUrl, request);
  } catch (error) {
    if (!(error instanceof UpstreamError) || error instanceof SearchHttpError) throw error;
    networkRetries.push(error.message);
    return searchUrl(stack.searchUrl, request);
  }
}

/** The index holds exactly ids 0…base+ingest−1 after an ingest. */
async function checkIngested(index: string): Promise<void> {
  const content = await snapshotContent(stack.indexStore(index));
  const ids = new Set(content.rows.map((row) => row.id));
  const expected = baseCount + ingestCount;
  const missing = Array.from({ length: expected }, (_, id) => id).filter((id) => !ids.has(id));
  if (content.rows.length !== expected || ids.size !== expected || missing.length > 0) {
    problems.push(
      `${index}: content holds ${content.rows.length} rows (${ids.size} distinct ids, missing ${missing.slice(0, 5).join(', ')}); expected ids 0…${expected - 1}`,
    );
  }
}

/** Waits until the compactor has no invocation in flight (automatic runs are asynchronous). */
async function compactorIdle(): Promise<void> {
  // Idle for longer than the host's longest retry delay of a throttled asynchronous invocation (1 s): a
  // trigger that found the compactor busy (reserved concurrency 1) is waiting to be retried meanwhile.
  let idleSince = performance.now();
  while (performance.now() - idleSince < COMPACTOR_QUIET_MS) {
    await new Promise((done) => setTimeout(done, 100));
    if (stack.stats(compactorName!).busy > 0) idleSince = performance.now();
  }
}

/**
 * Compacts `index` through the Invoke API (RequestResponse) on a freshly started compactor environment,
 * so that its VmHWM afterwards is this compaction's peak.
 */
async function compactThroughLambda(
  index: string,
  logPercent: number,
  logRows: number,
  contentRows: number,
): Promise<CompactionRow> {
  const name = compactorName!;
  await compactorIdle();
  stack.killEnvironments(name);
  await stack.warm(name, 1);
  const pids = stack.environmentPids(name);
  const treeRss = () => pids.reduce((sum, pid) => sum + processTreeRss(pid).bytes, 0);
  const idle = treeRss();
  let sampledPeak = idle;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, treeRss());
  }, RSS_SAMPLE_MS);
  const t = performance.now();
  let output: InvokeCommandOutput;
  try {
    output = await lambda.send(
      new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify({ index })) }),
    );
  } finally {
    clearInterval(sampler);
  }
  const wallSeconds = seconds(t);
  sampledPeak = Math.max(sampledPeak, treeRss());
  const peaks = pids.map(processPeakRssBytes);
  const text = new TextDecoder().decode(output.Payload ?? new Uint8Array());
  if (output.FunctionError !== undefined) {
    throw new Error(`the compactor failed on \`${index}\` (${output.FunctionError}): ${text.slice(0, 500)}`);
  }
  const summary = JSON.parse(text) as {
    version?: number;
    seconds: number;
    repartitioned: boolean;
    rowsFolded: number;
    rowsDropped: number;
    skipped?: string;
  };
  if (summary.version === undefined) {
    throw new Error(
      `the compactor published nothing for \`${index}\`: ${summary.skipped ?? text.slice(0, 300)}`,
    );
  }
  return {
    index,
    logPercent,
    logRows,
    contentRows,
    wallSeconds,
    compactorSeconds: summary.seconds,
    repartitioned: summary.repartitioned,
    rowsFolded: summary.rowsFolded,
    rowsDropped: summary.rowsDropped,
    version: summary.version,
    peakRssMiB: peaks.every((peak) => peak !== undefined)
      ? peaks.reduce((sum, peak) => sum + peak!, 0) / 2 ** 20
      : undefined,
    idleRssMiB: idle / 2 ** 20,
    sampledPeakRssMiB: sampledPeak / 2 ** 20,
  };
}

/** The rows of two contents that differ (ids, vector bits, attributes), at most five. */
function contentDifferences(a: SnapshotContent, b: SnapshotContent): string[] {
  const out: string[] = [];
  if (a.rows.length !== b.rows.length) out.push(`${a.rows.length} rows against ${b.rows.length}`);
  const byId = new Map<ExternalId, SnapshotContent['rows'][number]>(b.rows.map((row) => [row.id, row]));
  for (const row of a.rows) {
    if (out.length >= 5) break;
    const other = byId.get(row.id);
    if (other === undefined) out.push(`id ${row.id} missing`);
    else if (
      !Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength).equals(
        Buffer.from(other.vector.buffer, other.vector.byteOffset, other.vector.byteLength),
      )
    )
      out.push(`id ${row.id}: vector differs`);
    else if (JSON.stringify(row.attributes) !== JSON.stringify(other.attributes))
      out.push(
        `id ${row.id}: attributes ${JSON.stringify(row.attributes)} against ${JSON.stringify(other.attributes)}`,
      );
  }
  return out;
}

interface Truth {
  content: SnapshotContent;
  vectors: Float32Array;
  byId: Map<ExternalId, number>;
  /** [workload][query]: the exact top-k distances among the rows the filter keeps, ascending. */
  top: number[][][];
}

/** The exact top k of every (workload, query) over the content, by brute force. */
function exactTruth(content: SnapshotContent): Truth {
  const t = performance.now();
  const n = content.rows.length;
  const vectors = new Float32Array(n * data.dim);
  for (const [i, row] of content.rows.entries()) vectors.set(row.vector, i * data.dim);
  const top: number[][][] = data.workloads.map(() => []);
  const squared = new Float64Array(n);
  for (let q = 0; q < data.queryCount; q++) {
    const vector = query(q);
    for (let i = 0; i < n; i++) squared[i] = squaredL2(vector, vectors, i, data.dim);
    data.workloads.forEach((workload, w) => {
      const keep = workload.keepOf(q);
      top[w]![q] = exactTop(squared, (i) => keep(content.rows[i]!.attributes), k);
    });
  }
  log(`exact top ${k} of ${data.queryCount} queries over ${n} rows in ${elapsed(t)} s`);
  return { content, vectors, byId: new Map(content.rows.map((row, i) => [row.id, i])), top };
}

/** The k smallest L2 distances among the rows `keep` accepts, ascending (fewer when fewer match). */
function exactTop(squared: Float64Array, keep: (row: number) => boolean, count: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < squared.length; i++) {
    const d = squared[i]!;
    if ((best.length === count && d >= best[count - 1]!) || !keep(i)) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]! > d) at--;
    best.splice(at, 0, d);
    if (best.length > count) best.pop();
  }
  return best.map(Math.sqrt);
}

/** Recall@10 of an answer against the exact top 10, and the queries whose hits are wrong. */
function checkAnswers(response: SearchResponse, truth: Truth, w: number, workload: Workload) {
  const found: string[] = [];
  let wrongQueries = 0;
  const recall = meanRecall(
    response.results.map((result, q) => {
      const want = truth.top[w]![q]!;
      const keep = workload.keepOf(q);
      const issues: string[] = [];
      if (result.hits.length !== want.length)
        issues.push(`${result.hits.length} hits where ${want.length} rows match (k ${k})`);
      const seen = new Set<ExternalId>();
      for (const hit of result.hits) {
        if (seen.has(hit.id)) issues.push(`id ${hit.id} twice`);
        seen.add(hit.id);
        const row = truth.byId.get(hit.id);
        if (row === undefined) {
          issues.push(`id ${hit.id} is not in the content`);
          continue;
        }
        if (!keep(truth.content.rows[row]!.attributes as Attributes))
          issues.push(`id ${hit.id} fails the filter`);
        const exact = Math.sqrt(squaredL2(query(q), truth.vectors, row, data.dim));
        if (Math.abs(hit.distance - exact) > recallEpsilon * (1 + exact)) {
          issues.push(`id ${hit.id} at distance ${hit.distance}, exactly ${exact}`);
        }
      }
      if (issues.length > 0) {
        wrongQueries++;
        if (found.length < 3) found.push(`query ${q}: ${issues.slice(0, 2).join(', ')}`);
      }
      return { returned: result.hits.map((hit) => hit.distance), truth: want };
    }),
    k,
  );
  return { recall, wrongQueries, problems: found };
}

function printTables(): void {
  const mib = (value: number | undefined) => (value === undefined ? '?' : value.toFixed(0));
  console.log(
    `\n${data.name}: base ${baseCount} rows (${partitions} partitions), ${ingestCount} upserted in batches of ` +
      `${batchSize}; k = ${k}; embedded local stack at ${stack.searchUrl} (Node ${process.version}, ` +
      `${availableParallelism()} cores shared by everything, load ${loadavg()[0]!.toFixed(1)})`,
  );
  console.log('\nIngest:');
  console.table(
    ingestRows.map((row) => ({
      path: row.path,
      seconds: row.seconds.toFixed(2),
      'vectors/s': row.vectorsPerSecond.toFixed(0),
      'new vectors/s': row.newVectorsPerSecond.toFixed(0),
      requests: row.requests || '',
      retries: row.retries ?? '',
      'p50 ms': row.latencyMs?.p50.toFixed(0) ?? '',
      'p99 ms': row.latencyMs?.p99.toFixed(0) ?? '',
      'max ms': row.latencyMs?.max.toFixed(0) ?? '',
      note: row.note,
    })),
  );
  for (const row of ingestRows.filter((r) => r.compactions !== undefined && r.compactions.length > 0)) {
    console.log(
      `${row.path}: the compactions it triggered ran ${row
        .compactions!.map(
          ({ index, summary }) =>
            `${index} → v${String(summary.version)} (${String(summary.rowsFolded)} rows folded, ${Number(summary.seconds).toFixed(1)} s)`,
        )
        .join('; ')}, the last still running ${row.compactorWaitSeconds!.toFixed(1)} s after the last upsert`,
    );
  }
  console.log(
    `\nSearch, batch of ${data.queryCount} queries through the URL (median of ${passes} passes, interleaved across configurations, warm):`,
  );
  console.table(
    searchRows.map((row) => ({
      workload: row.workload,
      'log share': `${row.logPercent} %`,
      state: row.state,
      'log rows': row.logRows,
      'q/s': row.qps.toFixed(0),
      'vs compacted': row.state === 'log' ? `${row.vsCompacted.toFixed(2)}×` : '',
      'q/s range': `${(data.queryCount / Math.max(...row.seconds)).toFixed(0)}–${(data.queryCount / Math.min(...row.seconds)).toFixed(0)}`,
      'in-process q/s': row.inProcessQps.toFixed(0),
      'in-process vs compacted': row.state === 'log' ? `${row.inProcessVsCompacted.toFixed(2)}×` : '',
      'recall@10': row.recall.toFixed(3),
      wrong: row.wrongQueries,
      'scanned/query': row.vectorsScannedPerQuery.toFixed(0),
      'coordinator ms': row.coordinatorMs.toFixed(0),
      snapshot: `v${row.snapshot.version}@${row.snapshot.sequence}`,
    })),
  );
  if (networkRetries.length > 0) {
    console.log(
      `${networkRetries.length} search request(s) failed without an HTTP answer and were sent again: ${networkRetries[0]}`,
    );
  }
  console.log('\nCompaction (synchronous Invoke of the compactor, fresh environment):');
  console.table(
    compactionRows.map((row) => ({
      index: row.index,
      'log share': `${row.logPercent} %`,
      'log rows': row.logRows,
      'content rows': row.contentRows,
      'wall s': row.wallSeconds.toFixed(2),
      'compactor s': row.compactorSeconds.toFixed(2),
      repartitioned: row.repartitioned,
      'peak RSS MiB (VmHWM)': mib(row.peakRssMiB),
      'idle RSS MiB': mib(row.idleRssMiB),
      'sampled peak MiB': mib(row.sampledPeakRssMiB),
    })),
  );
  const mark = (met: boolean) => (met ? '✓' : '✗');
  const http = ingestRows.filter((row) => row.path.startsWith('Function URL'));
  const ratios = searchRows.filter((row) => row.state === 'log');
  console.log(
    `targets: ingest through the URL ≥ ${TARGET_INGEST_VPS} vectors/s per index — ` +
      http
        .map(
          (row) =>
            `${row.clients} client(s) ${row.vectorsPerSecond.toFixed(0)} ${mark(row.vectorsPerSecond >= TARGET_INGEST_VPS)}`,
        )
        .join(', ') +
      `; search through the URL with the log ≥ ${TARGET_LOG_RATIO}× compacted — ` +
      ratios
        .map(
          (row) =>
            `${row.workload} ${row.logPercent} % ${row.vsCompacted.toFixed(2)}× ${mark(row.vsCompacted >= TARGET_LOG_RATIO)}`,
        )
        .join(', '),
  );
}

async function writeJson(): Promise<void> {
  await mkdir(args.out!, { recursive: true });
  const file = join(args.out!, 'writes.json');
  await writeFile(
    file,
    `${JSON.stringify(
      {
        when: new Date().toISOString(),
        machine: { cpus: availableParallelism(), loadAverage1m: loadavg()[0], node: process.version },
        settings: {
          dataset: data.name,
          base: baseCount,
          ingest: ingestCount,
          dim: data.dim,
          partitions,
          batch: batchSize,
          concurrency,
          queries: data.queryCount,
          passes,
          k,
          logPercents,
          logMode,
          compactAfterRows: compactAfterRows ?? 'stack default',
        },
        targets: { ingestVectorsPerSecond: TARGET_INGEST_VPS, logVsCompacted: TARGET_LOG_RATIO },
        baseBuildSeconds,
        ingest: ingestRows,
        search: searchRows,
        compaction: compactionRows,
        problems,
        networkRetries,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${file}`);
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function elapsed(since: number): string {
  return seconds(since).toFixed(1);
}
