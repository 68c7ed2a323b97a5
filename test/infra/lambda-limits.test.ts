/**
 * The deployed stack within real Lambda's limits, and cold starts as configuration: timeouts nested so
 * the tree fails from the bottom up, memory and timeouts inside Lambda's maxima, provisioned concurrency
 * off by default and, when asked for, on an alias that the callers and the Function URL really invoke.
 */
import { aws_lambda as lambda } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { LIVE_ALIAS, SEARCH_RUNTIME } from '../../infra/search-function.ts';
import { LIMITS } from '../../infra/search-settings.ts';
import { type Json, logicalId, render, type Synthesized, synthFromContext, synthStack } from './synth.ts';

function functionsByName(synthesized: Synthesized): Record<string, Json> {
  const functions = Object.values(synthesized.template.findResources('AWS::Lambda::Function'));
  return Object.fromEntries(functions.map((fn) => [fn.Properties.FunctionName, fn.Properties]));
}

const defaults = synthStack({ processorFunctions: 2 });

describe('Lambda limits', () => {
  it('keeps every function inside Lambda’s 10,240 MiB and 15 minutes, and the settings limits agree', () => {
    expect(LIMITS.memoryMiB).toEqual([128, 10_240]);
    expect(LIMITS.timeoutSeconds).toEqual([1, 900]);
    const big = synthStack({
      processorFunctions: 1,
      coordinator: { memoryMiB: 10_240, timeoutSeconds: 900 },
      allocator: { memoryMiB: 10_240, timeoutSeconds: 899 },
      processor: { memoryMiB: 10_240, timeoutSeconds: 11 },
    });
    for (const synthesized of [defaults, big]) {
      for (const fn of Object.values(functionsByName(synthesized))) {
        expect(fn.MemorySize).toBeLessThanOrEqual(10_240);
        expect(fn.Timeout).toBeLessThanOrEqual(900);
        expect(fn.Timeout).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('nests the deployed timeouts: coordinator > allocator > processor, processor < invokeTimeoutMs', () => {
    for (const synthesized of [
      defaults,
      synthFromContext({
        invokeTimeoutMs: '40000',
        allocatorTimeoutSeconds: '80',
        coordinatorTimeoutSeconds: '81',
        processorTimeoutSeconds: '39',
      }),
    ]) {
      const byName = functionsByName(synthesized);
      const name = synthesized.stack.stackName;
      const coordinator = byName[`${name}-coordinator`];
      const allocator = byName[`${name}-allocator`];
      const processors = Object.entries(byName).filter(([fn]) => fn.includes('-processor-'));
      expect(processors.length).toBeGreaterThan(0);
      expect(coordinator.Timeout).toBeGreaterThan(allocator.Timeout);
      const invokeTimeoutMs = Number(allocator.Environment.Variables[ENV.invokeTimeoutMs]);
      expect(allocator.Timeout * 1000).toBeGreaterThanOrEqual(2 * invokeTimeoutMs);
      for (const [, processor] of processors) {
        expect(allocator.Timeout).toBeGreaterThan(processor.Timeout);
        expect(processor.Timeout * 1000).toBeLessThan(invokeTimeoutMs);
      }
    }
    expect(() => synthFromContext({ coordinatorTimeoutSeconds: '60' })).toThrow(
      'coordinator.timeoutSeconds is 60 s, not above allocator.timeoutSeconds 60 s',
    );
  });
});

describe('cold starts', () => {
  it('provisions nothing by default: no versions, no aliases, callers and the URL use the bare names', () => {
    defaults.template.resourceCountIs('AWS::Lambda::Version', 0);
    defaults.template.resourceCountIs('AWS::Lambda::Alias', 0);
    const byName = functionsByName(defaults);
    // The builder invokes nothing and reads no search variable.
    for (const fn of Object.values(byName).filter((fn) => fn.FunctionName !== 'Squash-builder')) {
      expect(fn.Environment.Variables[ENV.allocatorFunction]).toBe('Squash-allocator');
      expect(fn.Environment.Variables[ENV.processorFunctions]).toBe('Squash-processor-0,Squash-processor-1');
    }
    defaults.template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: {
        'Fn::GetAtt': [logicalId(defaults.stack, defaults.stack.coordinator.function), 'Arn'],
      },
      Qualifier: Match.absent(),
    });
  });

  it('puts provisioned concurrency on alias `live` of each role that asks, and routes every call to it', () => {
    const synthesized = synthStack({
      processorFunctions: 2,
      coordinator: { provisionedConcurrency: 1 },
      allocator: { provisionedConcurrency: 2 },
      processor: { provisionedConcurrency: 3, reservedConcurrency: 5 },
    });
    const { stack, template } = synthesized;
    const aliases = Object.values(template.findResources('AWS::Lambda::Alias')).map((alias) => ({
      name: alias.Properties.Name,
      function: render(alias.Properties.FunctionName),
      provisioned: alias.Properties.ProvisionedConcurrencyConfig?.ProvisionedConcurrentExecutions,
    }));
    const ref = (fn: { function: lambda.Function }) => `\${${logicalId(stack, fn.function)}}`;
    expect(aliases).toEqual(
      expect.arrayContaining([
        { name: LIVE_ALIAS, function: ref(stack.coordinator), provisioned: 1 },
        { name: LIVE_ALIAS, function: ref(stack.allocator), provisioned: 2 },
        ...stack.processors.map((processor) => ({
          name: LIVE_ALIAS,
          function: ref(processor),
          provisioned: 3,
        })),
      ]),
    );
    expect(aliases).toHaveLength(4);
    template.resourceCountIs('AWS::Lambda::Version', 4);

    for (const fn of Object.values(functionsByName(synthesized)).filter(
      (fn) => fn.FunctionName !== 'Squash-builder',
    )) {
      expect(fn.Environment.Variables[ENV.allocatorFunction]).toBe('Squash-allocator:live');
      expect(fn.Environment.Variables[ENV.processorFunctions]).toBe(
        'Squash-processor-0:live,Squash-processor-1:live',
      );
    }
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack, stack.coordinator.function), 'Arn'] },
      Qualifier: LIVE_ALIAS,
    });
    // The invoke grants name `<arn>:*`, which covers the alias (checked statement by statement in iam.test.ts).
    const invokeResources = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: Json) => statement.Action === 'lambda:InvokeFunction')
      .flatMap((statement: Json) => statement.Resource.map(render));
    expect(invokeResources).toContain(`\${${logicalId(stack, stack.allocator.function)}.Arn}:*`);
  });

  it('reads provisioned concurrency from context, per role, and only the roles given get an alias', () => {
    const { template } = synthFromContext({ processorFunctions: '3', processorProvisionedConcurrency: '1' });
    template.resourceCountIs('AWS::Lambda::Alias', 3);
    template.allResourcesProperties('AWS::Lambda::Alias', {
      Name: LIVE_ALIAS,
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
    });
    synthFromContext({ processorProvisionedConcurrency: '0' }).template.resourceCountIs(
      'AWS::Lambda::Alias',
      0,
    );
    expect(() => synthFromContext({ allocatorProvisionedConcurrency: 'two' })).toThrow(
      'context `allocatorProvisionedConcurrency` is "two"; expected a non-negative integer',
    );
  });

  it('offers no SnapStart: Lambda does not support it on Node.js runtimes', () => {
    expect(SEARCH_RUNTIME.supportsSnapStart).toBe(false);
    expect(
      lambda.Runtime.JAVA_21.supportsSnapStart,
      'the flag aws-cdk-lib keeps for runtimes that have it',
    ).toBe(true);
    for (const fn of Object.values(functionsByName(defaults))) expect(fn.SnapStart).toBeUndefined();
  });
});
