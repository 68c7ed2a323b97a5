/**
 * Logs, metrics and traces of one function container (issue 12), with Powertools for AWS Lambda:
 * `Logger` writes JSON lines (level from POWERTOOLS_LOG_LEVEL, default INFO), `Metrics` writes one
 * CloudWatch embedded-metric-format (EMF) line per invocation (namespace POWERTOOLS_METRICS_NAMESPACE,
 * default `Squash`, dimension `service`; off with POWERTOOLS_METRICS_DISABLED=true), and `Tracer`
 * records an X-Ray subsegment per invocation and per AWS SDK call when POWERTOOLS_TRACE_ENABLED=true.
 *
 * Design decisions:
 * - One `Telemetry` per container, built at module scope by the handler and carried by the
 *   `FunctionRuntime`, so code below the handler reports through `runtime.telemetry` and unit tests
 *   build runtimes with a silent one (`silentTelemetry`) or a recording one.
 * - `add(name, value)` sums into the invocation's values and `invoke()` writes them once at its end,
 *   whatever failed: one EMF document per invocation, one data point per metric.
 * - The tracer (and the X-Ray SDK under it) is imported only when tracing is switched on, so a cold
 *   start without tracing does not load it.
 * - Each invocation starts with a clean set of temporary log keys and the Lambda context's request id
 *   (`function_request_id`), which every line of the invocation then carries.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { sharedS3Client } from '../../shared/store/s3-client.ts';
import { sharedLambdaClient } from '../invoke/lambda-invoker.ts';
import {
  type FunctionRole,
  METRIC_UNITS,
  METRICS_NAMESPACE,
  type MetricName,
  POWERTOOLS_ENV,
  SERVICE_NAMES,
} from './metric-names.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** What Powertools reads of the Lambda context; the local stack's runtime passes the same fields. */
export type InvocationContext = Pick<Context, 'awsRequestId'> & Partial<Context>;

export interface TelemetryParts {
  readonly logger: Logger;
  /** Where the invocation's metrics go; undefined: they are summed and dropped. */
  readonly metrics?: Metrics;
  /** Set only when tracing is on. */
  readonly tracer?: Tracer;
}

export class Telemetry {
  readonly logger: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #tracer: Tracer | undefined;
  readonly #values = new Map<MetricName, number>();

  constructor(parts: TelemetryParts) {
    this.logger = parts.logger;
    this.#metrics = parts.metrics;
    this.#tracer = parts.tracer;
  }

  /** Adds `value` to metric `name` of the current invocation (written once, at its end). */
  add(name: MetricName, value: number): void {
    this.#values.set(name, (this.#values.get(name) ?? 0) + value);
  }

  /** The metric values added so far in this invocation. */
  values(): ReadonlyMap<MetricName, number> {
    return this.#values;
  }

  /**
   * Runs one invocation: its request id on every log line, a trace subsegment when tracing is on, an
   * error that escapes logged with its type, and the metrics written once when it ends.
   */
  async invoke<T>(context: InvocationContext | undefined, run: () => Promise<T>): Promise<T> {
    this.logger.resetKeys();
    this.#values.clear();
    if (context !== undefined) this.logger.addContext(context as Context);
    const trace = this.#openTrace(context);
    try {
      return await run();
    } catch (error) {
      this.logger.error('invocation failed', error as Error);
      trace?.addError(error as Error);
      throw error;
    } finally {
      this.flush();
      trace?.close();
    }
  }

  /** Writes the invocation's metrics as one EMF line (nothing when none were added) and clears them. */
  flush(): void {
    if (this.#metrics !== undefined && this.#values.size > 0) {
      for (const [name, value] of this.#values) this.#metrics.addMetric(name, METRIC_UNITS[name], value);
      this.#metrics.publishStoredMetrics();
    }
    this.#values.clear();
  }

  #openTrace(context: InvocationContext | undefined) {
    const tracer = this.#tracer;
    if (tracer === undefined || !tracer.isTracingEnabled()) return undefined;
    const segment = tracer.getSegment();
    if (segment === undefined) return undefined;
    const subsegment = segment.addNewSubsegment(`## ${context?.functionName ?? 'handler'}`);
    tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    return {
      addError: (error: Error) => subsegment.addError(error),
      close: () => {
        subsegment.close();
        tracer.setSegment(segment);
      },
    };
  }
}

/** The container's telemetry for `role`, configured from the POWERTOOLS_* variables. */
export async function createTelemetry(role: FunctionRole, env: Env = process.env): Promise<Telemetry> {
  const serviceName = nonEmpty(env[POWERTOOLS_ENV.serviceName]) ?? SERVICE_NAMES[role];
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    serviceName,
    namespace: nonEmpty(env[POWERTOOLS_ENV.metricsNamespace]) ?? METRICS_NAMESPACE,
  });
  const tracer = env[POWERTOOLS_ENV.traceEnabled] === 'true' ? await createTracer(serviceName) : undefined;
  return new Telemetry({ logger, metrics, tracer });
}

/** No log lines and no metric lines (unit tests, scripts): values are still summed for `values()`. */
export function silentTelemetry(): Telemetry {
  return new Telemetry({ logger: new Logger({ logLevel: 'SILENT' }) });
}

async function createTracer(serviceName: string): Promise<Tracer> {
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  const tracer = new Tracer({ serviceName, enabled: true });
  if (tracer.isTracingEnabled()) {
    tracer.captureAWSv3Client(sharedLambdaClient());
    tracer.captureAWSv3Client(sharedS3Client());
  }
  return tracer;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
