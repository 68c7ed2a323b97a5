/**
 * `docs/operate.md` cannot rot: every alarm's description links a section that exists, the metrics
 * table lists exactly the metrics the dashboard draws, and the settings table gives the defaults the
 * code applies.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS } from '../../infra/context-props.ts';
import { PROJECT_ROOT } from '../../infra/project-root.ts';
import { STACK_DEFAULTS } from '../../infra/search-settings.ts';
import { CUSTOM_METRICS, SERVICE_NAMES } from '../../infra/telemetry.ts';
import { tableRows as rowsOf } from './markdown-table.ts';
import { synthStack } from './synth.ts';

const doc = readFileSync(`${PROJECT_ROOT}docs/operate.md`, 'utf8');

const tableRows = (firstHeader: string) => rowsOf(doc, firstHeader);

/** GitHub's anchor of every heading. */
const anchors = new Set(
  [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
    m[1]!
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replaceAll(' ', '-'),
  ),
);

describe('docs/operate.md', () => {
  it('has the runbook section every alarm description links', () => {
    const alarms = Object.values(synthStack().template.findResources('AWS::CloudWatch::Alarm'));
    const linked = new Set(
      alarms.map((alarm) => /docs\/operate\.md#([a-z-]+)$/.exec(alarm.Properties.AlarmDescription)?.[1]),
    );
    expect([...linked].sort()).toEqual(
      ['errors', 'missing-partitions', 'search-latency', 'throttles', 'timeouts'].sort(),
    );
    for (const anchor of linked) expect(anchors, `section #${anchor}`).toContain(anchor);
  });

  it('lists exactly the metrics of each service, with their units', () => {
    let service = '';
    const documented: string[] = [];
    for (const [cell, metric, unit] of tableRows('Service')) {
      if (cell !== '') service = cell!.replaceAll('`', '');
      documented.push(`${service} ${metric!.replaceAll('`', '')} ${unit}`);
    }
    const expected = Object.entries(CUSTOM_METRICS).flatMap(([role, metrics]) =>
      metrics.map(({ name, unit }) => `${SERVICE_NAMES[role as keyof typeof SERVICE_NAMES]} ${name} ${unit}`),
    );
    expect(documented).toEqual(expected);
  });

  it('documents every observability setting with the default the code applies', () => {
    const defaults: Record<string, string | number | boolean> = {
      logLevel: STACK_DEFAULTS.logLevel,
      metrics: STACK_DEFAULTS.metrics,
      tracing: STACK_DEFAULTS.tracing,
      logRetentionDays: STACK_DEFAULTS.logRetention,
      alarmErrors: STACK_DEFAULTS.alarms.errors,
      alarmThrottles: STACK_DEFAULTS.alarms.throttles,
      alarmTimeoutPercent: STACK_DEFAULTS.alarms.timeoutPercent,
      alarmSearchLatencyP99Ms: STACK_DEFAULTS.alarms.searchLatencyP99Ms,
      alarmMissingPartitions: STACK_DEFAULTS.alarms.missingPartitions,
      alarmPeriodSeconds: STACK_DEFAULTS.alarms.periodSeconds,
      alarmEvaluationPeriods: STACK_DEFAULTS.alarms.evaluationPeriods,
    };
    const rows = tableRows('Context key');
    const keys = rows.map(([key]) => key!.replaceAll('`', ''));
    expect(keys).toEqual([...Object.keys(defaults), 'alarmTopicArn']);
    for (const key of keys) expect(CONTEXT_KEYS).toContain(key);
    for (const [key, value] of rows) {
      const name = key!.replaceAll('`', '');
      expect(value, name).toBe(name === 'alarmTopicArn' ? 'none' : `\`${defaults[name]}\``);
    }
  });

  it('states the default thresholds of the alarm table', () => {
    const rows = Object.fromEntries(tableRows('Alarm').map(([alarm, , threshold]) => [alarm, threshold]));
    const { alarms } = STACK_DEFAULTS;
    expect(rows['`<function>-errors`']).toBe(`${alarms.errors} per period`);
    expect(rows['`<function>-throttles`']).toBe(`${alarms.throttles} per period`);
    expect(rows['`<function>-timeouts`']).toMatch(new RegExp(`^${alarms.timeoutPercent} % of the function`));
    expect(rows['`<stack>-search-latency-p99`']).toBe(
      `${alarms.searchLatencyP99Ms.toLocaleString('en-US')} ms`,
    );
    expect(rows['`<stack>-missing-partitions`']).toBe(`${alarms.missingPartitions} per period`);
  });
});
