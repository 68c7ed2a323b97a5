/**
 * The CloudWatch metrics the alarms and the dashboard read: AWS/Lambda's own per-function metrics (by
 * `FunctionName`, which aggregates every version and alias, so provisioned concurrency changes nothing)
 * and the functions' custom metrics (namespace `Squash`, dimension `service`; see `telemetry.ts`).
 * Functions are named by their fixed names (`function-names.ts`), so the template reads plainly.
 */
import { aws_cloudwatch as cloudwatch, Duration } from 'aws-cdk-lib';
import { METRICS_NAMESPACE, SERVICE_NAMES, type TelemetryRole } from './telemetry.ts';

/** One function the stack watches. */
export interface MonitoredFunction {
  readonly functionName: string;
  readonly role: TelemetryRole;
  readonly timeoutSeconds: number;
}

/** An AWS/Lambda metric of one function, e.g. `Errors` with `Sum` or `Duration` with `p99`. */
export function lambdaMetric(
  functionName: string,
  metricName: string,
  statistic: string,
  periodSeconds: number,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { FunctionName: functionName },
    statistic,
    period: Duration.seconds(periodSeconds),
  });
}

/** A custom metric of `role` (namespace `Squash`, dimension `service`). */
export function squashMetric(
  role: TelemetryRole,
  metricName: string,
  statistic: string,
  periodSeconds: number,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAMES[role] },
    statistic,
    period: Duration.seconds(periodSeconds),
  });
}
