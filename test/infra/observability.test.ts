/**
 * What the stack does for operators (docs/operate.md): Powertools' variables on every function, X-Ray
 * only when asked, the alarms with their metrics, dimensions and thresholds, and the dashboard naming
 * every metric of the observability contract.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { METRIC_UNITS } from '../../functions/observability/metric-names.ts';
import { resolveSettings } from '../../infra/search-settings.ts';
import { CUSTOM_METRICS, POWERTOOLS_ENV, type SERVICE_NAMES } from '../../infra/telemetry.ts';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { type Json, render, synthFromContext, synthStack } from './synth.ts';

type Template = ReturnType<typeof synthStack>['template'];

const defaults = synthStack();
const PROCESSORS = Array.from({ length: 8 }, (_, p) => `Squash-processor-${p}`);
/** The functions with alarms and dashboard rows. */
const FUNCTIONS = ['Squash-coordinator', 'Squash-allocator', ...PROCESSORS, 'Squash-compactor'];
/**
 * Every function: the builder also gets Powertools' settings, but no alarms (a build's driver reports
 * its failures, and a retried task is not an incident; docs/build-on-lambda.md).
 */
const ALL_FUNCTIONS = [...FUNCTIONS, 'Squash-builder'];
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:squash-alarms';

function roleOf(functionName: string): keyof typeof SERVICE_NAMES {
  const role = /-(coordinator|allocator|processor|compactor|builder)(-\d+)?$/.exec(functionName)?.[1];
  if (role === undefined) throw new Error(`no role in ${functionName}`);
  return role as keyof typeof SERVICE_NAMES;
}

function functionsByName(template: Template): Record<string, Json> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => [
      fn.Properties.FunctionName,
      fn.Properties,
    ]),
  );
}

function alarmsByName(template: Template): Record<string, Json> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => [
      alarm.Properties.AlarmName,
      alarm.Properties,
    ]),
  );
}

/** The dashboard's body as JSON, its tokens rendered (`${AWS::Region}`, `${<alarm>.Arn}`). */
function dashboardBody(template: Template): Json {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  return JSON.parse(render(dashboards[0]!.Properties.DashboardBody));
}

/** Every metric line of the dashboard as `namespace/name/dimension=value/stat`. */
function dashboardMetrics(template: Template): Set<string> {
  const lines = new Set<string>();
  for (const widget of dashboardBody(template).widgets) {
    for (const metric of widget.properties.metrics ?? []) {
      const [namespace, name, dimension, value, options] = metric;
      lines.add(`${namespace}/${name}/${dimension}=${value}/${options.stat}`);
    }
  }
  return lines;
}

const COMMON_ALARM = {
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  EvaluationPeriods: 1,
  DatapointsToAlarm: 1,
  TreatMissingData: 'notBreaching',
  Period: 300,
};

