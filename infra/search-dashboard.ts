/**
 * The stack's CloudWatch dashboard (docs/operate.md "Dashboard"), top to bottom:
 * 1. the state of every alarm;
 * 2. the search URL: p50/p99 latency, requests, 4xx and 5xx answers;
 * 3. per function (one line each): p99 duration, errors, throttles, concurrent executions;
 * 4. the custom metrics of each role (when the functions emit metrics): latencies as p50/p99,
 *    counts and bytes as sums per period.
 */
import { aws_cloudwatch as cloudwatch, Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { lambdaMetric, type MonitoredFunction, squashMetric } from './stack-metrics.ts';
import { CUSTOM_METRICS, SERVICE_NAMES, type TelemetryRole } from './telemetry.ts';

export interface SearchDashboardProps {
  readonly dashboardName: string;
  readonly functions: readonly MonitoredFunction[];
  readonly coordinatorName: string;
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** Whether the functions emit custom metrics (their widgets are left out otherwise). */
  readonly metrics: boolean;
}

/** One-minute points: the finest Lambda publishes. */
const PERIOD_SECONDS = 60;
const FULL = 24;
const HALF = 12;
const HEIGHT = 6;

export class SearchDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SearchDashboardProps) {
    super(scope, id);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard = dashboard;
    const url = (metricName: string, statistic: string, label: string) =>
      lambdaMetric(props.coordinatorName, metricName, statistic, PERIOD_SECONDS).with({ label });
    const perFunction = (metricName: string, statistic: string) =>
      props.functions.map((fn) =>
        lambdaMetric(fn.functionName, metricName, statistic, PERIOD_SECONDS).with({ label: fn.functionName }),
      );
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      width = HALF,
      right: cloudwatch.IMetric[] = [],
    ) => new cloudwatch.GraphWidget({ title, left, right, width, height: HEIGHT });

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...props.alarms],
        width: FULL,
        height: 4,
      }),
    );
    dashboard.addWidgets(
      graph('Search URL latency (ms)', [
        url('UrlRequestLatency', 'p50', 'p50'),
        url('UrlRequestLatency', 'p99', 'p99'),
      ]),
      graph('Search URL requests', [
        url('UrlRequestCount', 'Sum', 'requests'),
        url('Url4xxCount', 'Sum', '4xx'),
        url('Url5xxCount', 'Sum', '5xx'),
      ]),
    );
    dashboard.addWidgets(
      graph('Duration p99 per function (ms)', perFunction('Duration', 'p99')),
      graph('Errors per function', perFunction('Errors', 'Sum')),
    );
    dashboard.addWidgets(
      graph('Throttles per function', perFunction('Throttles', 'Sum')),
      graph('Concurrent executions per function (max)', perFunction('ConcurrentExecutions', 'Maximum')),
    );
    if (!props.metrics) {
      dashboard.addWidgets(
        new cloudwatch.TextWidget({
          markdown: 'Custom metrics are off (stack prop `metrics: false`): the `Squash` namespace is empty.',
          width: FULL,
          height: 2,
        }),
      );
      return;
    }
    const roles: readonly TelemetryRole[] = ['coordinator', 'allocator', 'processor', 'compactor'];
    for (const role of roles) {
      const metrics = CUSTOM_METRICS[role];
      const service = SERVICE_NAMES[role];
      const latencies = metrics
        .filter((metric) => metric.unit === 'Milliseconds')
        .flatMap((metric) =>
          ['p50', 'p99'].map((statistic) =>
            squashMetric(role, metric.name, statistic, PERIOD_SECONDS).with({
              label: `${metric.name} ${statistic}`,
            }),
          ),
        );
      const sums = (unit: string) =>
        metrics
          .filter((metric) => metric.unit === unit)
          .map((metric) =>
            squashMetric(role, metric.name, 'Sum', PERIOD_SECONDS).with({ label: metric.name }),
          );
      dashboard.addWidgets(
        graph(`${service}: latency (ms)`, latencies),
        graph(`${service}: counts per minute`, sums('Count'), HALF, sums('Bytes')),
      );
    }
  }
}
