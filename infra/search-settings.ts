/**
 * Resolves `SearchStackProps` into complete, validated settings: every default is applied here and
 * written once in `STACK_DEFAULTS`, and every bad value fails synth with an `InvalidInputError` naming
 * the setting, what it held and what was expected.
 *
 * The function-level defaults that the handlers also know (index prefix, tree shape, invoke timeout,
 * batch limit) come from `functions/config.ts`, so the stack and the handlers cannot disagree.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CONFIG_DEFAULTS } from '../functions/config.ts';
import { InvalidInputError } from '../shared/errors/index.ts';
import type { FunctionSettings, SearchStackProps } from './search-stack-props.ts';

export type FunctionRole = 'coordinator' | 'allocator' | 'processor';

export interface RoleSettings {
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  readonly cacheBudgetMiB: number;
}

export interface SearchSettings {
  readonly indexPrefix: string;
  readonly processorFunctions: number;
  readonly roles: Readonly<Record<FunctionRole, RoleSettings>>;
  readonly treeBranching: number;
  readonly treeDepth: number;
  readonly invokeTimeoutMs: number;
  readonly maxBatch: number;
  readonly urlAuthType: FunctionUrlAuthType;
  readonly corsAllowedOrigins: readonly string[];
  readonly bucketRemovalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
}

export const STACK_DEFAULTS = {
  indexPrefix: CONFIG_DEFAULTS.indexPrefix,
  processorFunctions: 8,
  memoryMiB: { coordinator: 1024, allocator: 1024, processor: 1769 },
  timeoutSeconds: { coordinator: 60, allocator: 60, processor: 10 },
  /** Share of a function's memory its index cache may use. */
  cacheShareOfMemory: 0.5,
  treeBranching: CONFIG_DEFAULTS.treeBranching,
  treeDepth: CONFIG_DEFAULTS.treeDepth,
  invokeTimeoutMs: CONFIG_DEFAULTS.invokeTimeoutMs,
  maxBatch: CONFIG_DEFAULTS.maxBatch,
  urlAuthType: FunctionUrlAuthType.AWS_IAM,
  corsAllowedOrigins: [] as readonly string[],
  bucketRemovalPolicy: RemovalPolicy.RETAIN,
  logRetention: RetentionDays.ONE_MONTH,
} as const;

/** Limits of the settings; the tree and batch limits match what `loadConfig` accepts. */
const LIMITS = {
  processorFunctions: [1, 128],
  memoryMiB: [128, 10_240],
  timeoutSeconds: [1, 900],
  reservedConcurrency: [1, 100_000],
  treeBranching: [1, 64],
  treeDepth: [1, 8],
  invokeTimeoutMs: [1, 900_000],
  maxBatch: [1, 100_000],
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
  for (const caller of ['coordinator', 'allocator'] as const) {
    const timeoutMs = roles[caller].timeoutSeconds * 1000;
    if (2 * invokeTimeoutMs > timeoutMs) {
      throw new InvalidInputError(
        `${caller}.timeoutSeconds is ${roles[caller].timeoutSeconds} s, too short for one invoke attempt and ` +
          `its retry at invokeTimeoutMs ${invokeTimeoutMs}; expected at least ${Math.ceil((2 * invokeTimeoutMs) / 1000)} s`,
      );
    }
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
    urlAuthType: props.urlAuthType ?? STACK_DEFAULTS.urlAuthType,
    corsAllowedOrigins,
    bucketRemovalPolicy: props.bucketRemovalPolicy ?? STACK_DEFAULTS.bucketRemovalPolicy,
    logRetention: props.logRetention ?? STACK_DEFAULTS.logRetention,
  };
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
  return {
    memoryMiB,
    timeoutSeconds: integer(
      `${role}.timeoutSeconds`,
      settings.timeoutSeconds ?? STACK_DEFAULTS.timeoutSeconds[role],
      LIMITS.timeoutSeconds,
    ),
    reservedConcurrency:
      settings.reservedConcurrency === undefined
        ? undefined
        : integer(`${role}.reservedConcurrency`, settings.reservedConcurrency, LIMITS.reservedConcurrency),
    cacheBudgetMiB,
  };
}

function integer(setting: string, value: number, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${setting} is ${value}; expected an integer from ${min} to ${max}`);
  }
  return value;
}
