/**
 * `npm run load:stack`: sustained load on the embedded local stack. Starts the stack (one warm
 * environment per function), builds the demo's seeded synthetic index into its bucket, then keeps
 * `--concurrency` (8) search requests in flight against the search Function URL for `--seconds` (120),
 * cycling through the demo's four workloads (no filter, category, 1 % range, combined). Every answer is
 * checked against the in-process search of the same index (same code the processors run): the same ids
 * and distances, query by query. Every `--sample-seconds` (5) it samples the total resident memory of
 * the stack — this process (S3 server, Lambda host, Function URL) and every function environment it
 * forked, VmRSS summed over the process tree — and the number of live environments.
 *
 * Reports errors, wrong answers, p50/p99 latency (whole run and after `--warmup-seconds`), RSS
 * growth from the end of warm-up to the end of the load (medians of the first and last three samples
 * taken after warm-up and while requests were in flight), and the same two medians per function, so
 * growth can be traced to the function whose environments grew. Prints tables, writes bench-results/load-stack.json, and exits 1 when any request failed
 * or any answer was incomplete or differs from the in-process answer. Latency and memory targets
 * (p99 ≤ 5 × p50, RSS growth < 10 %) are reported as met or not, never turned into the exit code.
 *
 *   npm run load:stack -- [--seconds 120] [--concurrency 8] [--batch 1] [--warmup-seconds 20]
 *                         [--sample-seconds 5] [--count 20000] [--dim 64] [--partitions 16]
 *                         [--max-environments N] [--out bench-results] [--cdk-out cdk.out] [--synth if-stale]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AttributeTable } from '../../shared/attributes/index.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import { LocalSearch, type SearchResult } from '../../shared/index/local-search.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../shared/synthetic/index.ts';
import { type SearchResponse, searchUrl } from '../client/index.ts';
import { type SynthMode, startLocalStack } from '../local/index.ts';
import { percentile } from './latency.ts';
import { processTreeRss } from './process-tree-rss.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '1' },
    'warmup-seconds': { type: 'string', default: '20' },
    'sample-seconds': { type: 'string', default: '5' },
    count: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '64' },
    partitions: { type: 'string', default: '16' },
    queries: { type: 'string', default: '200' },
    'max-environments': { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
    'cdk-out': { type: 'string', default: resolve(import.meta.dirname, '../../cdk.out') },
    synth: { type: 'string', default: 'if-stale' },
  },
});
const number = (flag: keyof typeof args, min: number): number => {
  const value = Number(args[flag]);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`--${flag} is \`${String(args[flag])}\`; expected a number ≥ ${min}`);
  }
  return value;
};
const seconds = number('seconds', 1);
const concurrency = number('concurrency', 1);
const batch = number('batch', 1);
const warmupSeconds = Math.min(number('warmup-seconds', 0), seconds / 2);
const sampleSeconds = number('sample-seconds', 0.5);
const count = number('count', 100);
const dim = number('dim', 2);
const partitions = number('partitions', 1);
const queryCount = number('queries', 1);
const k = 10;
const index = 'load';
const log = (line: string) => process.stderr.write(`${line}\n`);
/** The last function log lines, printed when something failed. */
const functionLog: string[] = [];

const workloads: readonly { name: string; filter?: unknown }[] = [
  { name: 'no filter' },
  { name: 'category = red (10 %)', filter: { category: 'red' } },
  { name: 'u < 0.01 (1 %)', filter: { u: { $lt: 0.01 } } },
  {
    name: 'red|blue, u < 0.5, tag rare',
    filter: { category: { $in: ['red', 'blue'] }, u: { $lt: 0.5 }, tags: 'rare' },
  },
];

const data = generateDataset({ count, dim, seed: 1 });
const queryVectors = generateQueries({ count: queryCount, dim, seed: 2, fromDataset: { seed: 1 } }).vectors;
let started = performance.now();
const stack = await startLocalStack({
  cdkOut: args['cdk-out'],
  synth: synthMode(args.synth),
  warm: 1,
  onLog: (name, line) => {
    functionLog.push(`[${name}] ${line}`);
    if (functionLog.length > 20) functionLog.shift();
  },
  ...(args['max-environments'] === undefined
    ? {}
    : { capacity: { maxEnvironmentsPerFunction: number('max-environments', 1) } }),
});
log(`local stack up (one warm environment per function) in ${elapsed(started)} s: ${stack.searchUrl}`);

interface Sample {
  t: number;
  rssMiB: number;
  /** This process alone: S3 server, Lambda host, Function URL and the load generator. */
  hostRssMiB: number;
  processes: number;
  environments: number;
  completed: number;
  /** Per function (name without the stack prefix): VmRSS summed over its live environments. */
  functionRssMiB: Record<string, number>;
}
interface Failure {
  t: number;
  workload: string;
  kind: 'error' | 'wrong';
  message: string;
}

