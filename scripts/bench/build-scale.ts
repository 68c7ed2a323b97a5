/**
 * A build at scale under a memory cap (issue 13's Must-show: 10,000,000 × 128 within 2 GB): generates a
 * seeded synthetic dataset with the project's own generator (or reuses one with the same parameters),
 * computes the exact top-k of a sample of its queries by streaming over the base vectors in chunks,
 * runs `squash build --memory-budget <cap>` as a child process while measuring the peak RSS of its
 * whole process tree and the wall time, then searches the built index with the default query options
 * (and with --search-options when given: that run is the one the recall gate judges), loading one
 * partition at a time, and computes recall@k. Prints a table, writes bench-results/build-scale.json
 * and exits non-zero when the peak RSS reaches the cap or recall is below --min-recall.
 *
 * Usage: npm run bench:build-scale -- --count 10000000 --dim 128 --partitions 256 --memory-cap 2GiB
 *        [--data DIR] [--index DIR] [--work DIR] [--queries 100] [--k 10] [--seed 1] [--threads 1]
 *        [--min-recall 0.95] [--attributes true|false] [--search-options '{"partitionFactor":1.5}']
 *        [--skip-build] [--out bench-results/build-scale.json]
 *
 * Pin it to a core with `taskset -c 1 npm run bench:build-scale -- ...`: the child inherits the pinning.
 *
 * Design decisions:
 * - The data and index default to scratch/build-scale/ (ignored by git): 10 M × 128 is 5.2 GB of
 *   vectors, 0.9 GB of attributes and about 6 GB of index.
 * - The ground truth is saved beside the data (`groundtruth-q<Q>-k<k>.ivecs` ids, `.fvecs` squared
 *   distances) and reused; a pass holds one chunk of base rows (64 MiB) and the queries' top-k.
 * - The build runs as `node --import tsx scripts/cli/main.ts build` (one process, its threads inside it),
 *   not through npx, whose own processes would count against the cap. The peak is the larger of the
 *   sampled sum of VmRSS over the tree (every 100 ms) and the sum of each process's VmHWM (the kernel's
 *   high-water mark, read at each sample while the process lives), so a short spike is not missed.
 * - The search runs the executor every search path runs (`executeQueries` + `searchPartition`, as
 *   `LocalSearch` does) but loads partitions on demand, two at a time, instead of the whole index:
 *   `LocalSearch.open` would hold all ~6 GB. A fresh build has no write log, so nothing else differs.
 * - `--attributes true` (the default) passes attributes.jsonl and schema.json to the build too; the CLI
 *   holds attribute rows whole (docs/build.md), outside the vectors' budget: reading the synthetic rows
 *   peaked at about 225 MiB per million and the table kept through the build is about 60 MiB per million
 *   (measured at 1 M; reading 10 M peaked at 2,199 MiB), so 10 M with attributes exceeds a 2 GiB cap.
 *   `--attributes false` builds the vectors alone.
 * - 10 M × 128 into 256 partitions (39,000 rows each) needs `{"rerank":20}` for recall@10 ≥ 0.95: the
 *   defaults (rerank 5) give 0.85 there and 0.93 at 1 M (docs/performance.md, "Build at scale").
 * - Recall is counted by ids (|returned ∩ true top-k| / k) and, as docs/performance.md does elsewhere,
 *   by distance (`recall.ts`: a hit within the k-th true distance counts); the gate uses the id count,
 *   the stricter of the two on data without ties.
 */
import { spawn } from 'node:child_process';
import { type Dirent, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openVectorSource } from '../../shared/build/vector-source.ts';
import { encodeFvecs, encodeIvecs, readFvecs, readIvecs } from '../../shared/data/index.ts';
import { IndexReader } from '../../shared/index/index-reader.ts';
import { prepareQuery } from '../../shared/metric.ts';
import { squaredL2 } from '../../shared/search/distance.ts';
import { partitionSearchOptions, searchPartition } from '../../shared/search/partition-search.ts';
import {
  defaultQueryOptions,
  type ExecutorQuery,
  executeQueries,
  type QueryOptions,
} from '../../shared/search/query-executor.ts';
import { TopK } from '../../shared/search/top-k.ts';
import { openStore } from '../../shared/store/open-store.ts';
import { byteSizeOption } from '../cli/args.ts';
import { type DatasetDescription, writeSyntheticDataset } from '../generate-dataset.ts';
import { processPeakRssBytes } from './process-peak-rss.ts';
import { processTreeRss } from './process-tree-rss.ts';
import { queryRecall } from './recall.ts';

