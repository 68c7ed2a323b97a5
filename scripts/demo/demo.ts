/**
 * `npm run demo`: the whole serverless path on this machine. Starts the embedded local stack (S3 server +
 * Lambda host running the bundles synthesized from the CDK app), builds an index over a seeded synthetic
 * dataset with attributes (or your vectors with --vectors/--attributes) straight into the stack's bucket,
 * runs hybrid queries through the search Function URL and prints recall, latency, cold/warm counts,
 * bytes fetched and the modelled AWS cost per query. Then shuts everything down.
 *
 * Then it writes (docs/writes.md): upserts a row per query, checks the next search finds each, deletes
 * them and checks none comes back.
 *
 * The demo fails (exit code 1, saying why) when any workload's answers are wrong or a write is not
 * seen (or a deleted row is): recall@10 below the
 * floor (--recall-floor, 0.9 by default: the defaults measure 0.97–1.00 on this data, so 0.9 leaves room
 * for seeds and hardware without letting a broken path pass), a hit that breaks its filter, fewer than
 * k hits for a query with at least k matching rows (fewer than all of them when there are fewer), or
 * any incomplete response (the client refuses those: complete or fail). A request that fails prints the
 * server's error body and the last lines the functions logged.
 *
 *   npm run demo -- [--count 20000] [--dim 64] [--partitions 16] [--queries 200] [--recall-floor 0.9]
 *                   [--vectors FILE --attributes FILE.jsonl --query-vectors FILE]
 *                   [--gb-second-price 0.0000133334] [--request-price 0.0000002] [--s3-get-price 0.0000004]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AttributeTable, inferSchema } from '../../shared/attributes/index.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import { readJsonLinesArray, readVectors } from '../../shared/data/index.ts';
import { LocalSearch } from '../../shared/index/local-search.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../shared/synthetic/index.ts';
import { meanRecall } from '../bench/recall.ts';
import { hitOrdinal, SearchIncompleteError, searchUrl } from '../client/index.ts';
import { startLocalStack } from '../local/index.ts';
import { defaultPrices, requestCost } from './cost-model.ts';
import { checkWrites } from './demo-writes.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '64' },
    partitions: { type: 'string', default: '16' },
    queries: { type: 'string', default: '200' },
    'recall-floor': { type: 'string', default: '0.9' },
    vectors: { type: 'string' },
    attributes: { type: 'string' },
    'query-vectors': { type: 'string' },
    'gb-second-price': { type: 'string', default: String(defaultPrices.lambdaGbSecond) },
    'request-price': { type: 'string', default: String(defaultPrices.lambdaRequest) },
    's3-get-price': { type: 'string', default: String(defaultPrices.s3Get) },
    /** Print every function's JSON log and EMF metric lines to stderr as they come (docs/operate.md). */
    'show-logs': { type: 'boolean', default: false },
  },
});
const prices = {
  lambdaGbSecond: Number(args['gb-second-price']),
  lambdaRequest: Number(args['request-price']),
  s3Get: Number(args['s3-get-price']),
};
const k = 10;
const recallFloor = Number(args['recall-floor']);
if (!(recallFloor >= 0 && recallFloor <= 1)) {
  throw new Error(
    `--recall-floor must be a number in 0..1; received ${JSON.stringify(args['recall-floor'])}`,
  );
}
const log = (line: string) => process.stdout.write(`${line}\n`);

/** The functions' last log lines, printed when a request fails (they say why a function crashed). */
const recentLogs: string[] = [];
const LOG_LINES_KEPT = 40;
function keepLog(functionName: string, line: string): void {
  if (args['show-logs']) process.stderr.write(`[${functionName}] ${line}\n`);
  recentLogs.push(`[${functionName}] ${line}`);
  if (recentLogs.length > LOG_LINES_KEPT) recentLogs.shift();
}

const dataset = await loadDataset();
log(
  `dataset: ${dataset.count} × ${dataset.dim}, attributes ${dataset.attributes.schema.attributes.map((a) => a.name).join(', ')}`,
);

