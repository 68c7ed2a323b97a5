/**
 * `npm run bench:peers`: squash beside its peers in one run, on the same data, queries and filters —
 * Fashion-MNIST (60,000 × 784) and siftsmall (10,000 × 128) at no filter / 10 % / 1 % / 0.1 %:
 *
 * - squash in process (`LocalSearch`): the defaults (batch, and one query per call), and every setting
 *   of a small grid (the best one at each recall target is reported, as `npm run bench` does);
 * - FAISS (Debian's python3-faiss, installed here with apt-get when `import faiss` fails): HNSW (M 32,
 *   efSearch swept) and IVF-SQ8 (nlist ≈ 4√N, nprobe swept), filtered through an IDSelector in the
 *   search parameters, and HNSW with a larger k and post-filtering (see scripts/bench/faiss-runner.py);
 * - the exact scan of the matching rows known in advance, twice: the row ids of each filter are
 *   computed outside the timing and the timed part is brute force over those rows only. "grouped" gives
 *   the queries that share rows squash's own two-queries-at-a-time kernel over those rows gathered into
 *   one block (so squash cannot win on a kernel the baseline lacks; it is also the ground truth,
 *   recall@10 against the exact filtered top 10, scripts/bench/recall.ts); "one query at a time" is the
 *   issue's baseline, each query alone over its rows (`scanRows`).
 *
 * squash is timed through `LocalSearch.search`, as a user calls it: every timed call validates its
 * vectors and looks its filters up in the index's filter cache (`shared/index/filter-cache.ts`), which
 * keeps a compiled filter, and the rows the exact plan found for it, across calls. What a filter new to
 * the index costs is measured beside it: the defaults once more with every call compiling its filters
 * and finding their rows itself ("new filter each call").
 *
 * Recall of every method is computed here, from the returned ids and exact distances, with the same
 * code; every returned id is checked against its filter. Each sweep point is timed once over all
 * queries, repeated until `--min-seconds` have passed (FAISS's in the Python child, which sweeps a data
 * set after squash and stays up to time points again on request). The points reported — the
 * known-rows scans, the squash defaults, and the `CANDIDATES` fastest swept squash and FAISS points of
 * each method at each recall target — are then re-timed the same way, interleaved in the same
 * `RETIMINGS` rounds, and their medians reported (`retimed`; the sweep figure stays as `sweepQps`); the
 * best median at a target is the method's figure there. Prints a Markdown table of queries/s at
 * recall ≥ 0.95 and ≥ 0.99 with the ratios, writes bench-results/peers.json and one recall–queries/s plot
 * per workload (bench-results/peers-<dataset>-<filter>.svg). Never gates CI on time.
 *
 * Meant to run on one core: `taskset -c 0 npm run bench:peers -- [--queries 1000] [--min-seconds 0.5]
 * [--datasets fashion-mnist,siftsmall] [--no-faiss] [--out bench-results]`. The Python child is
 * pinned with `taskset -c 0` in any case and runs FAISS with one OpenMP thread.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { readIvecs, writeFvecs } from '../../shared/data/index.ts';
import { FilterCache } from '../../shared/index/filter-cache.ts';
import { LocalSearch, type SearchQuery, type SearchResult } from '../../shared/index/local-search.ts';
import { prepareQuery } from '../../shared/metric.ts';
import { createRng } from '../../shared/random.ts';
import { blockStride, rowStart, scanBlock } from '../../shared/search/block-scan/block-scan.ts';
import { squaredL2 } from '../../shared/search/distance.ts';
import type { QueryOptions } from '../../shared/search/query-executor.ts';
import { scanRows } from '../../shared/search/row-scan.ts';
import { TopK } from '../../shared/search/top-k.ts';
import { cacheRoot } from './cached-index.ts';
import {
  fashionMnistClasses,
  fashionMnistIndex,
  loadFashionMnist,
  uniformAttribute,
} from './fashion-mnist.ts';
import { type PlotPoint, recallQpsSvg } from './peer-plot.ts';
import { queryRecall } from './recall.ts';
import { siftCategories, siftsmallPeers } from './siftsmall-peers.ts';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '1000' },
    'min-seconds': { type: 'string', default: '0.5' },
    datasets: { type: 'string', default: 'fashion-mnist,siftsmall' },
    'no-faiss': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-results' },
  },
});
const maxQueries = Number(values.queries);
const minSeconds = Number(values['min-seconds']);
const datasetNames = values.datasets!.split(',');
const k = 10;
const targets = [0.95, 0.99] as const;
const dataDir = process.env.SQUASH_DATA_DIR ?? join(import.meta.dirname, '../../../shared/data');
const imagesDir = process.env.SQUASH_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const wallStart = performance.now();

/** One filter of one data set: the rows each query may return, known in advance. */
interface Workload {
  readonly dataset: string;
  /** `none`, `10%`, `1%`, `0.1%`. */
  readonly filterName: string;
  readonly description: string;
  /** Nominal share of rows matching (1 = no filter). */
  readonly selectivity: number;
  /** Allowed row ids per filter group, ascending. */
  readonly groups: readonly Uint32Array[];
  /** The group of each query; -1 = no filter. */
  readonly queryGroup: Int32Array;
  /** The same filter in squash's filter language. */
  readonly filter: (q: number) => unknown;
}

