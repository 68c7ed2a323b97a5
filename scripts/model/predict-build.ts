/**
 * The cost of building an index on Lambda (issue 13's fan-out build), from the measured build rate:
 *   compute     = N·D·buildNsPerRowDim on one vCPU, billed at the build function's memory;
 *   invocations = 1 (sample and train) + ⌈N / chunkRows⌉ (assign chunks) + P (partition builds) + 1 (publish);
 *   S3 PUTs     = the index's P + 5 objects + one shard per chunk and partition;
 *   S3 GETs     = the input read in 8 MiB ranges + every shard read once;
 *   storage     = the index's bytes per month.
 * The partition build is the longest single invocation: n_p·D·buildNsPerRowDim, flagged past 15 min.
 */
import type { ModelConfiguration } from './configuration.ts';
import { MIB_PER_VCPU } from './environment.ts';
import { indexBytes } from './index-size.ts';
import { LAMBDA_LIMITS, type LimitFlag } from './lambda-limits.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { type AwsPrices, DEFAULT_PRICES, lambdaCost } from './prices.ts';

export interface BuildOptions {
  /** Memory of a build function, MiB. @default 3008 (the compactor's) */
  readonly memoryMiB: number;
  /** Input rows per assign chunk. @default 1,000,000 */
  readonly chunkRows: number;
  /** Bytes per input row besides the float32 vector (attributes as JSON or Parquet). @default 64 */
  readonly inputAttributeBytes: number;
}

export const DEFAULT_BUILD: BuildOptions = Object.freeze({
  memoryMiB: 3008,
  chunkRows: 1_000_000,
  inputAttributeBytes: 64,
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

const RANGE_BYTES = 8 * 2 ** 20;
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
  const chunks = Math.ceil(vectors / options.chunkRows);
  const invocations = 2 + chunks + partitions;
  const longestInvocationSeconds = ((vectors / partitions) * dim * inputs.buildNsPerRowDim) / 1e9 / speed;
  const shards = chunks * partitions;
  const puts = partitions + INDEX_OBJECTS_BESIDES_PARTITIONS + shards;
  const inputBytes = vectors * (4 * dim + options.inputAttributeBytes);
  const gets = Math.ceil(inputBytes / RANGE_BYTES) + shards;
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
