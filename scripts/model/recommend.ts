/**
 * Recommends a configuration for an index shape and workload: it predicts every candidate of a grid
 * (partitions P a power of two from 8 to 65,536; G 8, 16, 32, 64; tree (4, 2), (8, 2), (4, 3);
 * processor memory 1,769 / 3,008 / 5,307 / 10,240 MiB; coordinator and allocator memory 1,024 /
 * 3,008 / 10,240 MiB), drops every one that breaks a Lambda limit, and picks the cheapest per million
 * queries among those meeting the latency target; ties (within 1 %) go to the lower latency. When
 * none meets the target it picks the fastest unflagged one and says so.
 */
import type { ModelConfiguration } from './configuration.ts';
import type { Environment } from './environment.ts';
import type { LimitFlag } from './lambda-limits.ts';
import { limitFlags } from './limit-flags.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { predictQueries, type QueryPrediction } from './predict-queries.ts';
import type { AwsPrices } from './prices.ts';

export const CANDIDATES = Object.freeze({
  partitions: Array.from({ length: 14 }, (_, i) => 2 ** (i + 3)),
  processorFunctions: [8, 16, 32, 64],
  trees: [
    [4, 2],
    [8, 2],
    [4, 3],
  ] as const,
  processorMemoryMiB: [1769, 3008, 5307, 10_240],
  allocatorMemoryMiB: [1024, 3008, 10_240],
});

export interface Evaluated {
  readonly config: ModelConfiguration;
  readonly prediction: QueryPrediction;
  readonly flags: LimitFlag[];
}

export interface Recommendation {
  readonly best: Evaluated | undefined;
  readonly meetsTarget: boolean;
  readonly evaluated: number;
  /** Candidates dropped per limit code. */
  readonly flagged: Readonly<Record<string, number>>;
}

export function evaluate(
  config: ModelConfiguration,
  inputs: MeasuredInputs,
  environment: Environment,
  prices?: AwsPrices,
): Evaluated {
  const prediction = predictQueries(config, inputs, environment, prices);
  return { config, prediction, flags: limitFlags(config, inputs, prediction) };
}

export function recommend(
  base: ModelConfiguration,
  inputs: MeasuredInputs,
  environment: Environment,
  latencyTargetMs: number,
  prices?: AwsPrices,
): Recommendation {
  const flagged: Record<string, number> = {};
  let fitting: Evaluated | undefined;
  let fastest: Evaluated | undefined;
  let evaluated = 0;
  for (const partitions of CANDIDATES.partitions) {
    if (partitions > base.vectors) continue;
    for (const processorFunctions of CANDIDATES.processorFunctions) {
      for (const [treeBranching, treeDepth] of CANDIDATES.trees) {
        for (const processor of CANDIDATES.processorMemoryMiB) {
          for (const allocator of CANDIDATES.allocatorMemoryMiB) {
            const config: ModelConfiguration = {
              ...base,
              partitions,
              processorFunctions: Math.min(processorFunctions, partitions),
              treeBranching,
              treeDepth,
              memoryMiB: { coordinator: allocator, allocator, processor },
            };
            const candidate = evaluate(config, inputs, environment, prices);
            evaluated++;
            if (candidate.flags.length > 0) {
              for (const flag of candidate.flags) flagged[flag.code] = (flagged[flag.code] ?? 0) + 1;
              continue;
            }
            const { latencyMs } = candidate.prediction;
            if (!fastest || latencyMs < fastest.prediction.latencyMs) fastest = candidate;
            if (latencyMs > latencyTargetMs) continue;
            if (!fitting || better(candidate.prediction, fitting.prediction)) fitting = candidate;
          }
        }
      }
    }
  }
  return { best: fitting ?? fastest, meetsTarget: fitting !== undefined, evaluated, flagged };
}

function better(a: QueryPrediction, b: QueryPrediction): boolean {
  const cheaper = a.costPerMillionQueries < b.costPerMillionQueries * 0.99;
  const tied = Math.abs(a.costPerMillionQueries - b.costPerMillionQueries) <= b.costPerMillionQueries * 0.01;
  return cheaper || (tied && a.latencyMs < b.latencyMs);
}
