/**
 * Resolves `SearchStackProps` into complete, validated settings: every default is applied here and
 * written once in `STACK_DEFAULTS`, and every bad value fails synth with an `InvalidInputError` naming
 * the setting, what it held and what was expected.
 *
 * The function-level defaults that the handlers also know (index prefix, tree shape, invoke timeout,
 * batch limit, compaction threshold, retention period) come from `functions/config.ts`, so the stack
 * and the handlers cannot disagree.
 */
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CONFIG_DEFAULTS, CONFIG_LIMITS } from '../functions/config.ts';
import { InvalidInputError } from '../shared/errors/index.ts';
import type {
  AlarmSettings,
  BuilderSettings,
  CompactorSettings,
  FunctionSettings,
  SearchStackProps,
} from './search-stack-props.ts';
import { LOG_LEVELS, type LogLevel } from './telemetry.ts';

/** The roles of the search path (the compactor is sized apart, see `CompactorRoleSettings`). */
export type FunctionRole = 'coordinator' | 'allocator' | 'processor';

export interface RoleSettings {
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  /** 0 when off. */
  readonly provisionedConcurrency: number;
  readonly cacheBudgetMiB: number;
}

export interface CompactorRoleSettings {
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  /** undefined: none (the account's unreserved pool). */
  readonly reservedConcurrency: number | undefined;
}

/** The builder's sizing (`BuilderSettings`), resolved. */
export type BuilderRoleSettings = CompactorRoleSettings;

export interface AlarmThresholds {
  readonly errors: number;
  readonly throttles: number;
  readonly timeoutPercent: number;
  readonly searchLatencyP99Ms: number;
  readonly missingPartitions: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  /** undefined: no alarm action. */
  readonly topicArn: string | undefined;
}

export interface SearchSettings {
  readonly indexPrefix: string;
  readonly processorFunctions: number;
  readonly roles: Readonly<Record<FunctionRole, RoleSettings>>;
  readonly compactor: CompactorRoleSettings;
  readonly builder: BuilderRoleSettings;
  /** Buckets the builder may read inputs from. */
  readonly buildInputBuckets: readonly string[];
  readonly compactAfterRows: number;
  readonly retentionSeconds: number;
  readonly treeBranching: number;
  readonly treeDepth: number;
  readonly invokeTimeoutMs: number;
  readonly maxBatch: number;
  readonly urlAuthType: FunctionUrlAuthType;
  readonly corsAllowedOrigins: readonly string[];
  readonly bucketRemovalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  readonly metrics: boolean;
  readonly tracing: boolean;
  readonly alarms: AlarmThresholds;
}

export const STACK_DEFAULTS = {
  indexPrefix: CONFIG_DEFAULTS.indexPrefix,
  processorFunctions: 8,
  memoryMiB: { coordinator: 1024, allocator: 1024, processor: 1769 },
  /** Each caller outlives what it calls (see `checkTimeoutsNest`). */
  timeoutSeconds: { coordinator: 90, allocator: 60, processor: 10 },
  provisionedConcurrency: 0,
  /** Share of a function's memory its index cache may use. */
  cacheShareOfMemory: 0.5,
  treeBranching: CONFIG_DEFAULTS.treeBranching,
  treeDepth: CONFIG_DEFAULTS.treeDepth,
  invokeTimeoutMs: CONFIG_DEFAULTS.invokeTimeoutMs,
  maxBatch: CONFIG_DEFAULTS.maxBatch,
  compactor: { memoryMiB: 3008, timeoutSeconds: 900, reservedConcurrency: 1 },
  /** See `BuilderSettings` for why. */
  builder: { memoryMiB: 3008, timeoutSeconds: 900, reservedConcurrency: 'none' as number | 'none' },
  buildInputBuckets: [] as readonly string[],
  compactAfterRows: CONFIG_DEFAULTS.compactAfterRows,
  retentionSeconds: CONFIG_DEFAULTS.retentionSeconds,
  urlAuthType: FunctionUrlAuthType.AWS_IAM,
  corsAllowedOrigins: [] as readonly string[],
  bucketRemovalPolicy: RemovalPolicy.RETAIN,
  logRetention: RetentionDays.ONE_MONTH,
  logLevel: 'INFO' as LogLevel,
  metrics: true,
  tracing: false,
  alarms: {
    errors: 1,
    throttles: 1,
    timeoutPercent: 90,
    searchLatencyP99Ms: 5000,
    missingPartitions: 1,
    periodSeconds: 300,
    evaluationPeriods: 1,
  },
} as const;

