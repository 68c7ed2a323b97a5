/**
 * Reads the stack's settings from CDK context (`cdk deploy -c processorFunctions=16`, or the `context`
 * block of `cdk.json`). Values given with `-c` arrive as strings, values from `cdk.json` as JSON, so
 * both are accepted. Context keys are flat (`processorMemoryMiB`) and map onto the nested props
 * (`processor.memoryMiB`). A plain camelCase context key that is not one of ours fails the synth, so a
 * typo such as `-c processorFunction=16` cannot be silently ignored.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { InvalidInputError } from '../shared/errors/index.ts';
import type { FunctionRole } from './search-settings.ts';
import type {
  AlarmSettings,
  BuilderSettings,
  CompactorSettings,
  FunctionSettings,
  SearchStackProps,
} from './search-stack-props.ts';
import { LOG_LEVELS, type LogLevel } from './telemetry.ts';

export const DEFAULT_STACK_NAME = 'SquashSearch';

const ROLES: readonly FunctionRole[] = ['coordinator', 'allocator', 'processor'];
const ROLE_KEYS = [
  'MemoryMiB',
  'TimeoutSeconds',
  'ReservedConcurrency',
  'ProvisionedConcurrency',
  'CacheBudgetMiB',
] as const;

/**
 * The compactor's sizing keys (`compactorMemoryMiB`, …), and the builder's (`builderMemoryMiB`, …): neither
 * has a cache budget or provisioned concurrency.
 */
const COMPACTOR_KEYS = ['MemoryMiB', 'TimeoutSeconds', 'ReservedConcurrency'] as const;

/** The alarm keys (`alarmErrors`, …) and the `AlarmSettings` field each sets. */
const ALARM_KEYS = {
  alarmErrors: 'errors',
  alarmThrottles: 'throttles',
  alarmTimeoutPercent: 'timeoutPercent',
  alarmSearchLatencyP99Ms: 'searchLatencyP99Ms',
  alarmMissingPartitions: 'missingPartitions',
  alarmPeriodSeconds: 'periodSeconds',
  alarmEvaluationPeriods: 'evaluationPeriods',
} as const satisfies Record<string, keyof AlarmSettings>;

/** Every context key this app reads. */
export const CONTEXT_KEYS: readonly string[] = [
  'stackName',
  'indexPrefix',
  'processorFunctions',
  'treeBranching',
  'treeDepth',
  'invokeTimeoutMs',
  'maxBatch',
  'urlAuthType',
  'corsAllowedOrigins',
  'bucketRemovalPolicy',
  'logRetentionDays',
  'compactAfterRows',
  'retentionSeconds',
  ...ROLES.flatMap((role) => ROLE_KEYS.map((key) => `${role}${key}`)),
  ...COMPACTOR_KEYS.map((key) => `compactor${key}`),
  ...COMPACTOR_KEYS.map((key) => `builder${key}`),
  'buildInputBuckets',
  'logLevel',
  'metrics',
  'tracing',
  ...Object.keys(ALARM_KEYS),
  'alarmTopicArn',
];

export interface ContextSettings {
  readonly stackName: string;
  readonly props: SearchStackProps;
}