interface Dataset {
  readonly name: string;
  readonly base: Float32Array;
  readonly count: number;
  readonly dim: number;
  /** The queries used (the first `queryCount` of the set). */
  readonly queries: Float32Array;
  readonly queryCount: number;
  readonly search: LocalSearch;
  readonly workloads: readonly Workload[];
}

interface Point {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly qps: number;
  readonly recall: number;
  /** Returned hits that do not satisfy the query's filter. */
  readonly violations: number;
  /** squash defaults only: queries/s with one query per call (the batch figure is `qps`). */
  readonly singleQps?: number;
  /** squash defaults with a filter: batch queries/s when every call's filter is new to the index. */
  readonly newFilterQps?: number;
  /** Re-timed points: the sweep's figure, and the interleaved re-timings whose median is `qps`. */
  readonly sweepQps?: number;
  readonly retimedQps?: number[];
}

function rowsWhere(count: number, test: (row: number) => boolean): Uint32Array {
  const rows: number[] = [];
  for (let i = 0; i < count; i++) if (test(i)) rows.push(i);
  return Uint32Array.from(rows);
}

function query(data: Dataset, q: number): Float32Array {
  return data.queries.subarray(q * data.dim, (q + 1) * data.dim);
}

/** Runs `run` (all queries) until `minSeconds` have passed; queries/s and the first run's result. */
async function timed<T>(run: () => T | Promise<T>, count: number): Promise<{ qps: number; first: T }> {
  const start = performance.now();
  const first = await run();
  let rounds = 1;
  while (performance.now() - start < minSeconds * 1000) {
    await run();
    rounds++;
  }
  return { qps: (rounds * count) / ((performance.now() - start) / 1000), first };
}

async function loadFashion(): Promise<Dataset> {
  const data = await loadFashionMnist(imagesDir, dataDir);
  const u = uniformAttribute(data.count);
  const queryCount = Math.min(maxQueries, data.queryCount);
  const classes = fashionMnistClasses.map((_, c) => rowsWhere(data.count, (i) => data.labels[i] === c));
  const search = await LocalSearch.open(await fashionMnistIndex(data));
  const none = new Int32Array(queryCount).fill(-1);
  const uniform = (filterName: string, below: number): Workload => ({
    dataset: 'fashion-mnist',
    filterName,
    description: `uniform attribute u < ${below}`,
    selectivity: below,
    groups: [rowsWhere(data.count, (i) => u[i]! < below)],
    queryGroup: new Int32Array(queryCount),
    filter: () => ({ u: { $lt: below } }),
  });
  return {
    name: 'fashion-mnist',
    base: data.base,
    count: data.count,
    dim: data.dim,
    queries: data.queries.subarray(0, queryCount * data.dim),
    queryCount,
    search,
    workloads: [
      {
        dataset: 'fashion-mnist',
        filterName: 'none',
        description: 'no filter',
        selectivity: 1,
        groups: [],
        queryGroup: none,
        filter: () => undefined,
      },
      {
        dataset: 'fashion-mnist',
        filterName: '10%',
        description: "the query's class label",
        selectivity: 0.1,
        groups: classes,
        queryGroup: Int32Array.from({ length: queryCount }, (_, q) => data.queryLabels[q]!),
        filter: (q) => ({ label: fashionMnistClasses[data.queryLabels[q]!]! }),
      },
      uniform('1%', 0.01),
      uniform('0.1%', 0.001),
    ],
  };
}

