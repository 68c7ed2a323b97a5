/**
 * `npm run model -- --validate`: checks the model against the local stack in one run. It starts three
 * stacks (G = 8 processor functions, G = 4, and G = 4 for the depth-2 tree), builds a seeded synthetic index (20,000 × 64, 16
 * partitions, the demo's data) into each, measures the hop (an empty Invoke and a 1 MiB one), then
 * warms every request kind (every environment the timed passes can use started beforehand; passes until
 * none starts an environment or loads cold) and times them in rounds, calibration and held-out kinds
 * alternating, so that a change in the machine's speed reaches both. Every kind's requests sample the
 * whole set of 400 queries (their partitions per query differ by subset). The inputs are fitted on the
 * calibration kinds only; the held-out kinds (other batch sizes and selectivities, trees of 2 and 4
 * allocators, G = 4 and its depth-2 tree of 20) are predicted with them and the cores the calibration
 * batches got, and compared on mean latency, invocation counts and CPU. Each row reports the
 * environments started or exited and the cold responses while it was timed (0 when the timing is
 * clean). Writes bench-results/model-validation.json and the fitted inputs to
 * bench-results/model-inputs.json.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { AttributeTable } from '../../shared/attributes/index.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import type { BlobStore } from '../../shared/store/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../shared/synthetic/index.ts';
import { type LocalStack, startLocalStack } from '../local/index.ts';
import { effectiveCores, fitOther, fitProcessor, type Observation } from './calibrate.ts';
import { configuration } from './configuration.ts';
import { localEnvironment } from './environment.ts';
import { DEFAULT_INPUTS, type MeasuredInputs } from './measured-inputs.ts';
import { predictQueries } from './predict-queries.ts';
import {
  measureHop,
  type Role,
  type Target,
  type TimedObservation,
  type Workload,
  WorkloadRun,
} from './stack-observation.ts';

const COUNT = 20_000;
const DIM = 64;
const PARTITIONS = 16;
const K = 10;
const INDEX = 'model';
/** Timed rounds; each times every kind in turn, calibration and held-out kinds alternating. */
const ROUNDS = 10;
/** Per kind and round: single-query requests, or batches (100 singles and 20 batches in all). */
const SINGLES_PER_ROUND = 10;
const BATCHES_PER_ROUND = 2;
/**
 * Environments per function: of the G = 8 stack and of the G = 4 stack for flat requests, and of the
 * G = 4 stack that runs the depth-2 tree (20 allocators and ~30 calls per processor function at once;
 * past 12 they queue). All are started before warming.
 */
const CEILING = 6;
const CEILING_TREE = 12;
/** Warm-up passes of one kind: at least, and before it is timed anyway (the table shows it). */
const MIN_WARMUP_PASSES = 3;
const MAX_WARMUP_PASSES = 60;
const MAX_SWEEPS = 5;
const log = (line: string) => process.stderr.write(`${line}\n`);

const UNFILTERED = { filter: undefined, selectivity: 1 } as const;
const CATEGORY = { filter: { category: 'red' }, selectivity: 0.1 } as const;
const exactFilter = (u: number) => ({ filter: { u: { $lt: u } }, selectivity: u }) as const;

/**
 * What the inputs are fitted on: single queries and batches with the allocator step in the
 * coordinator, and kinds that set the invocations apart from the batch size: a batch of 20 (15
 * processor calls for 20 queries) and flat trees of 3 allocators over 100 and 20 queries (each
 * allocator sending its own calls; two slice sizes, so an allocator's fixed cost is told from its
 * cost per query).
 */
const CALIBRATION: readonly Workload[] = [
  { label: 'single, unfiltered', batchSize: 1, singles: 100, ...UNFILTERED, maxAllocators: 0 },
  { label: 'single, category (10 %)', batchSize: 1, singles: 100, ...CATEGORY, maxAllocators: 0 },
  { label: 'batch 20, unfiltered', batchSize: 20, ...UNFILTERED, maxAllocators: 0 },
  { label: 'batch 200, unfiltered', batchSize: 200, ...UNFILTERED, maxAllocators: 0 },
  { label: 'batch 200, category (10 %)', batchSize: 200, ...CATEGORY, maxAllocators: 0 },
  { label: 'batch 200, u < 0.002 (exact)', batchSize: 200, ...exactFilter(0.002), maxAllocators: 0 },
  { label: 'batch 200, u < 0.005 (exact)', batchSize: 200, ...exactFilter(0.005), maxAllocators: 0 },
  { label: 'batch 100, unfiltered, 3 allocators', batchSize: 100, ...UNFILTERED, maxAllocators: 3 },
  { label: 'batch 20, unfiltered, 3 allocators', batchSize: 20, ...UNFILTERED, maxAllocators: 3 },
];

