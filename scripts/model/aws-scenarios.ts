/**
 * The AWS figures docs/cost-model.md publishes: for 1 M, 10 M, 100 M and 1 B vectors of 768
 * dimensions (a common embedding size), single-query requests (10 in flight) and batches of 100 (one
 * at a time), a one-attribute filter passing 10 % of the rows and warm processors, the recommended configuration
 * (cheapest under the latency target) and the stack's defaults with P = 64, with everything they
 * break. Pure: the same inputs give the same figures, so a test keeps the doc's tables in step.
 */
import { configuration, type ModelConfiguration } from './configuration.ts';
import { awsEnvironment } from './environment.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { type BuildPrediction, predictBuild } from './predict-build.ts';
import type { AwsPrices } from './prices.ts';
import { type Evaluated, evaluate, type Recommendation, recommend } from './recommend.ts';

export interface Scenario {
  readonly vectors: readonly number[];
  readonly dim: number;
  readonly batchSizes: readonly number[];
  readonly selectivity: number;
  /** Requests in flight at once, per batch size (peak concurrency). */
  readonly concurrentRequests: (batchSize: number) => number;
  /** Latency target of the recommendation, ms, per batch size. */
  readonly latencyTargetMs: (batchSize: number) => number;
}

export const DOC_SCENARIO: Scenario = Object.freeze({
  vectors: [1e6, 1e7, 1e8, 1e9],
  dim: 768,
  batchSizes: [1, 100],
  selectivity: 0.1,
  concurrentRequests: (batchSize: number) => (batchSize === 1 ? 10 : 1),
  latencyTargetMs: (batchSize: number) => (batchSize === 1 ? 100 : 1000),
});

export interface ScenarioRow {
  readonly vectors: number;
  readonly batchSize: number;
  readonly latencyTargetMs: number;
  readonly recommended: Recommendation;
  readonly build: BuildPrediction | undefined;
  /** The stack's defaults (G 8, tree (4, 2), 1,024 / 1,024 / 1,769 MiB) with P = 64. */
  readonly defaults: Evaluated;
}

export function baseConfiguration(
  scenario: Scenario,
  vectors: number,
  batchSize: number,
): ModelConfiguration {
  return configuration({
    vectors,
    dim: scenario.dim,
    partitions: 64,
    batchSize,
    selectivity: scenario.selectivity,
    concurrentRequests: scenario.concurrentRequests(batchSize),
  });
}

export function scenarioRows(scenario: Scenario, inputs: MeasuredInputs, prices?: AwsPrices): ScenarioRow[] {
  const environment = awsEnvironment();
  const rows: ScenarioRow[] = [];
  for (const vectors of scenario.vectors) {
    for (const batchSize of scenario.batchSizes) {
      const base = baseConfiguration(scenario, vectors, batchSize);
      const latencyTargetMs = scenario.latencyTargetMs(batchSize);
      const recommended = recommend(base, inputs, environment, latencyTargetMs, prices);
      rows.push({
        vectors,
        batchSize,
        latencyTargetMs,
        recommended,
        build: recommended.best
          ? predictBuild(recommended.best.config, inputs, undefined, prices)
          : undefined,
        defaults: evaluate(base, inputs, environment, prices),
      });
    }
  }
  return rows;
}
