/**
 * The modelled AWS cost of a request, from what the response's stats measured: Lambda compute
 * (milliseconds × memory × price per GB-second, each invocation rounded up to a whole ms as Lambda
 * bills), Lambda requests, and S3 GETs (two range GETs per partition load, three objects per index
 * open). Prices are parameters; defaults are the published us-east-1 arm64 list prices of 2026.
 */
export interface Prices {
  /** USD per GB-second of arm64 Lambda compute. @default 0.0000133334 */
  readonly lambdaGbSecond: number;
  /** USD per Lambda request. @default 0.0000002 ($0.20 per million) */
  readonly lambdaRequest: number;
  /** USD per S3 GET. @default 0.0000004 ($0.40 per million) */
  readonly s3Get: number;
}

export const defaultPrices: Prices = {
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.0000002,
  s3Get: 0.0000004,
};

export interface MemorySizes {
  readonly coordinatorMiB: number;
  readonly allocatorMiB: number;
  readonly processorMiB: number;
}

export interface RequestUsage {
  readonly coordinatorMs: number;
  readonly allocatorMs: number;
  readonly processorMs: number;
  readonly allocatorInvocations: number;
  readonly processorInvocations: number;
  /** Partition loads (processor cache misses). */
  readonly partitionLoads: number;
}

export function requestCost(
  usage: RequestUsage,
  memory: MemorySizes,
  prices: Prices = defaultPrices,
): number {
  const gbSeconds =
    ((usage.coordinatorMs + 1) * memory.coordinatorMiB +
      (usage.allocatorMs + usage.allocatorInvocations) * memory.allocatorMiB +
      (usage.processorMs + usage.processorInvocations) * memory.processorMiB) /
    1024 /
    1000;
  const requests = 1 + usage.allocatorInvocations + usage.processorInvocations;
  return (
    gbSeconds * prices.lambdaGbSecond +
    requests * prices.lambdaRequest +
    usage.partitionLoads * 2 * prices.s3Get
  );
}