/** Configurations the fit does not see, on the calibration's stack (G = 8). */
const HELD_OUT_G8: readonly Workload[] = [
  { label: 'single, u < 0.01 (1 %)', batchSize: 1, singles: 100, ...exactFilter(0.01), maxAllocators: 0 },
  { label: 'batch 50, unfiltered', batchSize: 50, ...UNFILTERED, maxAllocators: 0 },
  { label: 'batch 400, unfiltered, 2 allocators', batchSize: 400, ...UNFILTERED, maxAllocators: 2 },
  { label: 'batch 400, category, 4 allocators', batchSize: 400, ...CATEGORY, maxAllocators: 4 },
  {
    label: 'batch 400, u < 0.002 (exact), 4 allocators',
    batchSize: 400,
    ...exactFilter(0.002),
    maxAllocators: 4,
  },
];

/** And on a second stack whose coordinator and allocators know only 4 processor functions. */
const HELD_OUT_G4: readonly Workload[] = [
  { label: 'G = 4: batch 200, u < 0.002 (exact)', batchSize: 200, ...exactFilter(0.002), maxAllocators: 0 },
  { label: 'G = 4: batch 200, unfiltered', batchSize: 200, ...UNFILTERED, maxAllocators: 0 },
];

/** On a third, G = 4 too, with the environments a depth-2 tree needs (CEILING_TREE). */
const HELD_OUT_TREE: readonly Workload[] = [
  { label: 'G = 4: batch 100, unfiltered, 20 allocators', batchSize: 100, ...UNFILTERED, maxAllocators: 20 },
];

/** The machine's load while timing: load average and the share of core 0 that was busy. */
interface LoadSample {
  readonly atMs: number;
  readonly loadAverage: number;
  /** Busy and total jiffies of cpu0 so far (/proc/stat), to take differences of. */
  readonly cpu0: { readonly busy: number; readonly total: number } | undefined;
}

function loadSample(): LoadSample {
  let cpu0: LoadSample['cpu0'];
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('cpu0 '));
    const fields = line!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((s, x) => s + x, 0);
    cpu0 = { busy: total - fields[3]! - fields[4]!, total };
  } catch {
    cpu0 = undefined;
  }
  return { atMs: performance.now(), loadAverage: loadavg()[0]!, cpu0 };
}

export interface ValidationRow {
  readonly label: string;
  readonly stack: string;
  readonly predicted: { latencyMs: number; allocators: number; processorInvocations: number };
  readonly measured: { latencyMs: number; allocators: number; processorInvocations: number };
  /** Predicted over measured mean latency, minus one. */
  readonly latencyError: number;
  /** The median of the same requests, ms (for comparison: under others' load it is below the mean). */
  readonly medianLatencyMs: number;
  /** Partitions a query visited (Σ partitionsVisited / queries). */
  readonly visitsPerQuery: number;
  /** Processor CPU per request (predicted handler time against measured CPU). */
  readonly processorMs: { predicted: number; measured: number };
  /** CPU per request of every other process (coordinator, allocators, host, client). */
  readonly otherMs: { predicted: number; measured: number };
  /** Measured CPU over wall time: the cores the stack got while this row ran. */
  readonly coresUsed: number;
  /** Predicted over measured CPU of every process, minus one: the work model's error alone. */
  readonly cpuError: number;
  /** Environments started and exited while the row was timed, and cold responses (0: all warm). */
  readonly environmentsStarted: number;
  readonly environmentsExited: number;
  readonly coldInTimed: number;
  readonly requests: number;
  readonly roundLatencyMs: readonly number[];
  readonly cpuByRoleMs: Readonly<Record<Role, number>>;
}