async function loadSift(): Promise<Dataset> {
  const { base, queries, u, cat, store } = await siftsmallPeers(dataDir);
  const count = base.n;
  const dim = base.dim;
  const queryRng = createRng(99);
  const queryCount = Math.min(maxQueries, queries.n);
  const queryCat = Int32Array.from({ length: queryCount }, () => queryRng.int(siftCategories.length));
  const uniform = (filterName: string, below: number): Workload => ({
    dataset: 'siftsmall',
    filterName,
    description: `uniform attribute u < ${below}`,
    selectivity: below,
    groups: [rowsWhere(count, (i) => u[i]! < below)],
    queryGroup: new Int32Array(queryCount),
    filter: () => ({ u: { $lt: below } }),
  });
  return {
    name: 'siftsmall',
    base: base.vectors,
    count,
    dim,
    queries: queries.vectors.subarray(0, queryCount * dim),
    queryCount,
    search: await LocalSearch.open(store),
    workloads: [
      {
        dataset: 'siftsmall',
        filterName: 'none',
        description: 'no filter',
        selectivity: 1,
        groups: [],
        queryGroup: new Int32Array(queryCount).fill(-1),
        filter: () => undefined,
      },
      {
        dataset: 'siftsmall',
        filterName: '10%',
        description: 'a seeded category attribute (10 categories), one per query',
        selectivity: 0.1,
        groups: siftCategories.map((_, c) => rowsWhere(count, (i) => cat[i] === c)),
        queryGroup: queryCat,
        filter: (q) => ({ cat: siftCategories[queryCat[q]!]! }),
      },
      uniform('1%', 0.01),
      uniform('0.1%', 0.001),
    ],
  };
}

/**
 * Brute force over each query's known rows (all rows for no filter), with squash's own exact kernels:
 * the queries that share a group of rows (a filter value) are scanned together over those rows gathered
 * into one block, two queries against four rows at a time (`scanBlock`, as squash's in-process exact
 * plan does), each sum stopped once it passes the query's k-th best. The blocks and the grouped queries
 * are made here, outside the timing: only the scan is timed. Returns, per query, its k distances.
 */
function knownRowsScanner(data: Dataset, workload: Workload): () => number[][] {
  const dim = data.dim;
  const byGroup = new Map<number, number[]>();
  for (let q = 0; q < data.queryCount; q++) {
    const group = workload.queryGroup[q]!;
    const members = byGroup.get(group);
    if (members) members.push(q);
    else byGroup.set(group, [q]);
  }
  const scans = [...byGroup].map(([group, members]) => {
    const rows = group < 0 ? identity(data.count) : workload.groups[group]!;
    // Laid out as the kernel reads it; the timed scan copies it into the kernel's memory.
    const stride = blockStride(dim);
    const laidOut = new Float32Array(Math.ceil(rows.length / 4) * 4 * stride);
    for (const [i, row] of rows.entries()) {
      const to = rowStart(i, stride);
      for (let j = 0; j < dim; j++) laidOut[to + 4 * j] = data.base[row * dim + j]!;
    }
    const block = { ids: rows, dim, write: (vectors: Float32Array) => vectors.set(laidOut) };
    const queries = members.map((q) => query(data, q));
    return { members, block, queries };
  });
  const order = identity(dim);
  return () => {
    const distances: number[][] = new Array(data.queryCount);
    for (const { members, block, queries } of scans) {
      const answers = scanBlock(block, queries, order, k);
      members.forEach((q, i) => {
        distances[q] = answers[i]!.map((hit) => Math.sqrt(hit.distance));
      });
    }
    return distances;
  };
}

/**
 * The baseline: each query alone over its known rows (`scanRows`, four rows at a time, each sum
 * stopped once it passes the k-th best), rows and queries in their own order; none unfiltered (the
 * grouped scan is the brute force there). Returns, per query, its k distances.
 */
function oneQueryScanner(data: Dataset, workload: Workload): (() => number[][]) | undefined {
  if (workload.selectivity >= 1) return undefined;
  const top = new TopK(k);
  return () => {
    const distances: number[][] = new Array(data.queryCount);
    for (let q = 0; q < data.queryCount; q++) {
      const rows = workload.groups[workload.queryGroup[q]!]!;
      scanRows(query(data, q), data.base, data.dim, rows, rows.length, rows, top.reset(k));
      distances[q] = top.sorted().map((hit) => Math.sqrt(hit.distance));
    }
    return distances;
  };
}

function identity(count: number): Uint32Array {
  return Uint32Array.from({ length: count }, (_, i) => i);
}