const MiB = 1024 * 1024;
const repoRoot = resolve(import.meta.dirname, '../..');

interface Config {
  readonly count: number;
  readonly dim: number;
  readonly seed: number;
  readonly partitions: number;
  readonly memoryCapBytes: number;
  readonly queries: number;
  readonly k: number;
  readonly threads: number;
  readonly minRecall: number;
  readonly attributes: boolean;
  readonly searchOptions: Partial<QueryOptions>;
  readonly data: string;
  readonly index: string;
  readonly work: string;
  readonly workIsDefault: boolean;
  readonly skipBuild: boolean;
  readonly out: string;
}

function parseConfig(argv: string[]): Config {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '1000000' },
      dim: { type: 'string', default: '128' },
      seed: { type: 'string', default: '1' },
      partitions: { type: 'string', default: '256' },
      'memory-cap': { type: 'string', default: '2GiB' },
      queries: { type: 'string', default: '100' },
      k: { type: 'string', default: '10' },
      threads: { type: 'string', default: '1' },
      'min-recall': { type: 'string', default: '0.95' },
      attributes: { type: 'string', default: 'true' },
      'search-options': { type: 'string', default: '{}' },
      data: { type: 'string' },
      index: { type: 'string' },
      work: { type: 'string' },
      'skip-build': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results/build-scale.json' },
    },
  });
  const integer = (name: keyof typeof values): number => {
    const text = String(values[name]);
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`--${name} must be a positive integer, got \`${text}\``);
    }
    return value;
  };
  const count = integer('count');
  const dim = integer('dim');
  const seed = integer('seed');
  const partitions = integer('partitions');
  const minRecall = Number(values['min-recall']);
  if (!(minRecall >= 0 && minRecall <= 1)) {
    throw new Error(`--min-recall must be in [0, 1], got \`${values['min-recall']}\``);
  }
  if (values.attributes !== 'true' && values.attributes !== 'false') {
    throw new Error(`--attributes must be true or false, got \`${values.attributes}\``);
  }
  const searchOptions = JSON.parse(values['search-options']!) as Partial<QueryOptions>;
  const data = resolve(values.data ?? join(repoRoot, 'scratch/build-scale', `syn-${count}x${dim}-s${seed}`));
  const index = resolve(values.index ?? `${data}-index-p${partitions}`);
  return {
    count,
    dim,
    seed,
    partitions,
    memoryCapBytes: byteSizeOption(values['memory-cap'], '--memory-cap', 2 << 30),
    queries: integer('queries'),
    k: integer('k'),
    threads: integer('threads'),
    minRecall,
    attributes: values.attributes === 'true',
    searchOptions,
    data,
    index,
    work: resolve(values.work ?? `${index}.work`),
    workIsDefault: values.work === undefined,
    skipBuild: values['skip-build']!,
    out: resolve(repoRoot, values.out!),
  };
}

/** The dataset in `config.data`, generated unless dataset.json there has the same parameters. */
async function ensureDataset(config: Config): Promise<{ description: DatasetDescription; seconds?: number }> {
  const path = join(config.data, 'dataset.json');
  if (existsSync(path)) {
    const found = JSON.parse(await readFile(path, 'utf8')) as DatasetDescription;
    if (
      found.count === config.count &&
      found.dim === config.dim &&
      found.seed === config.seed &&
      found.queries >= config.queries
    ) {
      log(`reusing the dataset in ${config.data}`);
      return { description: found };
    }
    log(
      `${path} holds count ${found.count}, dim ${found.dim}, seed ${found.seed}, queries ${found.queries}; ` +
        `expected ${config.count}, ${config.dim}, ${config.seed}, ≥ ${config.queries}: regenerating`,
    );
  }
  log(`generating ${config.count} × ${config.dim} (seed ${config.seed}) into ${config.data}`);
  const started = performance.now();
  const description = await writeSyntheticDataset(config.data, {
    count: config.count,
    dim: config.dim,
    seed: config.seed,
    queries: config.queries,
  });
  return { description, seconds: (performance.now() - started) / 1000 };
}