export async function validate(options: { readonly out: string; readonly cores: number }): Promise<void> {
  const { out, cores } = options;
  const data = generateDataset({ count: COUNT, dim: DIM, seed: 1 });
  const queries = generateQueries({ count: 400, dim: DIM, seed: 2, fromDataset: { seed: 1 } });
  const wire = Array.from({ length: queries.count }, (_, q) => {
    const vector = queries.vectors.subarray(q * DIM, (q + 1) * DIM);
    return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
  });
  const cdkOut = resolve(import.meta.dirname, '../../cdk.out');
  const attributes = new AttributeTable(SYNTHETIC_SCHEMA, COUNT, data.attributes!.columns());
  const build = (store: BlobStore) =>
    buildIndex({ vectors: data.vectors, count: COUNT, dim: DIM, attributes }, store, {
      partitions: PARTITIONS,
      bitsPerDim: 4,
      metric: 'l2',
      seed: 1,
      kmeansIterations: 20,
    });
  const base = configuration({ vectors: COUNT, dim: DIM, partitions: PARTITIONS, batchSize: 1, k: K });

  // The stacks run at once, so their request kinds can be timed in turn.
  const stacks: LocalStack[] = [];
  const rows: ValidationRow[] = [];
  /** Every timed kind's observation (without its chunks), so that a fit can be redone from the file. */
  const observed: { role: string; observation: Observation }[] = [];
  let inputs: MeasuredInputs;
  let buildMs: number;
  /** The cores the stack effectively had during calibration (fitted), used for every prediction. */
  let stackCores = cores;
  const load: LoadSample[] = [];
  try {
    // Each stack's processor and allocator functions get every environment the timed passes can
    // use (up to the ceiling) before warming, 2 at a time (the host's launch gate), rather than one
    // pass at a time: the trees' calls at once vary with the machine's load, and one more than ever
    // before would start an environment while timed.
    const g8 = await startStack(cdkOut, CEILING, undefined);
    stacks.push(g8.stack);
    const g4 = await startStack(cdkOut, CEILING, 4);
    stacks.push(g4.stack);
    const tree = await startStack(cdkOut, CEILING_TREE, 4);
    stacks.push(tree.stack);
    const started = performance.now();
    await build(g8.stack.indexStore(INDEX));
    buildMs = performance.now() - started;
    log(`built ${COUNT} × ${DIM} in ${(buildMs / 1000).toFixed(1)} s`);
    await build(g4.stack.indexStore(INDEX));
    await build(tree.stack.indexStore(INDEX));

    const hop = await measureHop(g8.stack);
    log(`invoke round trip ${hop.invokeMs.toFixed(2)} ms, ${hop.payloadMsPerMiB.toFixed(1)} ms per MiB`);
    const at = (stack: LocalStack): Target => ({ stack, index: INDEX, k: K, wire });
    const g4Base = { ...base, processorFunctions: 4 };
    const calibration = CALIBRATION.map((w) => new WorkloadRun(at(g8.stack), base, w));
    const held = [
      ...HELD_OUT_G8.map((w) => ({ run: new WorkloadRun(at(g8.stack), base, w), role: 'G = 8' })),
      ...HELD_OUT_G4.map((w) => ({ run: new WorkloadRun(at(g4.stack), g4Base, w), role: 'G = 4' })),
      ...HELD_OUT_TREE.map((w) => ({ run: new WorkloadRun(at(tree.stack), g4Base, w), role: 'G = 4' })),
    ];
    // Calibration and held-out kinds alternate, so drift in the machine's speed reaches both.
    const order: WorkloadRun[] = [];
    for (let i = 0; i < Math.max(calibration.length, held.length); i++) {
      if (calibration[i]) order.push(calibration[i]!);
      if (held[i]) order.push(held[i]!.run);
    }
    await Promise.all(
      [g8, g4, tree].map(({ stack, used, ceiling }) =>
        Promise.all(used.map((name) => stack.warm(name, ceiling))),
      ),
    );
    for (const run of order) {
      const { passes, clean } = await run.warm(MIN_WARMUP_PASSES, MAX_WARMUP_PASSES);
      log(`${run.workload.label}: ${clean ? 'warm' : 'NOT warm'} after ${passes} passes`);
    }
    // Warming one kind can add environments another kind then lands on cold: sweep until a pass over
    // every kind is clean.
    for (let sweep = 1; sweep <= MAX_SWEEPS; sweep++) {
      const unclean: string[] = [];
      for (const run of order) if (!(await run.cleanPass())) unclean.push(run.workload.label);
      log(`sweep ${sweep}: ${unclean.length === 0 ? 'every kind warm' : `not warm: ${unclean.join('; ')}`}`);
      if (unclean.length === 0) break;
    }

    for (let round = 0; round < ROUNDS; round++) {
      load.push(loadSample());
      for (const run of order) await run.time(run.passRequests > 1 ? SINGLES_PER_ROUND : BATCHES_PER_ROUND);
    }
    load.push(loadSample());

    const observations = calibration.map((run) => run.observation());
    const visits = partitionsPerQuery(observations);
    const seed: MeasuredInputs = {
      ...DEFAULT_INPUTS,
      ...hop,
      calibrationDim: DIM,
      partitionsPerQuery: visits,
      buildNsPerRowDim: (buildMs * 1e6) / (COUNT * DIM),
    };
    const processor = fitProcessor(observations, seed);
    inputs = { ...seed, ...processor };
    inputs = { ...inputs, ...fitOther(observations, inputs) };
    stackCores = effectiveCores(observations, cores);
    log(`fitted inputs: ${JSON.stringify(inputs)}; effective cores ${stackCores.toFixed(2)}`);
    for (const o of observations) {
      rows.push(compare(o, inputs, stackCores, 'calibration'));
      observed.push({ role: 'calibration', observation: withoutChunks(o) });
    }
    for (const { run, role } of held) {
      const o = run.observation();
      rows.push(compare(o, inputs, stackCores, role));
      observed.push({ role, observation: withoutChunks(o) });
    }
  } finally {
    for (const stack of stacks) await stack.stop();
  }

  console.log(
    `\nModel against the local stack (${COUNT} × ${DIM}, ${PARTITIONS} partitions, k = ${K}, ${cores} cores of which the ` +
      `stack effectively had ${stackCores.toFixed(2)}, Node ${process.version}):`,
  );
  console.table(
    rows.map((row) => ({
      configuration: row.label,
      role: row.stack,
      'mean latency predicted ms': row.predicted.latencyMs.toFixed(1),
      'measured ms': row.measured.latencyMs.toFixed(1),
      'latency error': percent(row.latencyError),
      'median ms': row.medianLatencyMs.toFixed(1),
      'visits/query': row.visitsPerQuery.toFixed(2),
      'allocators pred/meas': `${row.predicted.allocators}/${row.measured.allocators}`,
      'processor calls pred/meas': `${row.predicted.processorInvocations.toFixed(1)}/${row.measured.processorInvocations.toFixed(1)}`,
      'processor CPU ms pred/meas': `${row.processorMs.predicted.toFixed(1)}/${row.processorMs.measured.toFixed(1)}`,
      'other CPU ms pred/meas': `${row.otherMs.predicted.toFixed(1)}/${row.otherMs.measured.toFixed(1)}`,
      'CPU error': percent(row.cpuError),
      'cores used': row.coresUsed.toFixed(2),
      'allocator CPU ms': row.cpuByRoleMs.allocator.toFixed(1),
      'envs started/exited, cold (timed)': `${row.environmentsStarted}/${row.environmentsExited}, ${row.coldInTimed}`,
    })),
  );
  const busy = coreZeroBusy(load);
  const averages = load.map((sample) => sample.loadAverage);
  console.log(
    `while timed: load average ${Math.min(...averages).toFixed(1)}–${Math.max(...averages).toFixed(1)}; ` +
      `core 0 busy ${busy.map((x) => `${(x * 100).toFixed(0)} %`).join(', ')} by round (the stack's work and anyone else's)`,
  );
  const held = rows.filter((row) => row.stack !== 'calibration');
  const within = held.filter((row) => Math.abs(row.latencyError) <= 0.2).length;
  const cpuWithin = held.filter((row) => Math.abs(row.cpuError) <= 0.2).length;
  console.log(
    `held-out configurations within 20 % of measured mean latency: ${within} of ${held.length}; ` +
      `of measured CPU: ${cpuWithin} of ${held.length}`,
  );
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'model-inputs.json'), `${JSON.stringify(inputs, null, 2)}\n`);
  await writeFile(
    join(out, 'model-validation.json'),
    `${JSON.stringify({ node: process.version, cores, effectiveCores: stackCores, count: COUNT, dim: DIM, partitions: PARTITIONS, rounds: ROUNDS, load, coreZeroBusy: busy, inputs, rows, observations: observed }, null, 2)}\n`,
  );
  console.log(`wrote ${join(out, 'model-inputs.json')} and ${join(out, 'model-validation.json')}`);
}