/**
 * Limits of the settings: memory and timeout are Lambda's (10,240 MiB, 15 minutes); the tree and batch
 * limits match what `loadConfig` accepts. Lambda's 6 MB payload limit is enforced per request by the
 * functions (`functions/wire/payload-limits.ts`), since it depends on k, the dimension and the schema.
 */
export const LIMITS = {
  // Seven resources each (function, role, policy, log group, three alarms): 64 fit in CloudFormation's 500.
  processorFunctions: [1, 64],
  memoryMiB: [128, 10_240],
  timeoutSeconds: [1, 900],
  reservedConcurrency: [1, 100_000],
  provisionedConcurrency: [0, 100_000],
  treeBranching: [1, 64],
  treeDepth: [1, 8],
  invokeTimeoutMs: [1, 900_000],
  maxBatch: [1, 100_000],
  compactAfterRows: [1, CONFIG_LIMITS.compactAfterRows],
  retentionSeconds: [1, CONFIG_LIMITS.retentionSeconds],
  alarmCount: [1, 1_000_000],
  timeoutPercent: [1, 100],
  searchLatencyP99Ms: [1, 900_000],
  /** CloudWatch evaluates an alarm over at most one day. */
  alarmWindowSeconds: [60, 86_400],
} as const;

export function resolveSettings(props: SearchStackProps): SearchSettings {
  const indexPrefix = props.indexPrefix ?? STACK_DEFAULTS.indexPrefix;
  if (!/^([^/].*\/)?$/.test(indexPrefix)) {
    throw new InvalidInputError(
      `indexPrefix is \`${indexPrefix}\`; expected empty or a key prefix ending with \`/\` and not starting with \`/\``,
    );
  }
  const roles = {
    coordinator: resolveRole('coordinator', props.coordinator),
    allocator: resolveRole('allocator', props.allocator),
    processor: resolveRole('processor', props.processor),
  };
  const invokeTimeoutMs = integer(
    'invokeTimeoutMs',
    props.invokeTimeoutMs ?? STACK_DEFAULTS.invokeTimeoutMs,
    LIMITS.invokeTimeoutMs,
  );
  checkTimeoutsNest(roles, invokeTimeoutMs);
  const retentionSeconds = integer(
    'retentionSeconds',
    props.retentionSeconds ?? STACK_DEFAULTS.retentionSeconds,
    LIMITS.retentionSeconds,
  );
  if (retentionSeconds < roles.coordinator.timeoutSeconds) {
    throw new InvalidInputError(
      `retentionSeconds is ${retentionSeconds}, below coordinator.timeoutSeconds ${roles.coordinator.timeoutSeconds}: ` +
        'a search still reading a version could find it removed; expected at least ' +
        `${roles.coordinator.timeoutSeconds}`,
    );
  }
  const corsAllowedOrigins = props.corsAllowedOrigins ?? STACK_DEFAULTS.corsAllowedOrigins;
  for (const origin of corsAllowedOrigins) {
    if (origin.trim() === '') throw new InvalidInputError('corsAllowedOrigins holds an empty origin');
  }
  return {
    indexPrefix,
    processorFunctions: integer(
      'processorFunctions',
      props.processorFunctions ?? STACK_DEFAULTS.processorFunctions,
      LIMITS.processorFunctions,
    ),
    roles,
    treeBranching: integer(
      'treeBranching',
      props.treeBranching ?? STACK_DEFAULTS.treeBranching,
      LIMITS.treeBranching,
    ),
    treeDepth: integer('treeDepth', props.treeDepth ?? STACK_DEFAULTS.treeDepth, LIMITS.treeDepth),
    invokeTimeoutMs,
    maxBatch: integer('maxBatch', props.maxBatch ?? STACK_DEFAULTS.maxBatch, LIMITS.maxBatch),
    compactor: resolveCompactor(props.compactor),
    builder: resolveBuilder(props.builder),
    buildInputBuckets: resolveInputBuckets(props.buildInputBuckets ?? STACK_DEFAULTS.buildInputBuckets),
    compactAfterRows: integer(
      'compactAfterRows',
      props.compactAfterRows ?? STACK_DEFAULTS.compactAfterRows,
      LIMITS.compactAfterRows,
    ),
    retentionSeconds,
    urlAuthType: props.urlAuthType ?? STACK_DEFAULTS.urlAuthType,
    corsAllowedOrigins,
    bucketRemovalPolicy: props.bucketRemovalPolicy ?? STACK_DEFAULTS.bucketRemovalPolicy,
    logRetention: props.logRetention ?? STACK_DEFAULTS.logRetention,
    logLevel: resolveLogLevel(props.logLevel),
    metrics: props.metrics ?? STACK_DEFAULTS.metrics,
    tracing: props.tracing ?? STACK_DEFAULTS.tracing,
    alarms: resolveAlarms(props.alarms, roles.coordinator.timeoutSeconds),
  };
}

