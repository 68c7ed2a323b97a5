/**
 * Lambda's limits a configuration can break, and the flag the model raises for each. Sources: the
 * Lambda quotas page (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): 6 MB
 * synchronous request and response, 1,000 concurrent executions per account and region by default (a
 * soft quota), 900 s timeout, 10,240 MiB memory. The payload limit is the one the functions enforce
 * (`functions/wire/payload-limits.ts`).
 */
import { LAMBDA_PAYLOAD_LIMIT_BYTES } from '../../functions/wire/payload-limits.ts';

export const LAMBDA_LIMITS = Object.freeze({
  payloadBytes: LAMBDA_PAYLOAD_LIMIT_BYTES,
  accountConcurrency: 1000,
  timeoutSeconds: 900,
  memoryMiB: 10_240,
});

export type LimitCode =
  | 'payload'
  | 'concurrency'
  | 'timeout'
  | 'deployed-timeout'
  | 'memory'
  | 'partition-memory'
  | 'allocator-memory';

export interface LimitFlag {
  readonly code: LimitCode;
  /** What is over which limit, with both figures. */
  readonly message: string;
}
