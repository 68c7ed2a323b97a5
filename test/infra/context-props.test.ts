import { RemovalPolicy } from 'aws-cdk-lib';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STACK_NAME, settingsFromContext } from '../../infra/context-props.ts';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { testApp } from './synth.ts';

function fromContext(context: Record<string, unknown>) {
  return settingsFromContext(testApp(context).node);
}

describe('settings from context', () => {
  it('uses the default stack name and no explicit props when nothing is given', () => {
    expect(fromContext({})).toEqual({ stackName: DEFAULT_STACK_NAME, props: {} });
  });

  it('parses `-c key=value` strings into typed, nested props', () => {
    const { stackName, props } = fromContext({
      stackName: 'Vectors-prod',
      indexPrefix: 'idx/',
      processorFunctions: '16',
      treeBranching: '5',
      treeDepth: '3',
      invokeTimeoutMs: '20000',
      maxBatch: '500',
      urlAuthType: 'NONE',
      corsAllowedOrigins: 'https://a.example, https://b.example',
      bucketRemovalPolicy: 'destroy',
      logRetentionDays: '90',
      processorMemoryMiB: '3008',
      processorCacheBudgetMiB: '2048',
      coordinatorTimeoutSeconds: '120',
      allocatorReservedConcurrency: '20',
      compactAfterRows: '20000',
      retentionSeconds: '1800',
      compactorMemoryMiB: '4096',
      compactorReservedConcurrency: 'none',
    });
    expect(stackName).toBe('Vectors-prod');
    expect(props).toEqual({
      indexPrefix: 'idx/',
      processorFunctions: 16,
      treeBranching: 5,
      treeDepth: 3,
      invokeTimeoutMs: 20000,
      maxBatch: 500,
      urlAuthType: FunctionUrlAuthType.NONE,
      corsAllowedOrigins: ['https://a.example', 'https://b.example'],
      bucketRemovalPolicy: RemovalPolicy.DESTROY,
      logRetention: RetentionDays.THREE_MONTHS,
      processor: { memoryMiB: 3008, cacheBudgetMiB: 2048 },
      coordinator: { timeoutSeconds: 120 },
      allocator: { reservedConcurrency: 20 },
      compactAfterRows: 20000,
      retentionSeconds: 1800,
      compactor: { memoryMiB: 4096, reservedConcurrency: 'none' },
    });
    expect(fromContext({ compactorTimeoutSeconds: 600, compactorReservedConcurrency: 2 }).props).toEqual({
      compactor: { timeoutSeconds: 600, reservedConcurrency: 2 },
    });
    expect(
      fromContext({
        builderMemoryMiB: '10240',
        builderTimeoutSeconds: 300,
        builderReservedConcurrency: 'none',
        buildInputBuckets: 'embeddings, lake.example',
      }).props,
    ).toEqual({
      builder: { memoryMiB: 10_240, timeoutSeconds: 300, reservedConcurrency: 'none' },
      buildInputBuckets: ['embeddings', 'lake.example'],
    });
    expect(fromContext({ builderReservedConcurrency: '4' }).props).toEqual({
      builder: { reservedConcurrency: 4 },
    });
  });

  it('parses the observability settings: log level, metrics, tracing and the alarm thresholds', () => {
    expect(
      fromContext({
        logLevel: 'DEBUG',
        metrics: 'false',
        tracing: true,
        alarmErrors: '3',
        alarmThrottles: '2',
        alarmTimeoutPercent: '80',
        alarmSearchLatencyP99Ms: '2000',
        alarmMissingPartitions: '4',
        alarmPeriodSeconds: '60',
        alarmEvaluationPeriods: 5,
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
      }).props,
    ).toEqual({
      logLevel: 'DEBUG',
      metrics: false,
      tracing: true,
      alarms: {
        errors: 3,
        throttles: 2,
        timeoutPercent: 80,
        searchLatencyP99Ms: 2000,
        missingPartitions: 4,
        periodSeconds: 60,
        evaluationPeriods: 5,
        topicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
      },
    });
    expect(fromContext({ alarmTimeoutPercent: 75 }).props).toEqual({ alarms: { timeoutPercent: 75 } });
  });

  it('accepts JSON values as written in cdk.json', () => {
    const { props } = fromContext({ processorFunctions: 4, corsAllowedOrigins: ['https://a.example'] });
    expect(props).toEqual({ processorFunctions: 4, corsAllowedOrigins: ['https://a.example'] });
  });

  it('rejects bad values, saying what was received and what was expected', () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { processorFunctions: 'eight' },
        'context `processorFunctions` is "eight"; expected a non-negative integer',
      ],
      [
        { processorMemoryMiB: '1.5' },
        'context `processorMemoryMiB` is "1.5"; expected a non-negative integer',
      ],
      [{ urlAuthType: 'none' }, 'context `urlAuthType` is "none"; expected one of AWS_IAM, NONE'],
      [
        { bucketRemovalPolicy: 'snapshot' },
        'context `bucketRemovalPolicy` is "snapshot"; expected one of retain, destroy',
      ],
      [{ logRetentionDays: '31' }, 'context `logRetentionDays` is "31"; expected one of 1, 3, 5, 7, 14, 30,'],
      [{ stackName: '9lives' }, 'context `stackName` is `9lives`; expected a letter followed by letters'],
      [{ corsAllowedOrigins: [1] }, 'context `corsAllowedOrigins` is [1]; expected a comma-separated string'],
      [
        { compactorReservedConcurrency: 'unlimited' },
        'context `compactorReservedConcurrency` is "unlimited"; expected a non-negative integer or `none`',
      ],
      [{ retentionSeconds: '15m' }, 'context `retentionSeconds` is "15m"; expected a non-negative integer'],
      [
        { allocatorReservedConcurrency: 'none' },
        'context `allocatorReservedConcurrency` is "none"; expected a non-negative integer',
      ],
    ];
    for (const [context, message] of cases) {
      expect(() => fromContext(context)).toThrow(InvalidInputError);
      expect(() => fromContext(context)).toThrow(message);
    }
  });

  it('rejects an unknown plain context key (a typo) but leaves CDK keys alone', () => {
    expect(() => fromContext({ processorFunction: '16' })).toThrow(
      /^unknown context key `processorFunction`; expected one of stackName, indexPrefix, processorFunctions,/,
    );
    expect(
      fromContext({ '@aws-cdk/core:newStyleStackSynthesis': true, 'acknowledged-issue-numbers': [1] }),
    ).toEqual({
      stackName: DEFAULT_STACK_NAME,
      props: {},
    });
  });
});
