/**
 * What the functions report and under which names (the observability contract of issue 12, described in
 * docs/operate.md): Powertools for AWS Lambda reads its settings from the environment variables below,
 * logs JSON lines to the function's log group and writes metrics in CloudWatch's embedded metric format
 * (EMF) in namespace `Squash`, with the one dimension `service` naming the role.
 *
 * The stack sets these variables on every function, alarms on `MissingPartitions` and draws every
 * metric on its dashboard, so the names are written once here. The handlers fall back to the same
 * service names and namespace when the variables are unset (locally, in tests).
 */
import type { FunctionRole } from './search-settings.ts';

/** Every role that runs code: the three search roles and the compactor. */
export type TelemetryRole = FunctionRole | 'compactor';

/** Powertools' environment variables (names fixed by Powertools). */
export const POWERTOOLS_ENV = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  metricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  traceEnabled: 'POWERTOOLS_TRACE_ENABLED',
} as const;

export type PowertoolsEnvName = (typeof POWERTOOLS_ENV)[keyof typeof POWERTOOLS_ENV];

/** The log levels Powertools' Logger accepts, most verbose first. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The namespace of every custom metric. */
export const METRICS_NAMESPACE = 'Squash';

/** The value of dimension `service` (and of `POWERTOOLS_SERVICE_NAME`) per role. */
export const SERVICE_NAMES: Readonly<Record<TelemetryRole, string>> = {
  coordinator: 'squash-coordinator',
  allocator: 'squash-allocator',
  processor: 'squash-processor',
  compactor: 'squash-compactor',
};

export type MetricUnit = 'Milliseconds' | 'Count' | 'Bytes';

export interface CustomMetric {
  readonly name: string;
  readonly unit: MetricUnit;
  /** What one data point counts or measures. */
  readonly description: string;
}

/** The metrics each role emits (namespace `Squash`, dimension `service` = `SERVICE_NAMES[role]`). */
export const CUSTOM_METRICS: Readonly<Record<TelemetryRole, readonly CustomMetric[]>> = {
  coordinator: [
    { name: 'SearchLatency', unit: 'Milliseconds', description: 'one search request, end to end' },
    { name: 'Queries', unit: 'Count', description: 'queries answered' },
    { name: 'PartitionsVisited', unit: 'Count', description: 'partitions searched over the queries' },
    { name: 'MissingPartitions', unit: 'Count', description: 'partitions that failed after their retry' },
    { name: 'SecondRounds', unit: 'Count', description: 'queries that needed a further round' },
    { name: 'IncompleteAnswers', unit: 'Count', description: 'answers with `complete: false`' },
    { name: 'Writes', unit: 'Count', description: 'rows upserted plus ids deleted' },
    { name: 'RequestErrors', unit: 'Count', description: '4xx and 5xx answers' },
  ],
  allocator: [
    { name: 'AllocatorLatency', unit: 'Milliseconds', description: 'one allocator invocation' },
    { name: 'ProcessorInvocations', unit: 'Count', description: 'processor calls started' },
    { name: 'Retries', unit: 'Count', description: 'invocations retried' },
  ],
  processor: [
    { name: 'ProcessorLatency', unit: 'Milliseconds', description: 'one processor invocation' },
    { name: 'PartitionsSearched', unit: 'Count', description: 'partitions searched' },
    { name: 'ColdLoads', unit: 'Count', description: 'partitions loaded from S3 (not cache hits)' },
    { name: 'BytesRead', unit: 'Bytes', description: 'bytes read from S3' },
  ],
  compactor: [
    { name: 'CompactionLatency', unit: 'Milliseconds', description: 'one compaction' },
    { name: 'CompactedRows', unit: 'Count', description: 'log rows folded into a new version' },
  ],
};

export interface TelemetrySettings {
  readonly logLevel: LogLevel;
  /** false sets `POWERTOOLS_METRICS_DISABLED=true`. */
  readonly metrics: boolean;
  /** X-Ray: Lambda active tracing plus `POWERTOOLS_TRACE_ENABLED=true`. */
  readonly tracing: boolean;
}

/** The Powertools variables of one function of `role`. */
export function telemetryEnvironment(
  role: TelemetryRole,
  settings: TelemetrySettings,
): Record<PowertoolsEnvName, string> {
  return {
    [POWERTOOLS_ENV.serviceName]: SERVICE_NAMES[role],
    [POWERTOOLS_ENV.metricsNamespace]: METRICS_NAMESPACE,
    [POWERTOOLS_ENV.logLevel]: settings.logLevel,
    [POWERTOOLS_ENV.metricsDisabled]: String(!settings.metrics),
    [POWERTOOLS_ENV.traceEnabled]: String(settings.tracing),
  };
}