/** Recall@10 (exact distances of the returned ids) and filter violations of one method's answers. */
function score(
  data: Dataset,
  workload: Workload,
  masks: readonly Uint8Array[],
  truth: readonly number[][],
  idsOf: (q: number) => ArrayLike<number>,
): { recall: number; violations: number } {
  let recall = 0;
  let violations = 0;
  for (let q = 0; q < data.queryCount; q++) {
    const group = workload.queryGroup[q]!;
    const returned: number[] = [];
    const ids = idsOf(q);
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j]!;
      if (id < 0) continue;
      if (group >= 0 && !masks[group]![id]) violations++;
      returned.push(Math.sqrt(squaredL2(query(data, q), data.base, id, data.dim)));
    }
    recall += queryRecall({ returned, truth: truth[q]! }, k);
  }
  return { recall: recall / data.queryCount, violations };
}

/** The small grid (as in `npm run bench`, narrowed for run time, plus two deeper settings for 0.99). */
const grid: Partial<QueryOptions>[] = [
  ...[1.1, 1.2, 1.3].flatMap((partitionFactor) =>
    [2, 4, 8].flatMap((rerank) =>
      [5, 10].flatMap((matchesFactor) =>
        [16, 32].map((pruningDims) => ({ partitionFactor, rerank, matchesFactor, pruningDims })),
      ),
    ),
  ),
  ...[1.5, 2].flatMap((partitionFactor) =>
    [8, 16].map((rerank) => ({ partitionFactor, rerank, matchesFactor: 10, pruningDims: 32 })),
  ),
];

/** squash's sweep of one workload: its points, and `run` to search all queries again with a setting. */
interface SquashSweep {
  readonly points: Point[];
  readonly run: (options: Partial<QueryOptions>) => Promise<unknown>;
}

async function squashPoints(
  data: Dataset,
  workload: Workload,
  masks: readonly Uint8Array[],
  truth: readonly number[][],
): Promise<SquashSweep> {
  const queries = Array.from({ length: data.queryCount }, (_, q) => ({
    vector: query(data, q),
    filter: workload.filter(q),
  }));
  const points: Point[] = [];
  for (const [i, options] of [{}, ...grid].entries()) {
    await data.search.search(queries.slice(0, 50), { k, ...options }); // warm-up
    const { qps, first } = await timed(() => data.search.search(queries, { k, ...options }), data.queryCount);
    const measured = score(data, workload, masks, truth, (q) => first[q]!.hits.map((hit) => hit.id));
    if (i > 0) {
      points.push({ method: 'squash grid', params: options, qps, ...measured });
      continue;
    }
    const single = await timed(async () => {
      for (const one of queries) await data.search.search([one], { k, ...options });
    }, data.queryCount);
    const newFilter =
      workload.selectivity < 1
        ? await timed(newFilterCall(data, queries, options), data.queryCount)
        : undefined;
    if (newFilter && JSON.stringify(newFilter.first) !== JSON.stringify(first)) {
      throw new Error(`${data.name} ${workload.filterName}: a filter new to the index changed the answers`);
    }
    points.push({
      method: 'squash defaults',
      params: options,
      qps,
      singleQps: single.qps,
      newFilterQps: newFilter?.qps,
      ...measured,
    });
  }
  return { points, run: (options) => data.search.search(queries, { k, ...options }) };
}

/**
 * A batch call whose filters are new to the index: the call compiles them itself (each distinct filter
 * once, as the index's filter cache does on a miss) and the exact plan finds their rows again, which a
 * compiled filter the cache kept would have brought along. Its vectors are validated by the same
 * `prepareQuery` as `search`'s, but each into a new array rather than the search's reused slots.
 */
function newFilterCall(
  data: Dataset,
  queries: readonly SearchQuery[],
  options: Partial<QueryOptions>,
): () => Promise<SearchResult[]> {
  const { search } = data;
  return () => {
    const filters = new FilterCache((json) => search.reader.compileFilter(json));
    const prepared = queries.map(({ vector, filter }) => ({
      vector: prepareQuery(search.space, vector),
      filter: filters.compile(filter),
    }));
    return search.searchPrepared(prepared, { k, ...options });
  };
}

/**
 * The sweep times each setting once, so the best of 41 noisy timings would flatter squash (many settings
 * do the same work), and speed drifts between the phases of a run. The known-rows scan, the squash
 * defaults and the squash and FAISS points chosen at each recall target are timed again, interleaved:
 * `RETIMINGS` rounds, each timing every point once in a fixed order; their medians replace the sweep
 * figures.
 */
const RETIMINGS = 5;

/** `timings` times one point (all queries) and gives its queries/s. */
async function retimed(points: readonly Point[], timings: ReadonlyMap<Point, () => Promise<number>>) {
  const samples = new Map<Point, number[]>([...timings.keys()].map((point) => [point, []]));
  for (let round = 0; round < RETIMINGS; round++) {
    for (const [point, time] of timings) samples.get(point)!.push(await time());
  }
  return points.map((point): Point => {
    const qps = samples.get(point);
    if (!qps) return point;
    const sorted = [...qps].sort((a, b) => a - b);
    return { ...point, qps: sorted[sorted.length >> 1]!, sweepQps: point.qps, retimedQps: qps };
  });
}