/**
 * A local stack whose processor and allocator functions keep up to `ceiling` environments each, none
 * reaped within the run, and whose invocations queued at a ceiling wait for a free environment rather
 * than getting a throwaway one after 2 s (either would start environments while timed). With
 * `processors`, the coordinator and allocator route partition p to the first that many processor
 * functions only. `used`: the functions a request can invoke with concurrency, to start beforehand.
 */
async function startStack(
  cdkOut: string,
  ceiling: number,
  processors: number | undefined,
): Promise<{ stack: LocalStack; used: string[]; ceiling: number }> {
  const routed = new Set<string>();
  const stack = await startLocalStack({
    cdkOut,
    synth: 'if-stale',
    warm: 1,
    capacity: { maxEnvironmentsPerFunction: ceiling, idleTimeoutMs: 4 * 3_600_000, queueTimeoutMs: 600_000 },
    onLog: () => {},
    functionOverrides: (fn) => {
      const list = fn.environment?.SQUASH_PROCESSOR_FUNCTIONS;
      if (list === undefined || processors === undefined) return fn;
      const first = list.split(',').slice(0, processors);
      for (const name of first) routed.add(name);
      return { ...fn, environment: { ...fn.environment, SQUASH_PROCESSOR_FUNCTIONS: first.join(',') } };
    },
  });
  const names = stack.functions.map((fn) => fn.name);
  const allocators = names.filter((name) => /allocator/i.test(name));
  const used = [
    ...allocators,
    ...names.filter((name) => /processor/i.test(name) && (processors === undefined || routed.has(name))),
  ];
  if (allocators.length !== 1 || used.length !== 1 + (processors ?? 8)) {
    throw new Error(
      `expected 1 allocator and ${processors ?? 8} routed processor functions, found ${used.join(', ')}`,
    );
  }
  return { stack, used, ceiling };
}

