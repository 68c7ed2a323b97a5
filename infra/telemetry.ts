/**
 * What the functions report and under which names (the observability contract of issue 12, described in
 * docs/operate.md): Powertools for AWS Lambda reads its settings from the environment variables below,
 * logs JSON lines to the function's log group and writes metrics in CloudWatch's embedded metric format
 * (EMF) in namespace `Squash`, with the one dimension `service` naming the role.
 *
 * The names, units and defaults are the functions' own (`functions/observability/metric-names.ts`), as
 * the `SQUASH_*` names come from `functions/config.ts`, so the stack cannot set or watch a name the code
 * does not write. The stack sets the variables on every function, alarms on `MissingPartitions` and
 * draws every metric below on its dashboard.
 */
import {
  METRIC_UNITS,
  METRICS_NAMESPACE,
  type MetricName,
  POWERTOOLS_ENV,
  SERVICE_NAMES,
  type FunctionRole as TelemetryRole,
} from '../functions/observability/metric-names.ts';

export { METRICS_NAMESPACE, POWERTOOLS_ENV, SERVICE_NAMES, type TelemetryRole };

export type PowertoolsEnvName = (typeof POWERTOOLS_ENV)[keyof typeof POWERTOOLS_ENV];

/** The log levels Powertools' Logger accepts, most verbose first. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type MetricUnit = (typeof METRIC_UNITS)[MetricName];

export interface CustomMetric {
  readonly name: MetricName;
  readonly unit: MetricUnit;
  /** What one data point counts or measures. */
  readonly description: string;
}

const metric = (name: MetricName, description: string): CustomMetric => ({
  name,
  unit: METRIC_UNITS[name],
  description,
});

/** The metrics each role emits (namespace `Squash`, dimension `service` = `SERVICE_NAMES[role]`). */
export const CUSTOM_METRICS: Readonly<Record<TelemetryRole, readonly CustomMetric[]>> = {
  coordinator: [
    metric('SearchLatency', 'one search request, end to end'),
    metric('Queries', 'queries answered'),
    metric('PartitionsVisited', 'partitions searched over the queries'),
    metric('MissingPartitions', 'partitions that failed after their retry'),
    metric('SecondRounds', 'queries that needed a further round'),
    metric('IncompleteAnswers', 'answers with `complete: false`'),
    metric('Writes', 'rows upserted plus ids deleted'),
    metric('RequestErrors', '4xx and 5xx answers'),
    metric('ProcessorInvocations', 'processor calls of the batches it runs in-process'),
    metric('Retries', 'its invocations retried'),
  ],
  allocator: [
    metric('AllocatorLatency', 'one allocator invocation'),
    metric('ProcessorInvocations', 'processor calls started'),
    metric('Retries', 'invocations retried'),
  ],
  processor: [
    metric('ProcessorLatency', 'one processor invocation'),
    metric('PartitionsSearched', 'partitions searched'),
    metric('ColdLoads', 'partitions loaded from S3 (not cache hits)'),
    metric('BytesRead', 'bytes read from S3'),
  ],
  compactor: [
    metric('CompactionLatency', 'one compaction'),
    metric('CompactedRows', 'log rows folded into a new version'),
  ],
  // The builder logs one line per task and emits no custom metric: AWS/Lambda's own cover it.
  builder: [],
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