interface GroundTruth {
  /** queries × k row ordinals, nearest first. */
  readonly ids: Int32Array;
  /** queries × k squared L2 distances, ascending. */
  readonly distances: Float32Array;
  readonly seconds?: number;
}

/** The exact top-k of each query, streamed over the base vectors in chunks (or read back when saved). */
async function ensureGroundTruth(
  config: Config,
  vectorsPath: string,
  queries: Float32Array,
): Promise<GroundTruth> {
  const { k, dim } = config;
  const n = queries.length / dim;
  const stem = join(config.data, `groundtruth-q${n}-k${k}`);
  if (existsSync(`${stem}.ivecs`) && existsSync(`${stem}.fvecs`)) {
    const ids = await readIvecs(`${stem}.ivecs`);
    const distances = await readFvecs(`${stem}.fvecs`);
    if (ids.n === n && ids.dim === k && distances.n === n) {
      log(`reusing the ground truth ${stem}.ivecs`);
      return { ids: ids.values, distances: distances.vectors };
    }
  }
  log(`exact top-${k} of ${n} queries over ${config.count} vectors`);
  const started = performance.now();
  const source = await openVectorSource(vectorsPath);
  const tops = Array.from({ length: n }, () => new TopK(k));
  const chunkRows = Math.max(1, Math.floor((64 * MiB) / (dim * 4)));
  try {
    for (let start = 0; start < source.count; start += chunkRows) {
      const end = Math.min(source.count, start + chunkRows);
      const rows = await source.readRows(start, end);
      for (let q = 0; q < n; q++) {
        const query = queries.subarray(q * dim, (q + 1) * dim);
        const top = tops[q]!;
        for (let r = 0; r < end - start; r++) top.push(squaredL2(query, rows, r, dim), start + r);
      }
      if ((start / chunkRows) % 10 === 0) log(`  ground truth: ${end} / ${source.count}`);
    }
  } finally {
    await source.close();
  }
  const ids = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  tops.forEach((top, q) => {
    top.sorted().forEach((hit, j) => {
      ids[q * k + j] = hit.id;
      distances[q * k + j] = hit.distance;
    });
  });
  await writeFile(`${stem}.ivecs`, encodeIvecs(ids, n, k));
  await writeFile(`${stem}.fvecs`, encodeFvecs(distances, n, k));
  return { ids, distances, seconds: (performance.now() - started) / 1000 };
}

interface BuildMeasurement {
  readonly seconds: number;
  /** Peak RSS of the build's process tree, bytes (see the design decisions). */
  readonly peakTreeRssBytes: number;
  readonly sampledTreeRssBytes: number;
  readonly hwmSumBytes: number;
  /** The summary line `squash build` printed (its own `peakRssMiB` included). */
  readonly summary: Record<string, unknown>;
  /** Largest size the work directory reached on disk, bytes (sampled every 5 s). */
  readonly peakWorkBytes: number;
}

async function runBuild(config: Config, description: DatasetDescription): Promise<BuildMeasurement> {
  const args = [
    '--import',
    'tsx',
    join(repoRoot, 'scripts/cli/main.ts'),
    'build',
    '--vectors',
    join(config.data, description.files.vectors),
    ...(config.attributes
      ? [
          '--attributes',
          join(config.data, description.files.attributes),
          '--schema',
          join(config.data, description.files.schema),
        ]
      : []),
    '--partitions',
    String(config.partitions),
    '--metric',
    'l2',
    '--memory-budget',
    String(config.memoryCapBytes),
    '--work',
    config.work,
    '--threads',
    String(config.threads),
    '--out',
    config.index,
  ];
  log(`node ${args.join(' ')}`);
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    stdout += text;
  });
  let sampled = 0;
  const hwm = new Map<number, number>();
  const sample = (): void => {
    if (child.pid === undefined) return;
    const tree = processTreeRss(child.pid);
    sampled = Math.max(sampled, tree.bytes);
    for (const pid of treePids(child.pid)) {
      const peak = processPeakRssBytes(pid);
      if (peak !== undefined) hwm.set(pid, Math.max(hwm.get(pid) ?? 0, peak));
    }
  };
  let peakWork = 0;
  let sizing = false;
  const sampleWork = async (): Promise<void> => {
    if (sizing) return;
    sizing = true;
    try {
      peakWork = Math.max(peakWork, await directoryBytes(config.work));
    } finally {
      sizing = false;
    }
  };
  const rssTimer = setInterval(sample, 100);
  const workTimer = setInterval(() => void sampleWork(), 5000);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (exitCode) => done(exitCode));
  });
  clearInterval(rssTimer);
  clearInterval(workTimer);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`squash build exited with code ${code}; expected 0`);
  const lines = stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  const hwmSum = [...hwm.values()].reduce((a, b) => a + b, 0);
  return {
    seconds,
    peakTreeRssBytes: Math.max(sampled, hwmSum),
    sampledTreeRssBytes: sampled,
    hwmSumBytes: hwmSum,
    summary,
    peakWorkBytes: peakWork,
  };
}

