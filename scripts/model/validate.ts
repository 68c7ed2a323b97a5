/**
 * `npm run model -- --validate`: checks the model against the local stack in one run. It builds a
 * seeded synthetic index (20,000 × 64, 16 partitions, the demo's data) into the stack's bucket,
 * measures the model's inputs there (the hop of an empty Invoke and of a 1 MiB one; the processor and
 * request costs fitted over calibration requests, all with the allocator step in the coordinator), then
 * runs configurations the calibration did not see (allocator trees of 2 and 4 nodes, other batch sizes
 * and selectivities; then, on a second stack, G = 4 processor functions and a depth-2 tree of 20) and
 * prints predicted against measured latency, invocation counts and CPU, with the error. Writes bench-results/model-validation.json and
 * the fitted inputs to bench-results/model-inputs.json.
 *
 * Every figure is warm (see `stack-observation.ts`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AttributeTable } from '../../shared/attributes/index.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import type { BlobStore } from '../../shared/store/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../shared/synthetic/index.ts';
import { startLocalStack } from '../local/index.ts';
import { effectiveCores, fitOther, fitProcessor, type Observation } from './calibrate.ts';
import { configuration } from './configuration.ts';
import { localEnvironment } from './environment.ts';
import { DEFAULT_INPUTS, type MeasuredInputs } from './measured-inputs.ts';
import { predictQueries } from './predict-queries.ts';
import { measureHop, observe, type Workload } from './stack-observation.ts';

const COUNT = 20_000;
const DIM = 64;
const PARTITIONS = 16;
const K = 10;
const INDEX = 'model';
const log = (line: string) => process.stderr.write(`${line}\n`);

export interface ValidationRow {
  readonly label: string;
  readonly stack: string;
  readonly predicted: { latencyMs: number; allocators: number; processorInvocations: number };
  readonly measured: { latencyMs: number; allocators: number; processorInvocations: number };
  readonly latencyError: number;
  /** Processor CPU per request (predicted handler time against measured CPU). */
  readonly processorMs: { predicted: number; measured: number };
  /** CPU per request of every other process (coordinator, allocators, host, client). */
  readonly otherMs: { predicted: number; measured: number };
  /** Measured CPU over wall time: the cores the stack got while this row ran. */
  readonly coresUsed: number;
  /** Predicted over measured CPU of every process, minus one: the work model's error alone. */
  readonly cpuError: number;
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

  let stack = await startLocalStack({ cdkOut, synth: 'if-stale', warm: 1, onLog: () => {} });
  const rows: ValidationRow[] = [];
  let inputs: MeasuredInputs;
  let buildMs: number;
  /** The cores the stack effectively had during calibration (fitted), used for every prediction. */
  let stackCores = cores;
  try {
    const started = performance.now();
    await build(stack.indexStore(INDEX));
    buildMs = performance.now() - started;
    log(`built ${COUNT} × ${DIM} in ${(buildMs / 1000).toFixed(1)} s`);

    const hop = await measureHop(stack);
    log(`invoke round trip ${hop.invokeMs.toFixed(2)} ms, ${hop.payloadMsPerMiB.toFixed(1)} ms per MiB`);
    const calibration: Workload[] = [
      {
        label: 'single, unfiltered',
        batchSize: 1,
        singles: 100,
        filter: undefined,
        selectivity: 1,
        maxAllocators: 0,
      },
      {
        label: 'single, category (10 %)',
        batchSize: 1,
        singles: 100,
        filter: { category: 'red' },
        selectivity: 0.1,
        maxAllocators: 0,
      },
      { label: 'batch 200, unfiltered', batchSize: 200, filter: undefined, selectivity: 1, maxAllocators: 0 },
      {
        label: 'batch 200, category (10 %)',
        batchSize: 200,
        filter: { category: 'red' },
        selectivity: 0.1,
        maxAllocators: 0,
      },
      {
        label: 'batch 200, u < 0.002 (exact)',
        batchSize: 200,
        filter: { u: { $lt: 0.002 } },
        selectivity: 0.002,
        maxAllocators: 0,
      },
      {
        label: 'batch 200, u < 0.005 (exact)',
        batchSize: 200,
        filter: { u: { $lt: 0.005 } },
        selectivity: 0.005,
        maxAllocators: 0,
      },
    ];
    const observations: Observation[] = [];
    for (const workload of calibration)
      observations.push(await observe({ stack, index: INDEX, k: K, wire }, base, workload));
    const visits = observations[0]!.approximatePairs;
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
    for (const o of observations) rows.push(compare(o, inputs, stackCores, 'calibration'));

    const checks: Workload[] = [
      {
        label: 'single, u < 0.01 (1 %)',
        batchSize: 1,
        singles: 100,
        filter: { u: { $lt: 0.01 } },
        selectivity: 0.01,
        maxAllocators: 0,
      },
      { label: 'batch 50, unfiltered', batchSize: 50, filter: undefined, selectivity: 1, maxAllocators: 0 },
      {
        label: 'batch 400, unfiltered, 2 allocators',
        batchSize: 400,
        filter: undefined,
        selectivity: 1,
        maxAllocators: 2,
      },
      {
        label: 'batch 400, category, 4 allocators',
        batchSize: 400,
        filter: { category: 'red' },
        selectivity: 0.1,
        maxAllocators: 4,
      },
      {
        label: 'batch 400, u < 0.002 (exact), 4 allocators',
        batchSize: 400,
        filter: { u: { $lt: 0.002 } },
        selectivity: 0.002,
        maxAllocators: 4,
      },
    ];
    for (const workload of checks)
      rows.push(
        compare(
          await observe({ stack, index: INDEX, k: K, wire }, base, workload),
          inputs,
          stackCores,
          'G = 8',
        ),
      );
  } finally {
    await stack.stop();
  }

  // G = 4: the coordinator and allocator route partition p to the first 4 processor functions only.
  // Up to 24 environments per function (2 by default): a depth-2 tree's level-1 allocators wait on
  // their children, which would otherwise queue behind them on the host (Lambda has no such queue).
  stack = await startLocalStack({
    cdkOut,
    warm: 1,
    capacity: { maxEnvironmentsPerFunction: 24 },
    onLog: () => {},
    functionOverrides: (fn) => {
      const list = fn.environment?.SQUASH_PROCESSOR_FUNCTIONS;
      if (list === undefined) return fn;
      const four = list.split(',').slice(0, 4).join(',');
      return { ...fn, environment: { ...fn.environment, SQUASH_PROCESSOR_FUNCTIONS: four } };
    },
  });
  try {
    await build(stack.indexStore(INDEX));
    const g4 = { ...base, processorFunctions: 4 };
    for (const workload of [
      {
        label: 'G = 4: batch 200, u < 0.002 (exact)',
        batchSize: 200,
        filter: { u: { $lt: 0.002 } },
        selectivity: 0.002,
        maxAllocators: 0,
      },
      {
        label: 'G = 4: batch 200, unfiltered',
        batchSize: 200,
        filter: undefined,
        selectivity: 1,
        maxAllocators: 0,
      },
      {
        label: 'G = 4: batch 100, unfiltered, 20 allocators',
        batchSize: 100,
        filter: undefined,
        selectivity: 1,
        maxAllocators: 20,
      },
    ] satisfies Workload[]) {
      rows.push(
        compare(
          await observe({ stack, index: INDEX, k: K, wire }, g4, workload),
          inputs,
          stackCores,
          'G = 4',
        ),
      );
    }
  } finally {
    await stack.stop();
  }

  console.log(
    `\nModel against the local stack (${COUNT} × ${DIM}, ${PARTITIONS} partitions, k = ${K}, ${cores} cores of which the ` +
      `stack effectively had ${stackCores.toFixed(2)}, Node ${process.version}):`,
  );
  console.table(
    rows.map((row) => ({
      configuration: row.label,
      role: row.stack,
      'latency predicted ms': row.predicted.latencyMs.toFixed(1),
      'latency measured ms': row.measured.latencyMs.toFixed(1),
      'latency error': percent(row.latencyError),
      'allocators pred/meas': `${row.predicted.allocators}/${row.measured.allocators}`,
      'processor calls pred/meas': `${row.predicted.processorInvocations.toFixed(1)}/${row.measured.processorInvocations.toFixed(1)}`,
      'processor CPU ms pred/meas': `${row.processorMs.predicted.toFixed(1)}/${row.processorMs.measured.toFixed(1)}`,
      'other CPU ms pred/meas': `${row.otherMs.predicted.toFixed(1)}/${row.otherMs.measured.toFixed(1)}`,
      'CPU error': percent(row.cpuError),
      'cores used': row.coresUsed.toFixed(2),
    })),
  );
  const held = rows.filter((row) => row.stack !== 'calibration');
  const within = held.filter((row) => Math.abs(row.latencyError) <= 0.2).length;
  const cpuWithin = held.filter((row) => Math.abs(row.cpuError) <= 0.2).length;
  console.log(
    `held-out configurations within 20 % of measured latency: ${within} of ${held.length}; ` +
      `of measured CPU: ${cpuWithin} of ${held.length}`,
  );
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'model-inputs.json'), `${JSON.stringify(inputs, null, 2)}\n`);
  await writeFile(
    join(out, 'model-validation.json'),
    `${JSON.stringify({ node: process.version, cores, effectiveCores: stackCores, count: COUNT, dim: DIM, partitions: PARTITIONS, inputs, rows }, null, 2)}\n`,
  );
  console.log(`wrote ${join(out, 'model-inputs.json')} and ${join(out, 'model-validation.json')}`);
}

function compare(o: Observation, inputs: MeasuredInputs, cores: number, stack: string): ValidationRow {
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
    processorMs: { predicted: p.billedMs.processors, measured: o.cpuMs.processor },
    otherMs: { predicted: p.workMs - p.billedMs.processors, measured: o.cpuMs.other },
    coresUsed: (o.cpuMs.processor + o.cpuMs.other) / o.latencyMs,
    cpuError: p.workMs / (o.cpuMs.processor + o.cpuMs.other) - 1,
  };
}

function percent(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
}