/** Debian's interpreter, where python3-faiss installs (a pyenv `python3` on PATH would not see it). */
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function apt(args: string[]): void {
  execFileSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * Makes `import faiss` work, installing Debian's python3-faiss when it does not, with OpenBLAS: Debian's
 * default reference BLAS makes FAISS' k-means (IVF training) and its batched coarse quantizer several
 * times slower than any FAISS user would see.
 */
function ensureFaiss(): boolean {
  const probe = () => {
    try {
      execFileSync(python, ['-c', 'import faiss'], { stdio: 'ignore' });
      return (
        existsSync('/usr/lib/x86_64-linux-gnu/openblas-pthread') ||
        existsSync('/usr/lib/aarch64-linux-gnu/openblas-pthread')
      );
    } catch {
      return false;
    }
  };
  if (probe()) return true;
  console.error(
    `${python} cannot import faiss or OpenBLAS is missing: installing with 'apt-get install -y python3-faiss libopenblas0-pthread'`,
  );
  const packages = ['install', '-y', 'python3-faiss', 'libopenblas0-pthread'];
  try {
    apt(packages);
  } catch {
    apt(['update']);
    apt(packages);
  }
  return probe();
}

function writeInt32Npy(path: string, values: Int32Array): Promise<void> {
  let header = `{'descr': '<i4', 'fortran_order': False, 'shape': (${values.length},), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64);
  header += '\n';
  const prefix = new Uint8Array(10 + header.length);
  prefix.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(prefix.buffer).setUint16(8, header.length, true);
  prefix.set(new TextEncoder().encode(header), 10);
  const bytes = new Uint8Array(prefix.length + values.byteLength);
  bytes.set(prefix);
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), prefix.length);
  return writeFile(path, bytes);
}

interface FaissOutput {
  readonly faissVersion: string;
  readonly selector: string | null;
  readonly nlist: number;
  readonly builds: Record<string, number | boolean>;
  readonly points: {
    method: string;
    workload: string;
    params: Record<string, number>;
    qps: number;
    ids: string;
  }[];
}

/** A FAISS child after its sweep: its points, and the child still up to time them again. */
interface Faiss {
  readonly points: Map<Workload, Point[]>;
  readonly info: Omit<FaissOutput, 'points'>;
  /** Times a sweep point again in the child, as the sweep timed it (all queries): queries/s. */
  readonly retime: (workload: Workload, point: Point) => Promise<number>;
  /** Ends the child (it exits at the end of its stdin) and removes its files. */
  readonly close: () => Promise<void>;
}

const faissMethods = ['faiss-hnsw', 'faiss-hnsw-postfilter', 'faiss-ivf-sq8'] as const;

const workloadName = (workload: Workload) => workload.filterName.replace('%', 'pct');

async function startFaiss(
  data: Dataset,
  masks: Map<Workload, readonly Uint8Array[]>,
  truths: Map<Workload, readonly number[][]>,
): Promise<Faiss> {
  const dir = await mkdtemp(join(tmpdir(), `squash-peers-${data.name}-`));
  const job = await writeFaissJob(data, dir).catch(async (error) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const runner = join(import.meta.dirname, 'faiss-runner.py');
  const [command, args] = existsSync('/usr/bin/taskset')
    ? ['taskset', ['-c', '0', python, runner, job]]
    : [python, [runner, job]];
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  const exited = new Promise((resolve) => {
    child.on('close', resolve);
    child.on('error', resolve);
  });
  child.stdin.on('error', () => {}); // a child gone is reported by its missing answer
  const close = async () => {
    child.stdin.end();
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const answer = async () => {
    const line = await lines.next();
    if (line.done)
      throw new Error('faiss-runner.py closed its output; expected an answer (its error is above)');
    return line.value;
  };
  try {
    const { points: raw, ...info } = JSON.parse(await answer()) as FaissOutput;
    const points = new Map<Workload, Point[]>();
    for (const point of raw) {
      const workload = data.workloads.find((w) => workloadName(w) === point.workload)!;
      const ids = await readIvecs(point.ids);
      const measured = score(data, workload, masks.get(workload)!, truths.get(workload)!, (q) =>
        ids.values.subarray(q * ids.dim, (q + 1) * ids.dim),
      );
      const list = points.get(workload) ?? [];
      list.push({ method: point.method, params: point.params, qps: point.qps, ...measured });
      points.set(workload, list);
    }
    const retime = async (workload: Workload, point: Point) => {
      const request = { workload: workloadName(workload), method: point.method, params: point.params };
      child.stdin.write(`${JSON.stringify(request)}\n`);
      return (JSON.parse(await answer()) as { qps: number }).qps;
    };
    return { points, info, retime, close };
  } catch (error) {
    child.kill();
    await close();
    throw error;
  }
}

/** Writes the vectors, the workloads' rows and the job of faiss-runner.py into `dir`; the job's path. */
async function writeFaissJob(data: Dataset, dir: string): Promise<string> {
  await writeFvecs(join(dir, 'base.fvecs'), data.base, data.count, data.dim);
  await writeFvecs(join(dir, 'queries.fvecs'), data.queries, data.queryCount, data.dim);
  const workloads = [];
  for (const workload of data.workloads) {
    const name = workloadName(workload);
    const offsets = new Int32Array(workload.groups.length + 1);
    for (const [g, group] of workload.groups.entries()) offsets[g + 1] = offsets[g]! + group.length;
    const groups = new Int32Array(offsets[workload.groups.length]!);
    for (const [g, group] of workload.groups.entries()) groups.set(group, offsets[g]!);
    await writeInt32Npy(join(dir, `${name}.groups.npy`), groups);
    await writeInt32Npy(join(dir, `${name}.offsets.npy`), offsets);
    await writeInt32Npy(join(dir, `${name}.query-groups.npy`), workload.queryGroup);
    workloads.push({
      name,
      selectivity: workload.selectivity,
      groups: join(dir, `${name}.groups.npy`),
      offsets: join(dir, `${name}.offsets.npy`),
      queryGroups: join(dir, `${name}.query-groups.npy`),
    });
  }
  const job = {
    base: join(dir, 'base.fvecs'),
    queries: join(dir, 'queries.fvecs'),
    k,
    cacheDir: join(cacheRoot, 'faiss'),
    key: `${data.name}-${data.count}x${data.dim}`,
    minSeconds,
    outDir: dir,
    serve: true,
    workloads,
  };
  await writeFile(join(dir, 'job.json'), JSON.stringify(job));
  return join(dir, 'job.json');
}

/** Highest queries/s among the points at or above the recall target (undefined when none reaches it). */
function bestAt(points: readonly Point[], target: number): Point | undefined {
  return candidatesAt(points, target, 1)[0];
}

/**
 * The `count` fastest points at or above the recall target by their swept figure: each was timed once,
 * and several settings of a method often do about the same work, so the fastest sweep timing is partly
 * luck; the candidates are all re-timed and the best median wins.
 */
function candidatesAt(points: readonly Point[], target: number, count: number): Point[] {
  return points
    .filter((p) => p.recall >= target)
    .sort((a, b) => b.qps - a.qps)
    .slice(0, count);
}

/** Points of each method re-timed at each recall target. */
const CANDIDATES = 2;

/** One workload's sweep on the Node side: the known-rows scans and squash. */
interface Sweep {
  readonly scans: readonly { readonly point: Point; readonly run: () => unknown }[];
  readonly squash: SquashSweep;
}

/** All points of one workload, the reported ones re-timed (FAISS's in its child). */
async function retimeWorkload(
  data: Dataset,
  workload: Workload,
  sweep: Sweep,
  faiss?: Faiss,
): Promise<Point[]> {
  const { scans, squash } = sweep;
  const faissPoints = faiss?.points.get(workload) ?? [];
  const timeOf = (run: () => unknown) => async () => (await timed(run, data.queryCount)).qps;
  // Unfiltered, the scans are a brute force over the whole set (no target compares with it): not re-timed.
  const timings = new Map(
    workload.selectivity < 1 ? scans.map(({ point, run }) => [point, timeOf(run)] as const) : [],
  );
  const defaults = squash.points.find((p) => p.method === 'squash defaults');
  for (const point of [defaults, ...targets.flatMap((t) => candidatesAt(squash.points, t, CANDIDATES))]) {
    if (point)
      timings.set(
        point,
        timeOf(() => squash.run(point.params)),
      );
  }
  for (const method of faissMethods) {
    const swept = faissPoints.filter((p) => p.method === method);
    for (const point of targets.flatMap((t) => candidatesAt(swept, t, CANDIDATES))) {
      timings.set(point, () => faiss!.retime(workload, point));
    }
  }
  return retimed([...scans.map(({ point }) => point), ...squash.points, ...faissPoints], timings);
}

interface Row {
  readonly dataset: string;
  readonly filter: string;
  readonly description: string;
  readonly matchingRowsPerQuery: number;
  readonly points: Point[];
}

const useFaiss = !values['no-faiss'] && ensureFaiss();
if (!values['no-faiss'] && !useFaiss) console.error('FAISS unavailable: running without it');
const rows: Row[] = [];
const faissInfo: Record<string, unknown> = {};
for (const name of datasetNames) {
  const started = performance.now();
  const data =
    name === 'fashion-mnist' ? await loadFashion() : name === 'siftsmall' ? await loadSift() : undefined;
  if (!data) throw new Error(`unknown data set ${name}; expected fashion-mnist or siftsmall`);
  console.error(`${name}: loaded, index ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const masks = new Map<Workload, readonly Uint8Array[]>();
  const truths = new Map<Workload, readonly number[][]>();
  const swept = new Map<Workload, Sweep>();
  for (const workload of data.workloads) {
    const groupMasks = workload.groups.map((rows) => {
      const mask = new Uint8Array(data.count);
      for (const row of rows) mask[row] = 1;
      return mask;
    });
    masks.set(workload, groupMasks);
    // The exact scans of the rows known in advance: the grouped one is also the ground truth.
    const scans = [];
    for (const [method, run] of [
      ['known-rows scan', knownRowsScanner(data, workload)],
      ['known-rows scan, one query at a time', oneQueryScanner(data, workload)],
    ] as const) {
      if (run === undefined) continue;
      const scan = await timed(run, data.queryCount);
      if (!truths.has(workload)) truths.set(workload, scan.first);
      else if (JSON.stringify(scan.first) !== JSON.stringify(truths.get(workload))) {
        throw new Error(`${name} ${workload.filterName}: the two known-rows scans disagree`);
      }
      scans.push({ point: { method, params: {}, qps: scan.qps, recall: 1, violations: 0 }, run });
    }
    swept.set(workload, {
      scans,
      squash: await squashPoints(data, workload, groupMasks, truths.get(workload)!),
    });
    console.error(`${name} ${workload.filterName}: squash and known-rows scan swept`);
  }
  const faiss = useFaiss ? await startFaiss(data, masks, truths) : undefined;
  try {
    if (faiss) faissInfo[name] = faiss.info;
    for (const workload of data.workloads) {
      const points = await retimeWorkload(data, workload, swept.get(workload)!, faiss);
      console.error(`${name} ${workload.filterName}: re-timed`);
      const matching =
        workload.queryGroup.reduce((sum, g) => sum + (g < 0 ? data.count : workload.groups[g]!.length), 0) /
        data.queryCount;
      rows.push({
        dataset: name,
        filter: workload.filterName,
        description: workload.description,
        matchingRowsPerQuery: matching,
        points,
      });
    }
  } finally {
    await faiss?.close();
  }
  Object.assign(faissInfo, { [`${name}Queries`]: data.queryCount });
}

// Summary: queries/s at each recall target per method; HNSW is the better of its two filter strategies.
const oneQueryScan = 'known-rows scan, one query at a time';
const methods = ['squash defaults', 'squash', ...faissMethods, 'known-rows scan', oneQueryScan];
const summary = rows.map((row) => {
  const of = (method: string) =>
    row.points.filter((p) =>
      method === 'squash'
        ? p.method === 'squash grid' || p.method === 'squash defaults'
        : p.method === method,
    );
  // Only re-timed figures are compared, never one sweep timing (the unfiltered scan is not re-timed).
  const compared = (method: string) =>
    of(method).filter((p) => p.retimedQps || p.method.startsWith('known-rows scan'));
  const at = Object.fromEntries(
    methods.map((method) => [
      method,
      Object.fromEntries(targets.map((t) => [t, bestAt(compared(method), t)?.qps])),
    ]),
  ) as Record<string, Record<number, number | undefined>>;
  const hnsw = (t: number) => {
    const values = [at['faiss-hnsw']![t], at['faiss-hnsw-postfilter']![t]].filter((v) => v !== undefined);
    return values.length > 0 ? Math.max(...values) : undefined;
  };
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : undefined);
  const defaults = row.points.find((p) => p.method === 'squash defaults')!;
  return {
    dataset: row.dataset,
    filter: row.filter,
    matchingRowsPerQuery: row.matchingRowsPerQuery,
    defaults: {
      qps: defaults.qps,
      singleQps: defaults.singleQps,
      newFilterQps: defaults.newFilterQps,
      recall: defaults.recall,
      violations: defaults.violations,
    },
    qpsAtRecall: at,
    violations: Object.fromEntries(
      methods.map((m) => [m, of(m).reduce((sum, p) => sum + p.violations, 0)]),
    ) as Record<string, number>,
    ratios: Object.fromEntries(
      targets.map((t) => [
        t,
        {
          squashOverHnsw: ratio(at.squash![t], hnsw(t)),
          squashOverKnownRowsScan: ratio(at.squash![t], at['known-rows scan']![t]),
          squashOverOneQueryScan: ratio(at.squash![t], at[oneQueryScan]![t]),
        },
      ]),
    ),
  };
});