export function settingsFromContext(node: Node): ContextSettings {
  rejectUnknownKeys(Object.keys(node.getAllContext() as Record<string, unknown>));
  const read = (key: string): unknown => node.tryGetContext(key);
  const stackName = optionalString(read('stackName'), 'stackName') ?? DEFAULT_STACK_NAME;
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(stackName)) {
    throw new InvalidInputError(
      `context \`stackName\` is \`${stackName}\`; expected a letter followed by letters, digits and \`-\``,
    );
  }
  const roles: Partial<Record<FunctionRole, FunctionSettings>> = {};
  for (const role of ROLES) {
    const settings: FunctionSettings = {
      memoryMiB: optionalInteger(read(`${role}MemoryMiB`), `${role}MemoryMiB`),
      timeoutSeconds: optionalInteger(read(`${role}TimeoutSeconds`), `${role}TimeoutSeconds`),
      reservedConcurrency: optionalInteger(read(`${role}ReservedConcurrency`), `${role}ReservedConcurrency`),
      provisionedConcurrency: optionalInteger(
        read(`${role}ProvisionedConcurrency`),
        `${role}ProvisionedConcurrency`,
      ),
      cacheBudgetMiB: optionalInteger(read(`${role}CacheBudgetMiB`), `${role}CacheBudgetMiB`),
    };
    const given = withoutUndefined(settings);
    if (Object.keys(given).length > 0) roles[role] = given;
  }
  const compactor = withoutUndefined<CompactorSettings>({
    memoryMiB: optionalInteger(read('compactorMemoryMiB'), 'compactorMemoryMiB'),
    timeoutSeconds: optionalInteger(read('compactorTimeoutSeconds'), 'compactorTimeoutSeconds'),
    reservedConcurrency: optionalReservedConcurrency(
      read('compactorReservedConcurrency'),
      'compactorReservedConcurrency',
    ),
  });
  const builder = withoutUndefined<BuilderSettings>({
    memoryMiB: optionalInteger(read('builderMemoryMiB'), 'builderMemoryMiB'),
    timeoutSeconds: optionalInteger(read('builderTimeoutSeconds'), 'builderTimeoutSeconds'),
    reservedConcurrency: optionalReservedConcurrency(
      read('builderReservedConcurrency'),
      'builderReservedConcurrency',
    ),
  });
  const alarms: Record<string, number | string | undefined> = {};
  for (const [key, field] of Object.entries(ALARM_KEYS)) alarms[field] = optionalInteger(read(key), key);
  alarms.topicArn = optionalString(read('alarmTopicArn'), 'alarmTopicArn');
  const givenAlarms = withoutUndefined(alarms) as AlarmSettings;
  const props: SearchStackProps = {
    indexPrefix: optionalString(read('indexPrefix'), 'indexPrefix'),
    processorFunctions: optionalInteger(read('processorFunctions'), 'processorFunctions'),
    treeBranching: optionalInteger(read('treeBranching'), 'treeBranching'),
    treeDepth: optionalInteger(read('treeDepth'), 'treeDepth'),
    invokeTimeoutMs: optionalInteger(read('invokeTimeoutMs'), 'invokeTimeoutMs'),
    maxBatch: optionalInteger(read('maxBatch'), 'maxBatch'),
    urlAuthType: optionalChoice(read('urlAuthType'), 'urlAuthType', {
      AWS_IAM: FunctionUrlAuthType.AWS_IAM,
      NONE: FunctionUrlAuthType.NONE,
    }),
    corsAllowedOrigins: optionalList(read('corsAllowedOrigins'), 'corsAllowedOrigins'),
    bucketRemovalPolicy: optionalChoice(read('bucketRemovalPolicy'), 'bucketRemovalPolicy', {
      retain: RemovalPolicy.RETAIN,
      destroy: RemovalPolicy.DESTROY,
    }),
    logRetention: optionalRetention(read('logRetentionDays')),
    compactAfterRows: optionalInteger(read('compactAfterRows'), 'compactAfterRows'),
    retentionSeconds: optionalInteger(read('retentionSeconds'), 'retentionSeconds'),
    ...roles,
    compactor: Object.keys(compactor).length > 0 ? compactor : undefined,
    builder: Object.keys(builder).length > 0 ? builder : undefined,
    buildInputBuckets: optionalList(read('buildInputBuckets'), 'buildInputBuckets'),
    logLevel: optionalChoice<LogLevel>(
      read('logLevel'),
      'logLevel',
      Object.fromEntries(LOG_LEVELS.map((level) => [level, level])),
    ),
    metrics: optionalBoolean(read('metrics'), 'metrics'),
    tracing: optionalBoolean(read('tracing'), 'tracing'),
    alarms: Object.keys(givenAlarms).length > 0 ? givenAlarms : undefined,
  };
  return { stackName, props: withoutUndefined(props) };
}

function rejectUnknownKeys(keys: readonly string[]): void {
  const unknown = keys.filter((key) => /^[a-z][A-Za-z0-9]*$/.test(key) && !CONTEXT_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `unknown context key${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `\`${key}\``).join(', ')}; ` +
        `expected one of ${CONTEXT_KEYS.join(', ')}`,
    );
  }
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(key, value, 'a string');
  return value;
}

function optionalInteger(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  const integer = integerOf(value);
  if (integer === undefined) throw invalid(key, value, 'a non-negative integer');
  return integer;
}

/** A reserved concurrency whose default is a number, so that `none` must be said explicitly. */
function optionalReservedConcurrency(value: unknown, key: string): number | 'none' | undefined {
  if (value === undefined || value === 'none') return value;
  const integer = integerOf(value);
  if (integer === undefined) throw invalid(key, value, 'a non-negative integer or `none`');
  return integer;
}

/** `true`/`false`, as JSON or as the strings `-c tracing=true` passes. */
function optionalBoolean(value: unknown, key: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalid(key, value, '`true` or `false`');
}

function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^[0-9]+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function optionalChoice<T>(value: unknown, key: string, choices: Readonly<Record<string, T>>): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && Object.hasOwn(choices, value)) return choices[value];
  throw invalid(key, value, `one of ${Object.keys(choices).join(', ')}`);
}

function optionalList(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  }
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value;
  throw invalid(key, value, 'a comma-separated string or an array of strings');
}

function optionalRetention(value: unknown): RetentionDays | undefined {
  const days = optionalInteger(value, 'logRetentionDays');
  if (days === undefined) return undefined;
  const allowed = Object.values(RetentionDays).filter((entry): entry is number => typeof entry === 'number');
  if (!allowed.includes(days)) throw invalid('logRetentionDays', value, `one of ${allowed.join(', ')}`);
  return days as RetentionDays;
}

function invalid(key: string, value: unknown, expected: string): InvalidInputError {
  return new InvalidInputError(`context \`${key}\` is ${JSON.stringify(value)}; expected ${expected}`);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
