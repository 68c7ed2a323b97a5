/**
 * What one function container holds between invocations (STYLE §4: clients, config and caches at module
 * scope): the configuration, the invoker, the byte-bounded cache, how to open an index's store, and
 * the telemetry (logs, metrics, traces) code below the handler reports to. Handlers build one at module
 * scope; unit tests build their own with an in-process invoker and an in-memory store, so no test
 * shares a cache with another by accident, and with silent telemetry unless they pass one.
 */
import { LruCache } from '../shared/cache/index.ts';
import { type BlobStore, S3BlobStore } from '../shared/store/index.ts';
import type { SquashConfig } from './config.ts';
import type { CachedValue } from './index-cache.ts';
import type { Invoker } from './invoke/invoker.ts';
import { LambdaInvoker } from './invoke/lambda-invoker.ts';
import { silentTelemetry, type Telemetry } from './observability/telemetry.ts';

export interface FunctionRuntime {
  readonly config: SquashConfig;
  readonly invoker: Invoker;
  readonly cache: LruCache<CachedValue>;
  /** The store of index `name`: `s3://<bucket>/<indexPrefix><name>`. */
  indexStore(name: string): BlobStore;
  /** Log lines and metrics of the current invocation (`functions/observability`). */
  readonly telemetry: Telemetry;
  /** Invocations this container has started (the first one is a container start, not a partition load). */
  invocations: number;
}

export interface RuntimeOverrides {
  readonly invoker?: Invoker;
  readonly indexStore?: (name: string) => BlobStore;
  /** @default silent: no log or metric lines */
  readonly telemetry?: Telemetry;
}

const MIB = 1024 * 1024;

export function createRuntime(config: SquashConfig, overrides: RuntimeOverrides = {}): FunctionRuntime {
  return {
    config,
    invoker: overrides.invoker ?? new LambdaInvoker(),
    cache: new LruCache<CachedValue>(config.cacheBudgetMiB * MIB),
    indexStore:
      overrides.indexStore ??
      ((name) => new S3BlobStore({ bucket: config.bucket, prefix: `${config.indexPrefix}${name}` })),
    telemetry: overrides.telemetry ?? silentTelemetry(),
    invocations: 0,
  };
}

/** Counts an invocation; true when it is the container's first (a new execution environment). */
export function startInvocation(runtime: FunctionRuntime): boolean {
  return runtime.invocations++ === 0;
}

/** Deadline used when a handler runs without a Lambda context (tests, scripts), in ms from now. */
export const DEFAULT_TIME_BUDGET_MS = 60_000;

/** The epoch ms at which this invocation must have answered. */
export function deadlineOf(context: { getRemainingTimeInMillis?: () => number } | undefined): number {
  const remaining = context?.getRemainingTimeInMillis?.();
  return Date.now() + (remaining ?? DEFAULT_TIME_BUDGET_MS);
}