const fmt = (v: number | undefined) => (v === undefined ? 'never' : Math.round(v).toLocaleString('en-US'));
const fx = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(2)}×`);
const lines = [
  '| workload | squash defaults q/s (recall) | one per call q/s | new filter each call q/s | squash ≥0.95 | squash ≥0.99 | HNSW sel ≥0.95 | HNSW sel ≥0.99 | HNSW post ≥0.95 | HNSW post ≥0.99 | IVF-SQ8 ≥0.95 | IVF-SQ8 ≥0.99 | known-rows scan, grouped | one query at a time | squash/HNSW 0.95 | 0.99 | squash/grouped scan 0.95 | 0.99 | squash/one-query scan 0.95 |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...summary.map((s) => {
    const a = s.qpsAtRecall;
    const post = (t: number) =>
      s.filter === 'none' || s.filter === '0.1%' ? '–' : fmt(a['faiss-hnsw-postfilter']![t]);
    const cells = [
      `${s.dataset}, ${s.filter} (${Math.round(s.matchingRowsPerQuery).toLocaleString('en-US')} rows)`,
      `${fmt(s.defaults.qps)} (${s.defaults.recall.toFixed(3)})`,
      fmt(s.defaults.singleQps),
      s.filter === 'none' ? '–' : fmt(s.defaults.newFilterQps),
      fmt(a.squash![0.95]),
      fmt(a.squash![0.99]),
      fmt(a['faiss-hnsw']![0.95]),
      fmt(a['faiss-hnsw']![0.99]),
      post(0.95),
      post(0.99),
      fmt(a['faiss-ivf-sq8']![0.95]),
      fmt(a['faiss-ivf-sq8']![0.99]),
      fmt(a['known-rows scan']![0.95]),
      s.filter === 'none' ? '–' : fmt(a[oneQueryScan]![0.95]),
      fx(s.ratios[0.95]!.squashOverHnsw),
      fx(s.ratios[0.99]!.squashOverHnsw),
      fx(s.ratios[0.95]!.squashOverKnownRowsScan),
      fx(s.ratios[0.99]!.squashOverKnownRowsScan),
      fx(s.ratios[0.95]!.squashOverOneQueryScan),
    ];
    return `| ${cells.join(' | ')} |`;
  }),
];
console.log(
  `k = ${k}, recall@10 against the exact filtered top 10, one core (Node ${process.version}); squash = best of defaults + ${grid.length}-setting grid; ` +
    'HNSW sel/post = FAISS HNSW M 32 with an IDSelector / with k′ = m·k/selectivity and post-filtering (squash/HNSW uses the better); "never" = no swept setting reaches that recall',
);
console.log(lines.join('\n'));
const totalViolations = summary.reduce(
  (sum, s) => sum + Object.values(s.violations).reduce((a, b) => a + b, 0),
  0,
);
console.log(`filter violations over all returned hits of all methods: ${totalViolations}`);

await mkdir(values.out!, { recursive: true });
for (const row of rows) {
  const steps = new Map<string, number>();
  const plotPoints: PlotPoint[] = row.points.map((p) => {
    const method = p.method;
    const step = steps.get(method) ?? 0;
    steps.set(method, step + 1);
    return { method, recall: p.recall, qps: p.qps, step };
  });
  const file = join(values.out!, `peers-${row.dataset}-${row.filter.replace('%', 'pct')}.svg`);
  await writeFile(file, await recallQpsSvg(`${row.dataset}, ${row.description}`, plotPoints));
}
const wallSeconds = (performance.now() - wallStart) / 1000;
const file = join(values.out!, 'peers.json');
await writeFile(
  file,
  `${JSON.stringify({ k, node: process.version, minSeconds, wallSeconds, grid, faiss: faissInfo, summary, rows }, null, 2)}\n`,
);
console.log(
  `wrote ${file} and ${rows.length} plots (peers-*.svg) in ${values.out}; wall time ${wallSeconds.toFixed(0)} s`,
);
