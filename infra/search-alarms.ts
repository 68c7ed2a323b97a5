/**
 * The stack's CloudWatch alarms (docs/operate.md "Alarms" says what to do when each fires):
 * - per function: errors (`Errors` Sum), throttles (`Throttles` Sum) and timeouts (p99 `Duration` at
 *   `timeoutPercent` % of the function's timeout);
 * - the search URL's p99 latency (`UrlRequestLatency` of the coordinator);
 * - missing partitions (`Squash` `MissingPartitions`, service `squash-coordinator`, Sum), only when the
 *   functions emit metrics.
 *
 * Every alarm fires at `>=` its threshold over `evaluationPeriods` periods of `periodSeconds`, treats a
 * period without data as fine (idle functions publish nothing), and is named after what it watches
 * (`<function>-errors`, `<stack>-search-latency-p99`), so a notification says where to look. With a
 * topic, the alarm notifies it when it fires and when it recovers.
 */
import { aws_cloudwatch_actions as actions, aws_cloudwatch as cloudwatch, aws_sns as sns } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { AlarmThresholds } from './search-settings.ts';
import { lambdaMetric, type MonitoredFunction, squashMetric } from './stack-metrics.ts';

export interface SearchAlarmsProps {
  /** Prefix of the stack-wide alarms' names (the stack name). */
  readonly namePrefix: string;
  readonly functions: readonly MonitoredFunction[];
  /** The coordinator's name: its URL's latency is the search latency. */
  readonly coordinatorName: string;
  readonly thresholds: AlarmThresholds;
  /** Whether the functions emit custom metrics (the missing-partitions alarm needs them). */
  readonly metrics: boolean;
}

export class SearchAlarms extends Construct {
  /** Every alarm, in creation order. */
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: SearchAlarmsProps) {
    super(scope, id);
    const { thresholds } = props;
    const period = thresholds.periodSeconds;
    const alarms: cloudwatch.Alarm[] = [];
    /** `runbook`: the heading of docs/operate.md that says what to do when it fires. */
    const alarm = (
      alarmName: string,
      runbook: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      what: string,
    ) =>
      alarms.push(
        new cloudwatch.Alarm(this, alarmName, {
          alarmName,
          alarmDescription: `${what}. What to do: docs/operate.md#${runbook}`,
          metric,
          threshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: thresholds.evaluationPeriods,
          datapointsToAlarm: thresholds.evaluationPeriods,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );

    for (const fn of props.functions) {
      const name = fn.functionName;
      alarm(
        `${name}-errors`,
        'errors',
        lambdaMetric(name, 'Errors', 'Sum', period),
        thresholds.errors,
        `${name}: ${thresholds.errors} or more failed invocations (crash, timeout, out of memory) in ${period} s`,
      );
      alarm(
        `${name}-throttles`,
        'throttles',
        lambdaMetric(name, 'Throttles', 'Sum', period),
        thresholds.throttles,
        `${name}: ${thresholds.throttles} or more throttled invocations in ${period} s`,
      );
      const timeoutMs = fn.timeoutSeconds * 1000;
      alarm(
        `${name}-timeouts`,
        'timeouts',
        lambdaMetric(name, 'Duration', 'p99', period),
        Math.floor((timeoutMs * thresholds.timeoutPercent) / 100),
        `${name}: p99 duration at ${thresholds.timeoutPercent} % of its ${fn.timeoutSeconds} s timeout`,
      );
    }
    alarm(
      `${props.namePrefix}-search-latency-p99`,
      'search-latency',
      lambdaMetric(props.coordinatorName, 'UrlRequestLatency', 'p99', period),
      thresholds.searchLatencyP99Ms,
      `search URL: p99 latency at or above ${thresholds.searchLatencyP99Ms} ms`,
    );
    if (props.metrics) {
      alarm(
        `${props.namePrefix}-missing-partitions`,
        'missing-partitions',
        squashMetric('coordinator', 'MissingPartitions', 'Sum', period),
        thresholds.missingPartitions,
        `searches: ${thresholds.missingPartitions} or more partitions failed after their retry in ${period} s`,
      );
    }

    if (thresholds.topicArn !== undefined) {
      const topic = sns.Topic.fromTopicArn(this, 'Topic', thresholds.topicArn);
      const action = new actions.SnsAction(topic);
      for (const each of alarms) {
        each.addAlarmAction(action);
        each.addOkAction(action);
      }
    }
    this.alarms = alarms;
  }
}