let started = performance.now();
const stack = await startLocalStack({
  cdkOut: resolve(import.meta.dirname, '../../cdk.out'),
  synth: 'if-stale',
  onLog: keepLog,
});
log(
  `local stack up in ${ms(started)}: search URL ${stack.searchUrl}, S3 ${stack.s3Endpoint}, bucket ${stack.bucket}`,
);
try {
  const store = stack.indexStore('demo');
  started = performance.now();
  const summary = await buildIndex(dataset, store, {
    partitions: Number(args.partitions),
    bitsPerDim: 4,
    metric: 'l2',
    seed: 1,
    kmeansIterations: 20,
  });
  log(
    `built s3://${stack.bucket}/indexes/demo v${summary.version}: ${summary.partitions} partitions, ${(summary.bytes / 1e6).toFixed(1)} MB, in ${ms(started)}`,
  );
  const exact = await LocalSearch.open(store);
  const memory = memorySizes(stack.functions);

  const workloads: { name: string; filter?: unknown }[] = dataset.synthetic
    ? [
        { name: 'no filter' },
        { name: 'category = red (10 %)', filter: { category: 'red' } },
        { name: 'u < 0.01 (1 %)', filter: { u: { $lt: 0.01 } } },
        {
          name: 'red|blue, u < 0.5, tag rare',
          filter: { category: { $in: ['red', 'blue'] }, u: { $lt: 0.5 }, tags: 'rare' },
        },
      ]
    : [{ name: 'no filter' }];
  const rows = [];
  /** Why the demo's answers are wrong, one line per problem. */
  const problems: string[] = [];
  for (const workload of workloads) {
    const queries = dataset.queries.map((vector) => ({ vector, filter: workload.filter }));
    const truth = await exact.search(queries, { k, exact: true });
    const request = (batch: typeof queries) =>
      searchUrl(stack.searchUrl, {
        index: 'demo',
        k,
        queries: batch.map((query) => ({
          vector: Array.from(query.vector),
          ...(query.filter ? { filter: query.filter } : {}),
        })),
      });
    started = performance.now();
    const batch = await request(queries);
    const batchSeconds = (performance.now() - started) / 1000;
    const latencies: number[] = [];
    let cost = 0;
    let cold = 0;
    let warm = 0;
    let bytes = batch.stats.bytesFetched;
    const single = queries.slice(0, 50);
    const singleHits: { id: number | string }[][] = [];
    for (const query of single) {
      const t = performance.now();
      const response = await request([query]);
      latencies.push(performance.now() - t);
      singleHits.push(response.results[0]!.hits);
      cost += requestCost({ coordinatorMs: response.stats.ms, ...response.stats }, memory, prices);
      cold += response.stats.partitionLoads;
      warm += response.stats.partitionCacheHits;
      bytes += response.stats.bytesFetched;
    }
    const recall = meanRecall(
      batch.results.map((result, q) => ({
        returned: result.hits.map((hit) => hit.distance),
        truth: truth[q]!.hits.map((hit) => hit.distance),
      })),
      k,
    );
    const filter = exact.reader.compileFilter(workload.filter);
    let breaking = 0;
    let short = 0;
    const check = (hits: readonly { id: number | string }[], q: number) => {
      if (hits.length < truth[q]!.hits.length) short++;
      breaking += hits.filter((hit) => !filter.matches(dataset.attributes, hitOrdinal(hit))).length;
    };
    for (const [q, result] of batch.results.entries()) check(result.hits, q);
    for (const [q, hits] of singleHits.entries()) check(hits, q);
    const satisfied = short === 0 && breaking === 0;
    if (recall < recallFloor) {
      problems.push(`${workload.name}: recall@${k} ${recall.toFixed(3)} is below the floor ${recallFloor}`);
    }
    if (breaking > 0) problems.push(`${workload.name}: ${breaking} hits break the filter`);
    if (short > 0) {
      problems.push(
        `${workload.name}: ${short} queries got fewer than min(k, matching rows) hits (k = ${k})`,
      );
    }
    latencies.sort((a, b) => a - b);
    rows.push({
      workload: workload.name,
      'recall@10': recall.toFixed(3),
      'batch q/s': (queries.length / batchSeconds).toFixed(0),
      'p50 ms': latencies[Math.floor(latencies.length * 0.5)]!.toFixed(1),
      'p99 ms': latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!.toFixed(1),
      'cold/warm': `${batch.stats.partitionLoads + cold}/${batch.stats.partitionCacheHits + warm}`,
      'MB fetched': (bytes / 1e6).toFixed(2),
      'rounds (max)': batch.stats.rounds,
      '$ per 1M queries': ((cost / single.length) * 1e6).toFixed(2),
      'k hits, all pass': satisfied ? 'yes' : 'NO',
    });
  }
  log(
    `\n${dataset.queries.length} queries per workload through ${stack.searchUrl}search (batch of all, then 50 single-query requests), k = ${k}`,
  );
  console.table(rows);
  log(
    `cost model: Lambda arm64 $${prices.lambdaGbSecond}/GB-s (memory ${memory.coordinatorMiB}/${memory.allocatorMiB}/${memory.processorMiB} MiB), ` +
      `$${prices.lambdaRequest}/request, S3 GET $${prices.s3Get}; measured on 2 shared local cores, not on AWS`,
  );
  const writes = await checkWrites(stack.searchUrl, 'demo', dataset.count, dataset.queries);
  log(`\n${writes.line}`);
  problems.push(...writes.problems);
  if (problems.length > 0) {
    process.stderr.write(
      `\ndemo FAILED: the answers are wrong\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  } else {
    log(
      `\nall ${workloads.length} workloads: recall@${k} ≥ ${recallFloor}, every hit passes its filter, k hits where k match, every response complete; every write seen by the next search`,
    );
  }
} catch (error) {
  process.exitCode = 1;
  const what =
    error instanceof SearchIncompleteError
      ? `an incomplete search (partitions ${error.missingPartitions.join(', ')} failed for ${error.queriesAffected} queries)`
      : 'an error';
  process.stderr.write(`\ndemo FAILED on ${what}:\n  ${(error as Error)?.message ?? String(error)}\n`);
  if (recentLogs.length > 0) {
    process.stderr.write(`last ${recentLogs.length} lines the functions logged:\n${recentLogs.join('\n')}\n`);
  }
  for (const { name } of stack.functions) {
    const { invocations, errors, timeouts, throttles, coldStarts } = stack.stats(name);
    if (errors + throttles === 0) continue;
    process.stderr.write(
      `${name}: ${errors} of ${invocations} invocations failed (${timeouts} timed out), ${throttles} throttled, ${coldStarts} cold starts\n`,
    );
  }
} finally {
  await stack.stop();
}

interface DemoDataset {
  vectors: Float32Array;
  count: number;
  dim: number;
  attributes: AttributeTable;
  queries: Float32Array[];
  synthetic: boolean;
}

async function loadDataset(): Promise<DemoDataset> {
  const queryCount = Number(args.queries);
  if (args.vectors) {
    const base = await readVectors(args.vectors);
    const rows = args.attributes
      ? await readJsonLinesArray(args.attributes)
      : Array.from({ length: base.n }, () => ({}));
    const queryFile = args['query-vectors'] ? await readVectors(args['query-vectors']) : base;
    return {
      vectors: base.vectors,
      count: base.n,
      dim: base.dim,
      attributes: AttributeTable.fromRows(inferSchema(rows), rows),
      queries: Array.from({ length: Math.min(queryCount, queryFile.n) }, (_, q) =>
        queryFile.vectors.slice(q * base.dim, (q + 1) * base.dim),
      ),
      synthetic: false,
    };
  }
  const count = Number(args.count);
  const dim = Number(args.dim);
  const data = generateDataset({ count, dim, seed: 1 });
  const queries = generateQueries({ count: queryCount, dim, seed: 2, fromDataset: { seed: 1 } });
  return {
    vectors: data.vectors,
    count,
    dim,
    attributes: new AttributeTable(SYNTHETIC_SCHEMA, count, data.attributes!.columns()),
    queries: Array.from({ length: queryCount }, (_, q) => queries.vectors.slice(q * dim, (q + 1) * dim)),
    synthetic: true,
  };
}

function memorySizes(functions: readonly { name: string; memoryMiB?: number }[]) {
  const of = (pattern: RegExp) => functions.find((fn) => pattern.test(fn.name))?.memoryMiB ?? 1024;
  return { coordinatorMiB: of(/coordinator/), allocatorMiB: of(/allocator/), processorMiB: of(/processor/) };
}

function ms(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
