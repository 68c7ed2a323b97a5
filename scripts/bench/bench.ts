/**
 * `npm run bench`: recall@10 and single-core queries/second of the in-process search against the exact
 * scan of the filter's matches, on the same queries in the same run, at selectivities 100 %, 10 % (the
 * query's class label), 1 % and 0.1 % (a seeded uniform attribute) on Fashion-MNIST. For each
 * selectivity it sweeps a small grid of query options and picks the fastest with recall ≥ 0.95; then it
 * times the exact scan, the chosen options and the defaults again, interleaved, `--repeats` times, and
 * reports the medians (one timing per sweep setting is noisy, and the best of many noisy timings flatters).
 * Prints a table and writes bench-results/bench-fashion-mnist.json. Never gates CI on time.
 *
 *   npm run bench -- [--queries 1000] [--repeats 3] [--out bench-results]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalSearch } from '../../shared/index/local-search.ts';
import type { QueryOptions } from '../../shared/search/query-executor.ts';
import { exactScan } from './exact-scan.ts';
import {
  fashionMnistAttributes,
  fashionMnistClasses,
  fashionMnistIndex,
  loadFashionMnist,
  uniformAttribute,
} from './fashion-mnist.ts';
import { meanRecall } from './recall.ts';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '1000' },
    repeats: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench-results' },
  },
});
const queryCount = Number(values.queries);
const repeats = Number(values.repeats);
const k = 10;
const dataDir = process.env.SQUASH_DATA_DIR ?? join(import.meta.dirname, '../../../shared/data');
const imagesDir = process.env.SQUASH_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

const data = await loadFashionMnist(imagesDir, dataDir);
const attributes = fashionMnistAttributes(data, uniformAttribute(data.count));
let started = performance.now();
const search = await LocalSearch.open(await fashionMnistIndex(data));
console.error(`index ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const queries = Array.from({ length: queryCount }, (_, q) =>
  data.queries.subarray(q * data.dim, (q + 1) * data.dim),
);

const selectivities: { name: string; filter: (q: number) => unknown }[] = [
  { name: '100%', filter: () => undefined },
  { name: '10%', filter: (q) => ({ label: fashionMnistClasses[data.queryLabels[q]!]! }) },
  { name: '1%', filter: () => ({ u: { $lt: 0.01 } }) },
  { name: '0.1%', filter: () => ({ u: { $lt: 0.001 } }) },
];
const grid: Partial<QueryOptions>[] = [
  {},
  ...[1.1, 1.2, 1.3].flatMap((partitionFactor) =>
    [2, 4, 8].flatMap((rerank) =>
      [5, 10].flatMap((matchesFactor) =>
        [8, 16, 32].map((pruningDims) => ({ partitionFactor, rerank, matchesFactor, pruningDims })),
      ),
    ),
  ),
];

interface Measured {
  options: Partial<QueryOptions>;
  qps: number;
  recall: number;
}

interface Row {
  selectivity: string;
  exactQps: number;
  squashQps: number;
  speedup: number;
  recall: number;
  options: Partial<QueryOptions>;
  exactPlanShare: number;
  partitionsVisited: number;
  defaults: { qps: number; recall: number };
  /** Queries/second of each interleaved repetition: exact scan, chosen options, defaults. */
  repetitions: { exact: number; chosen: number; defaults: number }[];
  sweep: Measured[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function queriesPerSecond(run: () => unknown): Promise<number> {
  const start = performance.now();
  return Promise.resolve(run()).then(() => queryCount / ((performance.now() - start) / 1000));
}

const rows: Row[] = [];
for (const { name, filter } of selectivities) {
  // squash is timed as a user calls it: each call validates its vectors and compiles its filters.
  const batch = queries.map((vector, q) => ({ vector, filter: filter(q) }));
  const prepared = search.prepare(batch);
  const scanAll = () =>
    prepared.map((query) =>
      exactScan(data.base, data.dim, attributes, query.vector, query.filter, k).map((hit) => hit.distance),
    );
  const truth = scanAll();
  const sweep: Measured[] = [];
  for (const options of grid) {
    await search.search(batch.slice(0, 50), { k, ...options }); // warm-up
    started = performance.now();
    const results = await search.search(batch, { k, ...options });
    const qps = queryCount / ((performance.now() - started) / 1000);
    const recall = meanRecall(
      results.map((result, q) => ({ returned: result.hits.map((hit) => hit.distance), truth: truth[q]! })),
      k,
    );
    sweep.push({ options, qps, recall });
  }
  const qualifying = sweep.filter((entry) => entry.recall >= 0.95);
  const chosen =
    qualifying.length > 0
      ? qualifying.reduce((a, b) => (b.qps > a.qps ? b : a))
      : sweep.reduce((a, b) => (b.recall > a.recall ? b : a));
  const repetitions: Row['repetitions'] = [];
  for (let r = 0; r < repeats; r++) {
    repetitions.push({
      exact: await queriesPerSecond(scanAll),
      chosen: await queriesPerSecond(() => search.search(batch, { k, ...chosen.options })),
      defaults: await queriesPerSecond(() => search.search(batch, { k })),
    });
  }
  const results = await search.search(batch, { k, ...chosen.options });
  const exactQps = median(repetitions.map((repetition) => repetition.exact));
  const squashQps = median(repetitions.map((repetition) => repetition.chosen));
  rows.push({
    selectivity: name,
    exactQps,
    squashQps,
    speedup: squashQps / exactQps,
    recall: chosen.recall,
    options: chosen.options,
    exactPlanShare: results.filter((result) => result.stats.plan === 'exact').length / results.length,
    partitionsVisited:
      results.reduce((sum, result) => sum + result.stats.partitionsVisited, 0) / results.length,
    defaults: { qps: median(repetitions.map((repetition) => repetition.defaults)), recall: sweep[0]!.recall },
    repetitions,
    sweep,
  });
  console.error(`${name} done`);
}

console.log(
  `Fashion-MNIST 60,000 × 784, ${queryCount} queries, k = ${k}, single core (Node ${process.version})`,
);
console.table(
  rows.map((row) => ({
    selectivity: row.selectivity,
    'exact scan q/s': row.exactQps.toFixed(0),
    'squash q/s': row.squashQps.toFixed(0),
    speedup: `${row.speedup.toFixed(1)}×`,
    'recall@10': row.recall.toFixed(3),
    partitionFactor: row.options.partitionFactor,
    rerank: row.options.rerank,
    matchesFactor: row.options.matchesFactor,
    pruningDims: row.options.pruningDims,
    'exact plan': `${(row.exactPlanShare * 100).toFixed(0)}%`,
    'partitions/query': row.partitionsVisited.toFixed(2),
    'defaults q/s': row.defaults.qps.toFixed(0),
    'defaults recall': row.defaults.recall.toFixed(3),
  })),
);
await mkdir(values.out!, { recursive: true });
const file = join(values.out!, 'bench-fashion-mnist.json');
await writeFile(
  file,
  `${JSON.stringify({ dataset: 'fashion-mnist', queries: queryCount, k, node: process.version, rows }, null, 2)}\n`,
);
console.log(`wrote ${file}`);