let exitCode = 0;
try {
  const store = stack.indexStore(index);
  started = performance.now();
  const attributes = new AttributeTable(SYNTHETIC_SCHEMA, count, data.attributes!.columns());
  const summary = await buildIndex({ vectors: data.vectors, count, dim, attributes }, store, {
    partitions,
    bitsPerDim: 4,
    metric: 'l2',
    seed: 1,
    kmeansIterations: 20,
  });
  log(`built ${count} × ${dim}, ${summary.partitions} partitions in ${elapsed(started)} s`);

  // The expected answer of every (workload, query): the in-process search of the same stored index.
  const local = await LocalSearch.open(store);
  const vectorOf = (q: number) => queryVectors.subarray(q * dim, (q + 1) * dim);
  const expected = await Promise.all(
    workloads.map((workload) =>
      local.search(
        Array.from({ length: queryCount }, (_, q) => ({ vector: vectorOf(q), filter: workload.filter })),
        { k },
      ),
    ),
  );

  const latencies: { t: number; ms: number }[] = [];
  const failures: Failure[] = [];
  const samples: Sample[] = [];
  let next = 0;
  const functionRssBytes = (name: string) =>
    stack.environmentPids(name).reduce((sum, pid) => sum + processTreeRss(pid).bytes, 0);
  const loadStart = performance.now();
  const now = () => (performance.now() - loadStart) / 1000;
  const sample = () => {
    const rss = processTreeRss();
    samples.push({
      t: now(),
      rssMiB: rss.bytes / 2 ** 20,
      hostRssMiB: rss.rootBytes / 2 ** 20,
      processes: rss.processes,
      environments: stack.environmentPids().length,
      completed: latencies.length,
      functionRssMiB: Object.fromEntries(
        stack.functions.map((fn) => [shortName(fn.name), functionRssBytes(fn.name) / 2 ** 20]),
      ),
    });
  };
  sample();
  const sampler = setInterval(sample, sampleSeconds * 1000);

  const worker = async () => {
    while (now() < seconds) {
      const request = next++;
      const workload = request % workloads.length;
      const first = Math.floor(request / workloads.length) % queryCount;
      const qs = Array.from({ length: batch }, (_, i) => (first + i) % queryCount);
      const filter = workloads[workload]!.filter;
      const t = performance.now();
      try {
        const response = await searchUrl(stack.searchUrl, {
          index,
          k,
          queries: qs.map((q) => ({
            vector: Array.from(vectorOf(q)),
            ...(filter === undefined ? {} : { filter }),
          })),
        });
        latencies.push({ t: now(), ms: performance.now() - t });
        const wrong = differences(
          response,
          qs.map((q) => expected[workload]![q]!),
        );
        if (wrong !== undefined) {
          failures.push({ t: now(), workload: workloads[workload]!.name, kind: 'wrong', message: wrong });
        }
      } catch (error) {
        failures.push({
          t: now(),
          workload: workloads[workload]!.name,
          kind: 'error',
          message: String(error),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(sampler);
  sample();

  const all = latencies.map((l) => l.ms);
  const steady = latencies.filter((l) => l.t >= warmupSeconds).map((l) => l.ms);
  const afterWarmup = samples.filter((s) => s.t >= warmupSeconds && s.t <= seconds);
  const rssAtWarmup = median(afterWarmup.slice(0, 3).map((s) => s.rssMiB));
  const rssAtEnd = median(afterWarmup.slice(-3).map((s) => s.rssMiB));
  const growth = rssAtEnd / rssAtWarmup - 1;
  const p50 = percentile(steady, 0.5);
  const p99 = percentile(steady, 0.99);
  const functions = stack.functions.map((fn) => {
    const stats = stack.stats(fn.name);
    return {
      function: shortName(fn.name),
      invocations: stats.invocations,
      'cold/warm': `${stats.coldStarts}/${stats.warmStarts}`,
      started: stats.environmentsStarted,
      live: stats.environments,
      'RSS MiB at warm-up': Math.round(functionRssAt(afterWarmup.slice(0, 3), fn.name)),
      'RSS MiB at end': Math.round(functionRssAt(afterWarmup.slice(-3), fn.name)),
      queued: stats.queued,
      'init retries': stats.initRetries,
      reaped: stats.reaped,
      errors: stats.errors,
      peak: stats.peakConcurrency,
    };
  });
  const errors = failures.filter((f) => f.kind === 'error').length;
  const wrong = failures.filter((f) => f.kind === 'wrong').length;
  const result = {
    when: new Date().toISOString(),
    machine: { cpus: availableParallelism(), loadAverage1m: loadavg()[0] },
    settings: { seconds, concurrency, batch, warmupSeconds, sampleSeconds, count, dim, partitions, k },
    requests: latencies.length + errors,
    queries: (latencies.length + errors) * batch,
    errors,
    wrong,
    latencyMs: {
      all: { p50: percentile(all, 0.5), p99: percentile(all, 0.99) },
      afterWarmup: { p50, p99, count: steady.length },
    },
    rss: {
      atWarmupMiB: rssAtWarmup,
      atEndMiB: rssAtEnd,
      growth,
      peakMiB: Math.max(...samples.map((s) => s.rssMiB)),
    },
    targets: {
      noErrors: errors + wrong === 0,
      p99Within5xP50: p99 <= 5 * p50,
      rssGrowthBelow10Percent: growth < 0.1,
    },
    functions,
    samples,
    failures: failures.slice(0, 50),
  };

  console.log(`\nRSS of the stack (this process + every function environment), every ${sampleSeconds} s`);
  console.table(
    samples.map((s) => ({
      s: s.t.toFixed(0),
      'RSS MiB': s.rssMiB.toFixed(0),
      'of which host MiB': s.hostRssMiB.toFixed(0),
      processes: s.processes,
      environments: s.environments,
      'requests done': s.completed,
    })),
  );
  console.log('\nfunctions');
  console.table(functions);
  console.log(
    `\n${result.requests} requests (${batch} quer${batch === 1 ? 'y' : 'ies'} each), ${concurrency} in flight for ${seconds} s: ` +
      `${errors} errors, ${wrong} wrong answers\n` +
      `latency all: p50 ${fmt(result.latencyMs.all.p50)} ms, p99 ${fmt(result.latencyMs.all.p99)} ms; ` +
      `after ${warmupSeconds} s warm-up: p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms (${(p99 / p50).toFixed(1)}× p50)\n` +
      `RSS after warm-up ${rssAtWarmup.toFixed(0)} MiB → end ${rssAtEnd.toFixed(0)} MiB (${(growth * 100).toFixed(1)} %), peak ${result.rss.peakMiB.toFixed(0)} MiB\n` +
      `targets: 0 errors ${yes(result.targets.noErrors)}, p99 ≤ 5 × p50 ${yes(result.targets.p99Within5xP50)}, RSS growth < 10 % ${yes(result.targets.rssGrowthBelow10Percent)}`,
  );
  for (const failure of failures.slice(0, 5)) {
    console.log(`  ${failure.kind} at ${failure.t.toFixed(1)} s (${failure.workload}): ${failure.message}`);
  }
  if (failures.length > 0 && functionLog.length > 0) {
    console.log(`last function log lines:\n  ${functionLog.join('\n  ')}`);
  }
  await mkdir(args.out, { recursive: true });
  const file = join(args.out, 'load-stack.json');
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file}`);
  if (errors + wrong > 0) exitCode = 1;
} finally {
  await stack.stop();
}
process.exitCode = exitCode;

/** Undefined when every query's hits equal the in-process answer; else what differs first. */
function differences(response: SearchResponse, want: readonly SearchResult[]): string | undefined {
  if (response.results.length !== want.length) {
    return `${response.results.length} results for ${want.length} queries`;
  }
  for (const [q, result] of response.results.entries()) {
    const hits = want[q]!.hits;
    if (result.hits.length !== hits.length)
      return `query ${q}: ${result.hits.length} hits, expected ${hits.length}`;
    for (const [i, hit] of result.hits.entries()) {
      if (hit.id !== hits[i]!.id || hit.distance !== hits[i]!.distance) {
        return `query ${q} hit ${i}: id ${hit.id} at ${hit.distance}, expected id ${hits[i]!.id} at ${hits[i]!.distance}`;
      }
    }
  }
  return undefined;
}

/** A function's name without the stack's prefix, e.g. `coordinator`. */
function shortName(functionName: string): string {
  return functionName.replace(/^.*?-/, '');
}

/** Median over `samples` of one function's RSS, in MiB. */
function functionRssAt(samples: readonly Sample[], functionName: string): number {
  return median(samples.map((s) => s.functionRssMiB[shortName(functionName)] ?? Number.NaN));
}

function synthMode(value: string): SynthMode {
  if (value === 'always' || value === 'if-stale' || value === 'if-missing' || value === 'never') return value;
  throw new Error(`--synth is \`${value}\`; expected always, if-stale, if-missing or never`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function elapsed(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function fmt(ms: number): string {
  return ms.toFixed(1);
}

function yes(met: boolean): string {
  return met ? 'met' : 'NOT met';
}