/**
 * Partitions an unfiltered query visits, over every unfiltered calibration kind's queries (each kind
 * samples the whole query set).
 */
function partitionsPerQuery(observations: readonly Observation[]): number {
  const unfiltered = observations.filter((o) => o.config.selectivity >= 1);
  const queries = unfiltered.reduce((sum, o) => sum + o.config.batchSize, 0);
  return unfiltered.reduce((sum, o) => sum + o.approximatePairs, 0) / queries;
}

function withoutChunks(o: TimedObservation): Observation {
  const { label, config, latencyMs, processorMs, cpuMs, processorInvocations, allocatorInvocations } = o;
  const { approximatePairs, exactPairs, exactQueries } = o;
  return {
    label,
    config,
    latencyMs,
    processorMs,
    cpuMs,
    processorInvocations,
    allocatorInvocations,
    approximatePairs,
    exactPairs,
    exactQueries,
  };
}

/** Share of core 0's time that was busy between consecutive samples. */
function coreZeroBusy(load: readonly LoadSample[]): number[] {
  const shares: number[] = [];
  for (let i = 1; i < load.length; i++) {
    const a = load[i - 1]!.cpu0;
    const b = load[i]!.cpu0;
    if (a && b && b.total > a.total) shares.push((b.busy - a.busy) / (b.total - a.total));
  }
  return shares;
}

/**
 * Predicted against measured for one request kind: the mean latency (the model's max(critical path,
 * work / cores) is a mean: on a core shared with others a request's work takes work / share, and a
 * median would leave out the requests others preempted), invocations and CPU.
 */
function compare(o: TimedObservation, inputs: MeasuredInputs, cores: number, stack: string): ValidationRow {
  const p = predictQueries(o.config, inputs, localEnvironment(inputs, cores));
  return {
    label: o.label,
    stack,
    predicted: {
      latencyMs: p.latencyMs,
      allocators: p.allocators,
      processorInvocations: p.processorInvocations,
    },
    measured: {
      latencyMs: o.latencyMs,
      allocators: o.allocatorInvocations,
      processorInvocations: o.processorInvocations,
    },
    latencyError: p.latencyMs / o.latencyMs - 1,
    medianLatencyMs: o.medianLatencyMs,
    visitsPerQuery: (o.approximatePairs + o.exactPairs) / o.config.batchSize,
    processorMs: { predicted: p.billedMs.processors, measured: o.cpuMs.processor },
    otherMs: { predicted: p.workMs - p.billedMs.processors, measured: o.cpuMs.other },
    coresUsed: o.chunks.reduce((s, c) => s + c.cpuMs, 0) / o.chunks.reduce((s, c) => s + c.wallMs, 0),
    cpuError: p.workMs / (o.cpuMs.processor + o.cpuMs.other) - 1,
    environmentsStarted: o.environmentsStarted,
    environmentsExited: o.environmentsExited,
    coldInTimed: o.coldInTimed,
    requests: o.requests,
    roundLatencyMs: o.roundLatencyMs,
    cpuByRoleMs: o.cpuByRoleMs,
  };
}

function percent(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
}