function treePids(root: number): number[] {
  // processTreeRss walks the same /proc children; a second walk keeps that module unchanged.
  const pids: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    pids.push(pid);
    try {
      for (const tid of readdirSyncSafe(`/proc/${pid}/task`)) {
        const children = readFileSyncSafe(`/proc/${pid}/task/${tid}/children`);
        pending.push(...children.split(' ').filter(Boolean).map(Number));
      }
    } catch {
      // exited while read
    }
  }
  return pids;
}

function readdirSyncSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Bytes of the regular files under `path` (0 when it does not exist). */
async function directoryBytes(path: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(child);
    else if (entry.isFile()) {
      try {
        total += (await stat(child)).size;
      } catch {
        // removed while read
      }
    }
  }
  return total;
}

interface SearchMeasurement {
  readonly idRecall: number;
  readonly distanceRecall: number;
  readonly seconds: number;
  readonly meanPartitionsVisited: number;
  readonly options: QueryOptions;
}

/** Searches the index for the queries with the default options (plus --search-options), lazily. */
async function searchIndex(
  config: Config,
  queries: Float32Array,
  truth: GroundTruth,
  overrides: Partial<QueryOptions>,
): Promise<SearchMeasurement> {
  const { k, dim } = config;
  const n = queries.length / dim;
  const reader = await IndexReader.open(openStore(config.index));
  const compile = reader.filterCompiler();
  const prepared: ExecutorQuery[] = Array.from({ length: n }, (_, q) => ({
    vector: prepareQuery(reader.space, queries.subarray(q * dim, (q + 1) * dim)),
    filter: compile(null),
  }));
  const options: QueryOptions = { ...defaultQueryOptions, ...overrides, k };
  const partitionOptions = partitionSearchOptions(options);
  let slots = 2;
  const waiting: (() => void)[] = [];
  const started = performance.now();
  const outcomes = await executeQueries(reader.layout, prepared, options, async (p, requests) => {
    while (slots === 0) await new Promise<void>((wake) => waiting.push(wake));
    slots--;
    try {
      const data = await reader.loadPartition(p);
      return requests.map((request) => searchPartition(data, request.query, partitionOptions));
    } finally {
      slots++;
      waiting.shift()?.();
    }
  });
  const seconds = (performance.now() - started) / 1000;
  let idRecall = 0;
  let distanceRecall = 0;
  let visited = 0;
  outcomes.forEach((outcome, q) => {
    const trueIds = new Set(truth.ids.subarray(q * k, (q + 1) * k));
    const returned = outcome.hits.slice(0, k);
    idRecall += returned.filter((hit) => trueIds.has(hit.id)).length / k;
    distanceRecall += queryRecall(
      {
        returned: returned.map((hit) => Math.sqrt(hit.distance)),
        truth: Array.from(truth.distances.subarray(q * k, (q + 1) * k), Math.sqrt),
      },
      k,
    );
    visited += outcome.stats.partitionsVisited;
  });
  return {
    idRecall: idRecall / n,
    distanceRecall: distanceRecall / n,
    seconds,
    meanPartitionsVisited: visited / n,
    options,
  };
}

