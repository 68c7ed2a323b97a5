/**
 * The cost of building an index on Lambda (`squash build --on-lambda`, docs/build-on-lambda.md), from the
 * measured build rate and the staged build's tasks (shared/build/build-task.ts), with C chunks sized by the
 * builder's memory as the build sizes them (`chunkRowsFor`):
 *   compute     = N·D·buildNsPerRowDim on one vCPU, billed at the build function's memory;
 *   invocations = C (sample) + 1 (train) + C (assign) + P (encode); the driver publishes;
 *   S3 PUTs     = per task its result, C sample and C shard objects, the plan, centroids and shard counts,
 *                 the version's claim, P partition objects and 5 index objects;
 *   S3 GETs     = the input read twice (one ranged GET per chunk and pass), the samples, the centroids
 *                 per assign task, two ranges per chunk and encode task, the shard counts per encode
 *                 task, and per task the plan and a HEAD of its result;
 *   storage     = the index's bytes per month.
 * The partition build is the longest single invocation: n_p·D·buildNsPerRowDim, flagged past 15 min.
 */

import { chunkRowsFor } from '../../shared/build/staged-build.ts';
import type { ModelConfiguration } from './configuration.ts';
import { MIB_PER_VCPU } from './environment.ts';
import { indexBytes } from './index-size.ts';
import { LAMBDA_LIMITS, type LimitFlag } from './lambda-limits.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { type AwsPrices, DEFAULT_PRICES, lambdaCost } from './prices.ts';

export interface BuildOptions {
  /** Memory of a build function, MiB. @default 3008 (the compactor's) */
  readonly memoryMiB: number;
  /** Input rows per chunk. @default what the build fits in the builder's memory (`chunkRowsFor`) */
  readonly chunkRows?: number;
}

export const DEFAULT_BUILD: BuildOptions = Object.freeze({
  memoryMiB: 3008,
});

export interface BuildPrediction {
  readonly computeSeconds: number;
  readonly invocations: number;
  readonly longestInvocationSeconds: number;
  readonly puts: number;
  readonly gets: number;
  readonly indexBytes: number;
  readonly computeCost: number;
  readonly requestCost: number;
  readonly cost: number;
  readonly storagePerMonth: number;
  readonly flags: LimitFlag[];
}

/** Manifest, CURRENT, centroids, attributes, ids. */
const INDEX_OBJECTS_BESIDES_PARTITIONS = 5;

export function predictBuild(
  config: ModelConfiguration,
  inputs: MeasuredInputs,
  options: BuildOptions = DEFAULT_BUILD,
  prices: AwsPrices = DEFAULT_PRICES,
): BuildPrediction {
  const { vectors, dim, partitions } = config;
  const speed = Math.min(1, options.memoryMiB / MIB_PER_VCPU);
  const computeSeconds = (vectors * dim * inputs.buildNsPerRowDim) / 1e9 / speed;
  const chunkRows = options.chunkRows ?? chunkRowsFor(options.memoryMiB * 2 ** 20, dim, dim);
  const chunks = Math.ceil(vectors / chunkRows);
  const invocations = 2 * chunks + 1 + partitions;
  const longestInvocationSeconds = ((vectors / partitions) * dim * inputs.buildNsPerRowDim) / 1e9 / speed;
  const puts = invocations + 2 * chunks + 3 + 1 + partitions + INDEX_OBJECTS_BESIDES_PARTITIONS;
  const gets = 2 * chunks + chunks + chunks + 2 * chunks * partitions + partitions + 2 * invocations;
  const bytes = indexBytes(config, inputs);
  const computeCost = lambdaCost(prices, options.memoryMiB, computeSeconds * 1000, invocations);
  const requestCost = puts * prices.s3Put + gets * prices.s3Get;
  const flags: LimitFlag[] = [];
  if (longestInvocationSeconds > LAMBDA_LIMITS.timeoutSeconds) {
    flags.push({
      code: 'timeout',
      message: `building one partition of ${Math.round(vectors / partitions)} rows takes ${longestInvocationSeconds.toFixed(0)} s, over Lambda's ${LAMBDA_LIMITS.timeoutSeconds} s`,
    });
  }
  return {
    computeSeconds,
    invocations,
    longestInvocationSeconds,
    puts,
    gets,
    indexBytes: bytes,
    computeCost,
    requestCost,
    cost: computeCost + requestCost,
    storagePerMonth: (bytes / 1e9) * prices.s3GbMonth,
    flags,
  };
}
