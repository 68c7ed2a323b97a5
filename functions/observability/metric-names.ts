/**
 * The observability contract of issue 12, as the functions write it: service names (the `service`
 * dimension of every metric), the metrics namespace, and each metric's name and unit. The CDK stack
 * sets the same values through POWERTOOLS_* variables; these are the defaults when they are unset
 * (locally, in tests). No Powertools import here, so any module may read the names.
 */

export type FunctionRole = 'coordinator' | 'allocator' | 'processor' | 'compactor' | 'builder';

/** Default of POWERTOOLS_SERVICE_NAME per role. */
export const SERVICE_NAMES: Readonly<Record<FunctionRole, string>> = {
  coordinator: 'squash-coordinator',
  allocator: 'squash-allocator',
  processor: 'squash-processor',
  compactor: 'squash-compactor',
  builder: 'squash-builder',
};

/** Default of POWERTOOLS_METRICS_NAMESPACE. */
export const METRICS_NAMESPACE = 'Squash';

/** The Powertools variables the functions read (names fixed by Powertools). */
export const POWERTOOLS_ENV = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  metricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  traceEnabled: 'POWERTOOLS_TRACE_ENABLED',
} as const;

/**
 * Every metric and its CloudWatch unit. A function emits each at most once per invocation (values
 * added during the invocation are summed). `ProcessorInvocations` and `Retries` are emitted by the
 * function that sent the invocations: allocators, and the coordinator for the batches it runs
 * in-process (and for retried allocator calls), so their sum over services is the total.
 */
export const METRIC_UNITS = {
  // coordinator
  SearchLatency: 'Milliseconds',
  Queries: 'Count',
  PartitionsVisited: 'Count',
  MissingPartitions: 'Count',
  SecondRounds: 'Count',
  IncompleteAnswers: 'Count',
  Writes: 'Count',
  RequestErrors: 'Count',
  // allocator (and coordinator, see above)
  AllocatorLatency: 'Milliseconds',
  ProcessorInvocations: 'Count',
  Retries: 'Count',
  // processor
  ProcessorLatency: 'Milliseconds',
  PartitionsSearched: 'Count',
  ColdLoads: 'Count',
  BytesRead: 'Bytes',
  // compactor
  CompactionLatency: 'Milliseconds',
  CompactedRows: 'Count',
} as const satisfies Record<string, 'Milliseconds' | 'Count' | 'Bytes'>;

export type MetricName = keyof typeof METRIC_UNITS;