function resolveLogLevel(logLevel: LogLevel = STACK_DEFAULTS.logLevel): LogLevel {
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new InvalidInputError(`logLevel is \`${logLevel}\`; expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return logLevel;
}

/**
 * Alarm thresholds. A latency threshold above the coordinator's timeout could never be reached (the
 * URL answers by then), so it is refused rather than deployed as an alarm that cannot fire.
 */
function resolveAlarms(settings: AlarmSettings = {}, coordinatorTimeoutSeconds: number): AlarmThresholds {
  const defaults = STACK_DEFAULTS.alarms;
  const count = (key: 'errors' | 'throttles' | 'missingPartitions') =>
    integer(`alarms.${key}`, settings[key] ?? defaults[key], LIMITS.alarmCount);
  const searchLatencyP99Ms = integer(
    'alarms.searchLatencyP99Ms',
    settings.searchLatencyP99Ms ?? defaults.searchLatencyP99Ms,
    [LIMITS.searchLatencyP99Ms[0], Math.min(LIMITS.searchLatencyP99Ms[1], coordinatorTimeoutSeconds * 1000)],
  );
  const periodSeconds = integer(
    'alarms.periodSeconds',
    settings.periodSeconds ?? defaults.periodSeconds,
    LIMITS.alarmWindowSeconds,
  );
  if (periodSeconds % 60 !== 0) {
    throw new InvalidInputError(
      `alarms.periodSeconds is ${periodSeconds}; expected a multiple of 60 (Lambda's metrics have one-minute resolution)`,
    );
  }
  const maxPeriods = LIMITS.alarmWindowSeconds[1] / periodSeconds;
  const evaluationPeriods = integer(
    'alarms.evaluationPeriods',
    settings.evaluationPeriods ?? defaults.evaluationPeriods,
    [1, maxPeriods],
  );
  const topicArn = settings.topicArn;
  // A token (a topic's ARN from the same CDK app) is checked by CloudFormation instead.
  if (
    topicArn !== undefined &&
    !Token.isUnresolved(topicArn) &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn)
  ) {
    throw new InvalidInputError(
      `alarms.topicArn is \`${topicArn}\`; expected an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)`,
    );
  }
  return {
    errors: count('errors'),
    throttles: count('throttles'),
    timeoutPercent: integer(
      'alarms.timeoutPercent',
      settings.timeoutPercent ?? defaults.timeoutPercent,
      LIMITS.timeoutPercent,
    ),
    searchLatencyP99Ms,
    missingPartitions: count('missingPartitions'),
    periodSeconds,
    evaluationPeriods,
    topicArn,
  };
}

/**
 * The tree fails cleanly from the bottom up only if every caller outlives what it calls: a processor
 * times out (Lambda's own error) before its caller gives up on the attempt, an allocator has time for an
 * attempt and its retry, and the coordinator outlives the allocators, so a hung subtree is reported in
 * the coordinator's 5xx body instead of the Function URL answering a bare 502 when the coordinator dies.
 * Allocator > processor follows: 2 × invokeTimeoutMs ≤ allocator and processor < invokeTimeoutMs.
 */
function checkTimeoutsNest(
  roles: Readonly<Record<FunctionRole, RoleSettings>>,
  invokeTimeoutMs: number,
): void {
  const seconds = (role: FunctionRole) => roles[role].timeoutSeconds;
  if (seconds('processor') * 1000 >= invokeTimeoutMs) {
    throw new InvalidInputError(
      `processor.timeoutSeconds is ${seconds('processor')} s, not below invokeTimeoutMs ${invokeTimeoutMs}: callers ` +
        `would give up on a processor before Lambda times it out; expected at most ${Math.ceil(invokeTimeoutMs / 1000) - 1} s ` +
        'or a longer invokeTimeoutMs',
    );
  }
  for (const caller of ['coordinator', 'allocator'] as const) {
    if (2 * invokeTimeoutMs > seconds(caller) * 1000) {
      throw new InvalidInputError(
        `${caller}.timeoutSeconds is ${seconds(caller)} s, too short for one invoke attempt and ` +
          `its retry at invokeTimeoutMs ${invokeTimeoutMs}; expected at least ${Math.ceil((2 * invokeTimeoutMs) / 1000)} s`,
      );
    }
  }
  if (seconds('coordinator') <= seconds('allocator')) {
    throw new InvalidInputError(
      `coordinator.timeoutSeconds is ${seconds('coordinator')} s, not above allocator.timeoutSeconds ` +
        `${seconds('allocator')} s: the coordinator must outlive the allocators to report a failed subtree; ` +
        `expected at least ${seconds('allocator') + 1} s`,
    );
  }
}

