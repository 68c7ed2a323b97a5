/**
 * The fixed cost per query of the in-process search (issue 11): µs/query of `searchPrepared` on a batch of
 * queries and one query per call, at the defaults and at grid settings that reach recall@10 0.95, on the
 * same cached siftsmall index as `bench:peers` and the Fashion-MNIST benchmark index. Run it pinned:
 *
 *   taskset -c 0 npx tsx scripts/bench/fixed-cost.ts [--datasets siftsmall,fashion-mnist] [--queries 1000]
 *     [--min-seconds 2] [--dump hits.json] [--json out.json]
 *
 * `--dump` writes every returned hit (ids and distances) of every setting, so two builds of the code can
 * be compared answer for answer (`cmp` the two files). Profile with `node --cpu-prof --import tsx ...`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalSearch } from '../../shared/index/local-search.ts';
import { squaredL2 } from '../../shared/search/distance.ts';
import type { ExecutorQuery, QueryOptions } from '../../shared/search/query-executor.ts';
import { TopK } from '../../shared/search/top-k.ts';
import { fashionMnistIndex, loadFashionMnist } from './fashion-mnist.ts';
import { queryRecall } from './recall.ts';
import { siftsmallPeers } from './siftsmall-peers.ts';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'siftsmall,fashion-mnist' },
    queries: { type: 'string', default: '1000' },
    'min-seconds': { type: 'string', default: '2' },
    dump: { type: 'string' },
    json: { type: 'string' },
    /** A JSON array of option sets replacing the built-in settings, e.g. '[{"rerank":2}]'. */
    settings: { type: 'string' },
  },
});
const k = 10;
const maxQueries = Number(values.queries);
const minSeconds = Number(values['min-seconds']);
const dataDir = process.env.SQUASH_DATA_DIR ?? join(import.meta.dirname, '../../../shared/data');
const imagesDir = process.env.SQUASH_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

interface Dataset {
  readonly name: string;
  readonly base: Float32Array;
  readonly count: number;
  readonly dim: number;
  readonly queries: Float32Array;
  readonly queryCount: number;
  readonly search: LocalSearch;
}

/** Settings timed per data set: the defaults and grid points of `bench:peers` that reach recall 0.95. */
const settings: Record<string, Partial<QueryOptions>[]> = {
  siftsmall: [
    {},
    { partitionFactor: 1.2, rerank: 2, matchesFactor: 5, pruningDims: 32 },
    { partitionFactor: 1.2, rerank: 4, matchesFactor: 10, pruningDims: 16 },
  ],
  'fashion-mnist': [
    {},
    { partitionFactor: 1.2, rerank: 4, matchesFactor: 10, pruningDims: 32 },
    { partitionFactor: 1.3, rerank: 4, matchesFactor: 10, pruningDims: 32 },
  ],
};

/** The index of `bench:peers` (same cache key and build), with its seeded `u` and `cat` attributes. */
async function loadSift(): Promise<Dataset> {
  const { base, queries, store } = await siftsmallPeers(dataDir);
  const queryCount = Math.min(maxQueries, queries.n);
  return {
    name: 'siftsmall',
    base: base.vectors,
    count: base.n,
    dim: base.dim,
    queries: queries.vectors.subarray(0, queryCount * base.dim),
    queryCount,
    search: await LocalSearch.open(store),
  };
}

async function loadFashion(): Promise<Dataset> {
  const data = await loadFashionMnist(imagesDir, dataDir);
  const queryCount = Math.min(maxQueries, data.queryCount);
  return {
    name: 'fashion-mnist',
    base: data.base,
    count: data.count,
    dim: data.dim,
    queries: data.queries.subarray(0, queryCount * data.dim),
    queryCount,
    search: await LocalSearch.open(await fashionMnistIndex(data)),
  };
}

/** The exact top-k distances of every query (brute force). */
function truthOf(data: Dataset): number[][] {
  const top = new TopK(k);
  return Array.from({ length: data.queryCount }, (_, q) => {
    top.reset(k);
    const vector = data.queries.subarray(q * data.dim, (q + 1) * data.dim);
    for (let i = 0; i < data.count; i++) top.push(squaredL2(vector, data.base, i, data.dim), i);
    return top.sorted().map((hit) => Math.sqrt(hit.distance));
  });
}

/** µs per query of `run` (which answers `count` queries), repeated for at least `minSeconds`. */
async function microsPerQuery(run: () => Promise<unknown>, count: number): Promise<number> {
  await run();
  const start = performance.now();
  let rounds = 0;
  do {
    await run();
    rounds++;
  } while (performance.now() - start < minSeconds * 1000);
  return ((performance.now() - start) * 1000) / (rounds * count);
}

interface Row {
  readonly dataset: string;
  readonly options: Partial<QueryOptions>;
  readonly batchMicros: number;
  readonly singleMicros: number;
  readonly recall: number;
}

const rows: Row[] = [];
const dump: Record<string, unknown> = {};
for (const name of values.datasets!.split(',')) {
  const data = name === 'siftsmall' ? await loadSift() : await loadFashion();
  const truth = truthOf(data);
  const prepared: ExecutorQuery[] = data.search.prepare(
    Array.from({ length: data.queryCount }, (_, q) => ({
      vector: data.queries.subarray(q * data.dim, (q + 1) * data.dim),
    })),
  );
  const chosen: Partial<QueryOptions>[] = values.settings ? JSON.parse(values.settings) : settings[name]!;
  for (const options of chosen) {
    const batch = () => data.search.searchPrepared(prepared, { k, ...options });
    const single = async () => {
      for (const query of prepared) await data.search.searchPrepared([query], { k, ...options });
    };
    const results = await batch();
    let recall = 0;
    for (let q = 0; q < data.queryCount; q++) {
      const vector = data.queries.subarray(q * data.dim, (q + 1) * data.dim);
      const returned = results[q]!.hits.map((hit) =>
        Math.sqrt(squaredL2(vector, data.base, hit.id, data.dim)),
      );
      recall += queryRecall({ returned, truth: truth[q]! }, k);
    }
    const row: Row = {
      dataset: name,
      options,
      batchMicros: await microsPerQuery(batch, data.queryCount),
      singleMicros: await microsPerQuery(single, data.queryCount),
      recall: recall / data.queryCount,
    };
    rows.push(row);
    dump[`${name} ${JSON.stringify(options)}`] = results.map((result) =>
      result.hits.map((hit) => [hit.id, hit.distance]),
    );
    console.log(
      `${name.padEnd(14)} ${JSON.stringify(options).padEnd(72)} batch ${row.batchMicros.toFixed(1).padStart(7)} µs/q` +
        `  single ${row.singleMicros.toFixed(1).padStart(7)} µs/q  recall@10 ${row.recall.toFixed(4)}`,
    );
  }
}
if (values.dump) await writeFile(values.dump, JSON.stringify(dump));
if (values.json) await writeFile(values.json, JSON.stringify(rows, null, 2));
