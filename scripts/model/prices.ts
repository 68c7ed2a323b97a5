/**
 * AWS list prices the model charges (US East, N. Virginia; arm64 Lambda; S3 Standard), as parameters.
 * Defaults are the published list prices when written (the first pricing tier of each); the same Lambda
 * and GET figures as `scripts/demo/cost-model.ts`, which prices one measured request.
 * Sources: https://aws.amazon.com/lambda/pricing/ and https://aws.amazon.com/s3/pricing/.
 */
export interface AwsPrices {
  /** USD per GB-second of arm64 Lambda compute (first 7.5 B GB-s a month). @default 0.0000133334 */
  readonly lambdaGbSecond: number;
  /** USD per Lambda invocation. @default 0.0000002 ($0.20 per million) */
  readonly lambdaRequest: number;
  /** USD per S3 GET or HEAD (Standard). @default 0.0000004 ($0.40 per million) */
  readonly s3Get: number;
  /** USD per S3 PUT, COPY, POST or LIST (Standard). @default 0.000005 ($5 per million) */
  readonly s3Put: number;
  /** USD per GB-month of S3 Standard storage (first 50 TB). @default 0.023 */
  readonly s3GbMonth: number;
}

export const DEFAULT_PRICES: AwsPrices = Object.freeze({
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.0000002,
  s3Get: 0.0000004,
  s3Put: 0.000005,
  s3GbMonth: 0.023,
});

/**
 * Lambda's charge for `invocations` invocations of `memoryMiB` that ran `ms` in total: GB-seconds (GB
 * of 1,024 MiB) plus the request price. Lambda rounds each invocation up to a whole ms; the model adds
 * half a ms per invocation for it.
 */
export function lambdaCost(prices: AwsPrices, memoryMiB: number, ms: number, invocations: number): number {
  const billedSeconds = (ms + 0.5 * invocations) / 1000;
  return (memoryMiB / 1024) * billedSeconds * prices.lambdaGbSecond + invocations * prices.lambdaRequest;
}