function resolveRole(role: FunctionRole, settings: FunctionSettings = {}): RoleSettings {
  const memoryMiB = integer(
    `${role}.memoryMiB`,
    settings.memoryMiB ?? STACK_DEFAULTS.memoryMiB[role],
    LIMITS.memoryMiB,
  );
  const cacheBudgetMiB = integer(
    `${role}.cacheBudgetMiB`,
    settings.cacheBudgetMiB ?? Math.floor(memoryMiB * STACK_DEFAULTS.cacheShareOfMemory),
    [1, memoryMiB - 1],
  );
  const reservedConcurrency =
    settings.reservedConcurrency === undefined
      ? undefined
      : integer(`${role}.reservedConcurrency`, settings.reservedConcurrency, LIMITS.reservedConcurrency);
  const provisionedConcurrency = integer(
    `${role}.provisionedConcurrency`,
    settings.provisionedConcurrency ?? STACK_DEFAULTS.provisionedConcurrency,
    LIMITS.provisionedConcurrency,
  );
  if (reservedConcurrency !== undefined && provisionedConcurrency > reservedConcurrency) {
    throw new InvalidInputError(
      `${role}.provisionedConcurrency is ${provisionedConcurrency}, more than its reservedConcurrency ` +
        `${reservedConcurrency}; Lambda provisions environments out of the reserved ones: expected at most ${reservedConcurrency}`,
    );
  }
  return {
    memoryMiB,
    timeoutSeconds: integer(
      `${role}.timeoutSeconds`,
      settings.timeoutSeconds ?? STACK_DEFAULTS.timeoutSeconds[role],
      LIMITS.timeoutSeconds,
    ),
    reservedConcurrency,
    provisionedConcurrency,
    cacheBudgetMiB,
  };
}

function resolveCompactor(settings: CompactorSettings = {}): CompactorRoleSettings {
  const defaults = STACK_DEFAULTS.compactor;
  const reserved = settings.reservedConcurrency ?? defaults.reservedConcurrency;
  return {
    memoryMiB: integer('compactor.memoryMiB', settings.memoryMiB ?? defaults.memoryMiB, LIMITS.memoryMiB),
    timeoutSeconds: integer(
      'compactor.timeoutSeconds',
      settings.timeoutSeconds ?? defaults.timeoutSeconds,
      LIMITS.timeoutSeconds,
    ),
    reservedConcurrency:
      reserved === 'none'
        ? undefined
        : integer('compactor.reservedConcurrency', reserved, LIMITS.reservedConcurrency),
  };
}

function resolveBuilder(settings: BuilderSettings = {}): BuilderRoleSettings {
  const defaults = STACK_DEFAULTS.builder;
  const reserved = settings.reservedConcurrency ?? defaults.reservedConcurrency;
  return {
    memoryMiB: integer('builder.memoryMiB', settings.memoryMiB ?? defaults.memoryMiB, LIMITS.memoryMiB),
    timeoutSeconds: integer(
      'builder.timeoutSeconds',
      settings.timeoutSeconds ?? defaults.timeoutSeconds,
      LIMITS.timeoutSeconds,
    ),
    reservedConcurrency:
      reserved === 'none'
        ? undefined
        : integer('builder.reservedConcurrency', reserved, LIMITS.reservedConcurrency),
  };
}

/** S3 bucket names (3–63 lowercase letters, digits, `.` and `-`); tokens are left to CloudFormation. */
function resolveInputBuckets(buckets: readonly string[]): readonly string[] {
  for (const bucket of buckets) {
    if (!Token.isUnresolved(bucket) && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new InvalidInputError(
        `buildInputBuckets holds \`${bucket}\`; expected S3 bucket names (3–63 lowercase letters, digits, \`.\` and \`-\`)`,
      );
    }
  }
  return [...new Set(buckets)];
}

function integer(setting: string, value: number, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${setting} is ${value}; expected an integer from ${min} to ${max}`);
  }
  return value;
}