describe('Powertools settings on every function', () => {
  it('names each role’s service, the Squash namespace, INFO logs, metrics on and tracing off by default', () => {
    const functions = functionsByName(defaults.template);
    expect(Object.keys(functions).sort()).toEqual([...ALL_FUNCTIONS].sort());
    for (const [name, fn] of Object.entries(functions)) {
      expect(fn.Environment.Variables, name).toMatchObject({
        [POWERTOOLS_ENV.serviceName]: `squash-${roleOf(name)}`,
        [POWERTOOLS_ENV.metricsNamespace]: 'Squash',
        [POWERTOOLS_ENV.logLevel]: 'INFO',
        [POWERTOOLS_ENV.metricsDisabled]: 'false',
        [POWERTOOLS_ENV.traceEnabled]: 'false',
      });
      expect(fn.TracingConfig, name).toBeUndefined();
    }
    const statements = Object.values(defaults.template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    expect(JSON.stringify(statements)).not.toContain('xray:');
  });

  it('sets the log level, turns metrics off and tracing on (active X-Ray, its two write actions) by prop', () => {
    const { template } = synthStack({ logLevel: 'DEBUG', metrics: false, tracing: true });
    const functions = functionsByName(template);
    for (const [name, fn] of Object.entries(functions)) {
      expect(fn.Environment.Variables, name).toMatchObject({
        [POWERTOOLS_ENV.logLevel]: 'DEBUG',
        [POWERTOOLS_ENV.metricsDisabled]: 'true',
        [POWERTOOLS_ENV.traceEnabled]: 'true',
      });
      expect(fn.TracingConfig, name).toEqual({ Mode: 'Active' });
    }
    const xray = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Json[])
      .filter((statement) => JSON.stringify(statement.Action).includes('xray:'));
    expect(xray).toHaveLength(ALL_FUNCTIONS.length);
    for (const statement of xray) {
      expect(statement).toEqual({
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      });
    }
  });

  it('reads the same settings from context strings', () => {
    const functions = functionsByName(
      synthFromContext({ logLevel: 'WARN', metrics: 'false', tracing: 'true' }).template,
    );
    for (const fn of Object.values(functions)) {
      expect(fn.Environment.Variables).toMatchObject({
        [POWERTOOLS_ENV.logLevel]: 'WARN',
        [POWERTOOLS_ENV.metricsDisabled]: 'true',
        [POWERTOOLS_ENV.traceEnabled]: 'true',
      });
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
    }
  });

  it('keeps the log groups’ retention (one month by default)', () => {
    defaults.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('alarms', () => {
  it('has errors, throttles and timeouts per function, the search latency and missing partitions', () => {
    const alarms = alarmsByName(defaults.template);
    expect(Object.keys(alarms).sort()).toEqual(
      [
        ...FUNCTIONS.flatMap((name) => [`${name}-errors`, `${name}-throttles`, `${name}-timeouts`]),
        'Squash-search-latency-p99',
        'Squash-missing-partitions',
      ].sort(),
    );
    for (const alarm of Object.values(alarms)) {
      expect(alarm).toMatchObject(COMMON_ALARM);
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.AlarmDescription).toMatch(
        /docs\/operate\.md#(errors|throttles|timeouts|search-latency|missing-partitions)$/,
      );
    }
  });

  it('watches each function’s AWS/Lambda Errors and Throttles (Sum ≥ 1 per 5 minutes)', () => {
    const alarms = alarmsByName(defaults.template);
    for (const name of FUNCTIONS) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(alarms[`${name}-${metric.toLowerCase()}`]).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: name }],
          Statistic: 'Sum',
          Threshold: 1,
        });
      }
    }
  });

  it('fires a timeouts alarm when a function’s p99 Duration reaches 90 % of its own timeout', () => {
    const alarms = alarmsByName(defaults.template);
    const functions = functionsByName(defaults.template);
    const expected: Record<string, number> = {
      'Squash-coordinator': 81_000,
      'Squash-allocator': 54_000,
      'Squash-processor-3': 9_000,
      'Squash-compactor': 810_000,
    };
    for (const name of FUNCTIONS) {
      const alarm = alarms[`${name}-timeouts`];
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: [{ Name: 'FunctionName', Value: name }],
        ExtendedStatistic: 'p99',
      });
      expect(alarm.Statistic).toBeUndefined();
      expect(alarm.Threshold, name).toBe(functions[name].Timeout * 1000 * 0.9);
      if (name in expected) expect(alarm.Threshold).toBe(expected[name]);
    }
  });

  it('watches the search URL’s p99 latency and the coordinator’s MissingPartitions metric', () => {
    const alarms = alarmsByName(defaults.template);
    expect(alarms['Squash-search-latency-p99']).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'UrlRequestLatency',
      Dimensions: [{ Name: 'FunctionName', Value: 'Squash-coordinator' }],
      ExtendedStatistic: 'p99',
      Threshold: 5000,
    });
    expect(alarms['Squash-missing-partitions']).toMatchObject({
      Namespace: 'Squash',
      MetricName: 'MissingPartitions',
      Dimensions: [{ Name: 'service', Value: 'squash-coordinator' }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('takes every threshold, the period, the evaluation periods and an SNS topic from props', () => {
    const { template } = synthStack({
      processorFunctions: 2,
      processor: { timeoutSeconds: 8 },
      alarms: {
        errors: 5,
        throttles: 3,
        timeoutPercent: 75,
        searchLatencyP99Ms: 2500,
        missingPartitions: 2,
        periodSeconds: 60,
        evaluationPeriods: 3,
        topicArn: TOPIC,
      },
    });
    const alarms = alarmsByName(template);
    expect(Object.keys(alarms)).toHaveLength(5 * 3 + 2);
    const changed = { Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 3 };
    for (const alarm of Object.values(alarms)) {
      expect(alarm).toMatchObject({ ...changed, AlarmActions: [TOPIC], OKActions: [TOPIC] });
    }
    expect(alarms['Squash-processor-1-errors'].Threshold).toBe(5);
    expect(alarms['Squash-allocator-throttles'].Threshold).toBe(3);
    expect(alarms['Squash-processor-0-timeouts'].Threshold).toBe(6000);
    expect(alarms['Squash-coordinator-timeouts'].Threshold).toBe(67_500);
    expect(alarms['Squash-search-latency-p99'].Threshold).toBe(2500);
    expect(alarms['Squash-missing-partitions'].Threshold).toBe(2);
  });

  it('reads the thresholds from context, as `cdk deploy -c alarmErrors=5` passes them', () => {
    const { template } = synthFromContext({
      alarmErrors: '5',
      alarmThrottles: '4',
      alarmTimeoutPercent: '50',
      alarmSearchLatencyP99Ms: '1500',
      alarmMissingPartitions: '3',
      alarmPeriodSeconds: '120',
      alarmEvaluationPeriods: '2',
      alarmTopicArn: TOPIC,
    });
    const alarms = alarmsByName(template);
    expect(alarms['SquashSearch-coordinator-errors']).toMatchObject({
      Threshold: 5,
      Period: 120,
      EvaluationPeriods: 2,
      AlarmActions: [TOPIC],
    });
    expect(alarms['SquashSearch-compactor-throttles'].Threshold).toBe(4);
    expect(alarms['SquashSearch-processor-7-timeouts'].Threshold).toBe(5000);
    expect(alarms['SquashSearch-search-latency-p99'].Threshold).toBe(1500);
    expect(alarms['SquashSearch-missing-partitions'].Threshold).toBe(3);
  });

  it('leaves out the missing-partitions alarm when metrics are off, and keeps the AWS/Lambda ones', () => {
    const alarms = alarmsByName(synthStack({ metrics: false }).template);
    expect(alarms['Squash-missing-partitions']).toBeUndefined();
    expect(Object.keys(alarms)).toHaveLength(FUNCTIONS.length * 3 + 1);
  });

  it('fits 64 processor functions with all their alarms in CloudFormation’s 500 resources per stack', () => {
    const alarms = synthStack({ processorFunctions: 64 }).template.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength((64 + 3) * 3 + 2);
    expect(() => synthStack({ processorFunctions: 65 })).toThrow(
      'processorFunctions is 65; expected an integer from 1 to 64',
    );
  });

  it('rejects thresholds that cannot work, saying what was received and what was expected', () => {
    const cases: [Parameters<typeof resolveSettings>[0], string][] = [
      [{ alarms: { errors: 0 } }, 'alarms.errors is 0; expected an integer from 1 to 1000000'],
      [
        { alarms: { timeoutPercent: 101 } },
        'alarms.timeoutPercent is 101; expected an integer from 1 to 100',
      ],
      [
        { alarms: { searchLatencyP99Ms: 90_001 } },
        'alarms.searchLatencyP99Ms is 90001; expected an integer from 1 to 90000',
      ],
      [{ alarms: { periodSeconds: 90 } }, 'alarms.periodSeconds is 90; expected a multiple of 60 (Lambda'],
      [
        { alarms: { periodSeconds: 3600, evaluationPeriods: 25 } },
        'alarms.evaluationPeriods is 25; expected an integer from 1 to 24',
      ],
      [
        { alarms: { topicArn: 'squash-alarms' } },
        'alarms.topicArn is `squash-alarms`; expected an SNS topic ARN',
      ],
      [
        // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller can pass any string
        { logLevel: 'TRACE' as any },
        'logLevel is `TRACE`; expected one of DEBUG, INFO, WARN, ERROR',
      ],
    ];
    for (const [props, message] of cases) {
      expect(() => resolveSettings(props)).toThrow(InvalidInputError);
      expect(() => resolveSettings(props)).toThrow(message);
    }
    expect(() => synthFromContext({ tracing: 'yes' })).toThrow(
      'context `tracing` is "yes"; expected `true` or `false`',
    );
    expect(() => synthFromContext({ logLevel: 'info' })).toThrow(
      'context `logLevel` is "info"; expected one of DEBUG, INFO, WARN, ERROR',
    );
    expect(() => synthFromContext({ alarmErrors: 'many' })).toThrow(
      'context `alarmErrors` is "many"; expected a non-negative integer',
    );
  });
});

describe('dashboard', () => {
  it('is named after the stack and its region, and shows the state of every alarm', () => {
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    defaults.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: { 'Fn::Join': ['', ['Squash-', { Ref: 'AWS::Region' }]] },
    });
    const widget = dashboardBody(defaults.template).widgets.find((w: Json) => w.type === 'alarm');
    const alarmIds = Object.keys(defaults.template.findResources('AWS::CloudWatch::Alarm'));
    expect(widget.properties.alarms.sort()).toEqual(alarmIds.map((id) => `\${${id}.Arn}`).sort());
  });

  it('draws latency, errors, throttles and concurrency of every function and the search URL', () => {
    const metrics = dashboardMetrics(defaults.template);
    for (const name of FUNCTIONS) {
      for (const line of ['Duration/FunctionName=NAME/p99', 'Errors/FunctionName=NAME/Sum']) {
        expect(metrics).toContain(`AWS/Lambda/${line.replace('NAME', name)}`);
      }
      expect(metrics).toContain(`AWS/Lambda/Throttles/FunctionName=${name}/Sum`);
      expect(metrics).toContain(`AWS/Lambda/ConcurrentExecutions/FunctionName=${name}/Maximum`);
    }
    for (const line of [
      'UrlRequestLatency/FunctionName=Squash-coordinator/p50',
      'UrlRequestLatency/FunctionName=Squash-coordinator/p99',
      'UrlRequestCount/FunctionName=Squash-coordinator/Sum',
      'Url4xxCount/FunctionName=Squash-coordinator/Sum',
      'Url5xxCount/FunctionName=Squash-coordinator/Sum',
    ]) {
      expect(metrics).toContain(`AWS/Lambda/${line}`);
    }
  });

  it('draws every custom metric of the contract under its role’s service', () => {
    const metrics = dashboardMetrics(defaults.template);
    const custom = [...metrics].filter((line) => line.startsWith('Squash/'));
    const expected = Object.entries(CUSTOM_METRICS).flatMap(([role, list]) =>
      list.flatMap(({ name, unit }) =>
        (unit === 'Milliseconds' ? ['p50', 'p99'] : ['Sum']).map(
          (stat) => `Squash/${name}/service=squash-${role}/${stat}`,
        ),
      ),
    );
    expect(custom.sort()).toEqual(expected.sort());
    // Every metric the functions write is drawn.
    const drawn = new Set(Object.values(CUSTOM_METRICS).flatMap((list) => list.map((m) => m.name)));
    expect([...drawn].sort()).toEqual(Object.keys(METRIC_UNITS).sort());
    // The contract's names, written out, so a rename in telemetry.ts shows here.
    expect(
      Object.fromEntries(
        Object.entries(CUSTOM_METRICS).map(([role, list]) => [role, list.map((m) => m.name)]),
      ),
    ).toEqual({
      coordinator: [
        'SearchLatency',
        'Queries',
        'PartitionsVisited',
        'MissingPartitions',
        'SecondRounds',
        'IncompleteAnswers',
        'Writes',
        'RequestErrors',
        'ProcessorInvocations',
        'Retries',
      ],
      allocator: ['AllocatorLatency', 'ProcessorInvocations', 'Retries'],
      processor: ['ProcessorLatency', 'PartitionsSearched', 'ColdLoads', 'BytesRead'],
      compactor: ['CompactionLatency', 'CompactedRows'],
      builder: [],
    });
  });

  it('leaves the custom metrics out and says so when metrics are off', () => {
    const { template } = synthStack({ metrics: false });
    expect([...dashboardMetrics(template)].filter((line) => line.startsWith('Squash/'))).toEqual([]);
    const text = dashboardBody(template).widgets.find((w: Json) => w.type === 'text');
    expect(text.properties.markdown).toMatch(/metrics are off/);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.anyValue() });
  });
});