function log(message: string): void {
  process.stderr.write(`[build-scale ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  const dataset = await ensureDataset(config);
  const allQueries = await readFvecs(join(config.data, dataset.description.files.queries!));
  const queries = allQueries.vectors.subarray(0, config.queries * config.dim);
  const truth = await ensureGroundTruth(
    config,
    join(config.data, dataset.description.files.vectors),
    queries,
  );
  let build: BuildMeasurement | undefined;
  if (!config.skipBuild) {
    build = await runBuild(config, dataset.description);
    // The build deletes its work files after publishing; the emptied folders of the default --work go too.
    if (config.workIsDefault) await rm(config.work, { recursive: true, force: true });
  } else if (!existsSync(join(config.index, 'CURRENT'))) {
    throw new Error(`--skip-build needs a built index in ${config.index}; found no CURRENT there`);
  }
  const indexBytes = await directoryBytes(config.index);
  // The default options always; --search-options, when given, is the run the gate judges.
  const searches = [await searchIndex(config, queries, truth, {})];
  if (Object.keys(config.searchOptions).length > 0) {
    searches.push(await searchIndex(config, queries, truth, config.searchOptions));
  }
  const search = searches[searches.length - 1]!;
  const capMiB = config.memoryCapBytes / MiB;
  const peakMiB = build ? build.peakTreeRssBytes / MiB : undefined;
  const failures: string[] = [];
  if (peakMiB !== undefined && peakMiB >= capMiB) {
    failures.push(`peak RSS ${peakMiB.toFixed(0)} MiB; expected under the cap ${capMiB.toFixed(0)} MiB`);
  }
  if (search.idRecall < config.minRecall) {
    failures.push(
      `recall@${config.k} ${search.idRecall.toFixed(4)} with options ${JSON.stringify(config.searchOptions)}; expected ≥ ${config.minRecall}`,
    );
  }
  const result = {
    when: new Date().toISOString(),
    dataset: { ...dataset.description, directory: config.data, generateSeconds: dataset.seconds },
    groundTruth: { queries: queries.length / config.dim, k: config.k, seconds: truth.seconds },
    build: build && {
      partitions: config.partitions,
      attributes: config.attributes,
      threads: config.threads,
      memoryCapMiB: capMiB,
      seconds: build.seconds,
      peakTreeRssMiB: build.peakTreeRssBytes / MiB,
      sampledTreeRssMiB: build.sampledTreeRssBytes / MiB,
      hwmSumMiB: build.hwmSumBytes / MiB,
      peakWorkDirMiB: build.peakWorkBytes / MiB,
      summary: build.summary,
    },
    index: { directory: config.index, bytes: indexBytes },
    searches: searches.map((run) => ({
      options: run.options,
      recallAtK: run.idRecall,
      distanceRecallAtK: run.distanceRecall,
      meanPartitionsVisited: run.meanPartitionsVisited,
      seconds: run.seconds,
    })),
    passed: failures.length === 0,
    failures,
  };
  await mkdir(resolve(config.out, '..'), { recursive: true });
  await writeFile(config.out, `${JSON.stringify(result, null, 2)}\n`);
  const rows: [string, string][] = [
    ['vectors', `${config.count} × ${config.dim} (seed ${config.seed})`],
    ['partitions', String(config.partitions)],
    ['memory cap', `${capMiB.toFixed(0)} MiB`],
    ['build time', build ? `${build.seconds.toFixed(1)} s` : 'skipped'],
    ['peak RSS (process tree)', peakMiB === undefined ? '—' : `${peakMiB.toFixed(0)} MiB`],
    ['peak work dir', build ? `${(build.peakWorkBytes / MiB).toFixed(0)} MiB` : '—'],
    ['index size', `${(indexBytes / MiB).toFixed(0)} MiB`],
    ...searches.flatMap((run, i): [string, string][] => {
      const label = i === 0 ? 'default options' : JSON.stringify(config.searchOptions);
      return [
        [
          `recall@${config.k}, ${label}`,
          `${run.idRecall.toFixed(4)} (by distance ${run.distanceRecall.toFixed(4)})`,
        ],
        [`partitions visited, ${label}`, run.meanPartitionsVisited.toFixed(1)],
      ];
    }),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
  process.stdout.write(`wrote ${config.out}\n`);
  if (failures.length > 0) {
    process.stderr.write(`build-scale failed: ${failures.join('; ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`build-scale: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
