/**
 * Every Lambda limit a configuration's prediction would break, each with the figure and the limit:
 * the 6 MB synchronous payload (the search request and response; processor calls are split by the
 * code, so their size only adds calls), the account's concurrency, the 15-minute and the deployed
 * timeouts, 10 GB of memory, and index data too large for the cache of the function that loads it.
 */
import { formatBytes } from '../../functions/wire/payload-limits.ts';
import type { ModelConfiguration } from './configuration.ts';
import { allocatorBytes, partitionBytes } from './index-size.ts';
import { LAMBDA_LIMITS, type LimitFlag } from './lambda-limits.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import type { QueryPrediction } from './predict-queries.ts';

/** The share of a function's memory its index cache may use (SQUASH_CACHE_BUDGET_MIB's default). */
export const CACHE_SHARE_OF_MEMORY = 0.5;

export function limitFlags(
  config: ModelConfiguration,
  inputs: MeasuredInputs,
  prediction: QueryPrediction,
  accountConcurrency: number = LAMBDA_LIMITS.accountConcurrency,
): LimitFlag[] {
  const flags: LimitFlag[] = [];
  const limit = LAMBDA_LIMITS.payloadBytes;
  for (const [what, bytes] of [
    ['search request', prediction.bytes.request],
    ['search response', prediction.bytes.response],
  ] as const) {
    if (bytes > limit) {
      flags.push({
        code: 'payload',
        message: `the ${what} of ${config.batchSize} queries takes ${formatBytes(bytes)}, over Lambda's ${formatBytes(limit)}`,
      });
    }
  }
  if (prediction.peakConcurrency > accountConcurrency) {
    flags.push({
      code: 'concurrency',
      message: `${prediction.peakConcurrency.toFixed(0)} concurrent executions at peak, over the account's ${accountConcurrency}`,
    });
  }
  for (const role of ['coordinator', 'allocator', 'processor'] as const) {
    const ms = prediction.longestMs[role];
    const memory = config.memoryMiB[role];
    if (ms > LAMBDA_LIMITS.timeoutSeconds * 1000) {
      flags.push({
        code: 'timeout',
        message: `a ${role} invocation runs ${seconds(ms)}, over Lambda's ${LAMBDA_LIMITS.timeoutSeconds} s`,
      });
    } else if (ms > config.timeoutSeconds[role] * 1000) {
      flags.push({
        code: 'deployed-timeout',
        message: `a ${role} invocation runs ${seconds(ms)}, over its deployed timeout of ${config.timeoutSeconds[role]} s`,
      });
    }
    if (memory > LAMBDA_LIMITS.memoryMiB || memory < 128) {
      flags.push({
        code: 'memory',
        message: `${role} memory ${memory} MiB is outside Lambda's 128–${LAMBDA_LIMITS.memoryMiB} MiB`,
      });
    }
  }
  const partition = partitionBytes(config, inputs);
  const processorCache = config.memoryMiB.processor * 2 ** 20 * CACHE_SHARE_OF_MEMORY;
  if (partition > processorCache) {
    flags.push({
      code: 'partition-memory',
      message:
        `a partition object takes ${formatBytes(partition)}, over the processor's cache of ${formatBytes(processorCache)} ` +
        `(half of ${config.memoryMiB.processor} MiB): raise P or processor memory`,
    });
  }
  const stepRole = prediction.allocators > 0 ? 'allocator' : 'coordinator';
  const allocatorData = allocatorBytes(config);
  const stepCache = config.memoryMiB[stepRole] * 2 ** 20 * CACHE_SHARE_OF_MEMORY;
  if (allocatorData > stepCache) {
    flags.push({
      code: 'allocator-memory',
      message:
        `centroids and attribute codes take ${formatBytes(allocatorData)}, over the ${stepRole}'s cache of ` +
        `${formatBytes(stepCache)} (half of ${config.memoryMiB[stepRole]} MiB)`,
    });
  }
  return flags;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
