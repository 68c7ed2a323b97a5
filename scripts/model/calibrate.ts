/**
 * Turns measured requests into the model's inputs (pure; `validate.ts` measures). Work is fitted on
 * CPU time, which contention on a shared machine does not inflate as it does wall time:
 * - processor CPU per request = callMs·calls + pairMs·pairs + approximatePairMs·(approximate pairs)
 *   + filterNs·(filtered pairs × N/P) + approximateNs·(approximate rows × pruning dims)
 *   + exactNs·(exact rows × D) (pair terms scaled by D over the calibration's);
 * - every other process's CPU per request (coordinator, allocators, the Lambda host, S3 server and
 *   client) = requestMs + coordinatorQueryMs·q·(1 + tree depth) + invokeCpuMs·(allocator and processor invocations)
 *   + allocatorCallMs·allocators + resultPairMs·(query–partition results the processors return), after the allocator step's modelled operations (each tree level
 *   handles every query once more, as the coordinator does);
 * both by non-negative least squares weighted by 1/measured² (relative errors, so single queries count
 * as much as batches).
 * `effectiveCores` is the CPU the batches used over their wall time: the share of the machine the
 * stack got while it was measured (others' work on the same cores lowers it, below 1 core too).
 */
import type { ModelConfiguration } from './configuration.ts';
import { nonNegativeLeastSquares } from './least-squares.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { stepOpsPerQuery, treeFor } from './tree-sizing.ts';

/** One kind of request measured on the stack, per request (means over its repetitions). */
export interface Observation {
  readonly label: string;
  readonly config: ModelConfiguration;
  readonly latencyMs: number;
  /** Summed processor handler wall time per request (as the responses report it). */
  readonly processorMs: number;
  /** CPU per request of the processor environments, and of every other process of the stack. */
  readonly cpuMs: { readonly processor: number; readonly other: number };
  readonly processorInvocations: number;
  readonly allocatorInvocations: number;
  /** Query–partition pairs by plan (Σ partitionsVisited of the queries on each plan). */
  readonly approximatePairs: number;
  readonly exactPairs: number;
  /** Queries on the exact plan. */
  readonly exactQueries: number;
}

export function fitProcessor(
  observations: readonly Observation[],
  inputs: MeasuredInputs,
): Pick<
  MeasuredInputs,
  | 'processorCallMs'
  | 'processorPairMs'
  | 'approximatePairMs'
  | 'filterNsPerRow'
  | 'approximateNsPerRowDim'
  | 'exactNsPerRowDim'
> {
  const rows = observations.map(
    ({ config, processorInvocations, approximatePairs, exactPairs, exactQueries }) => {
      const rowsPerPartition = (config.selectivity * config.vectors) / config.partitions;
      const lowerBoundDims = Math.min(config.dim, config.pruningDims);
      const scaled = config.dim / inputs.calibrationDim;
      return [
        processorInvocations,
        (approximatePairs + exactPairs) * scaled,
        approximatePairs * scaled,
        config.selectivity < 1
          ? ((approximatePairs + exactPairs) * (config.vectors / config.partitions)) / 1e6
          : 0,
        (approximatePairs * rowsPerPartition * lowerBoundDims) / 1e6,
        (exactQueries * config.selectivity * config.vectors * config.dim) / 1e6,
      ];
    },
  );
  const targets = observations.map((o) => o.cpuMs.processor);
  const [
    processorCallMs,
    processorPairMs,
    approximatePairMs,
    filterNsPerRow,
    approximateNsPerRowDim,
    exactNsPerRowDim,
  ] = nonNegativeLeastSquares(
    rows,
    targets,
    targets.map((t) => 1 / Math.max(t, 1e-3) ** 2),
  );
  return {
    processorCallMs: processorCallMs!,
    processorPairMs: processorPairMs!,
    approximatePairMs: approximatePairMs!,
    filterNsPerRow: filterNsPerRow!,
    approximateNsPerRowDim: approximateNsPerRowDim!,
    exactNsPerRowDim: exactNsPerRowDim!,
  };
}

export function fitOther(
  observations: readonly Observation[],
  inputs: MeasuredInputs,
): Pick<
  MeasuredInputs,
  'requestMs' | 'coordinatorQueryMs' | 'invokeCpuMs' | 'allocatorCallMs' | 'resultPairMs'
> {
  const rows = observations.map((o) => [
    1,
    o.config.batchSize * (1 + (treeFor(o.config)?.depth ?? 0)),
    o.allocatorInvocations + o.processorInvocations,
    o.allocatorInvocations,
    o.approximatePairs + o.exactPairs,
  ]);
  const targets = observations.map((o) => {
    const stepMs = (o.config.batchSize * stepOpsPerQuery(o.config) * inputs.allocatorNsPerOp) / 1e6;
    return Math.max(0, o.cpuMs.other - stepMs);
  });
  const [requestMs, coordinatorQueryMs, invokeCpuMs, allocatorCallMs, resultPairMs] = nonNegativeLeastSquares(
    rows,
    targets,
    targets.map((t) => 1 / Math.max(t, 1e-3) ** 2),
  );
  return {
    requestMs: requestMs!,
    coordinatorQueryMs: coordinatorQueryMs!,
    invokeCpuMs: invokeCpuMs!,
    allocatorCallMs: allocatorCallMs!,
    resultPairMs: resultPairMs!,
  };
}

/** CPU used over wall time by the batch observations, at most `cores`. */
export function effectiveCores(observations: readonly Observation[], cores: number): number {
  let cpu = 0;
  let wall = 0;
  for (const o of observations) {
    if (o.config.batchSize <= 1) continue;
    cpu += o.cpuMs.processor + o.cpuMs.other;
    wall += o.latencyMs;
  }
  return wall > 0 && cpu > 0 ? Math.min(cores, cpu / wall) : cores;
}
