import { aws_lambda as lambda } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config.ts';
import { SEARCH_RUNTIME } from '../../infra/search-function.ts';
import { POWERTOOLS_ENV } from '../../infra/telemetry.ts';
import { type Json, logicalId, render, synthFromContext, synthStack } from './synth.ts';

const defaults = synthStack();

/** The write path's variables, which only the coordinator and the compactor get. */
const WRITE_ENV: readonly string[] = [ENV.compactorFunction, ENV.compactAfterRows, ENV.retentionSeconds];
/** The variables of the search path and Powertools' (docs/operate.md), which every function gets. */
const SEARCH_ENV = [
  ...Object.values(ENV).filter((name) => !WRITE_ENV.includes(name)),
  ...Object.values(POWERTOOLS_ENV),
];

function functionsOf(template: typeof defaults.template): Record<string, Json> {
  return template.findResources('AWS::Lambda::Function');
}

function functionNamed(template: typeof defaults.template, name: string): Json {
  const found = Object.values(functionsOf(template)).filter((fn) => fn.Properties.FunctionName === name);
  expect(found, `functions named ${name}`).toHaveLength(1);
  return found[0].Properties;
}

describe('search stack with default settings', () => {
  it('has one coordinator, one allocator, 8 processor functions, a compactor and a builder with stack-derived names', () => {
    const names = Object.values(functionsOf(defaults.template))
      .map((fn) => fn.Properties.FunctionName as string)
      .sort();
    expect(names).toEqual(
      [
        'Squash-allocator',
        'Squash-coordinator',
        'Squash-compactor',
        'Squash-builder',
        ...Array.from({ length: 8 }, (_, p) => `Squash-processor-${p}`),
      ].sort(),
    );
  });

  it('runs every function on arm64 with nodejs24.x, the newest Node.js runtime aws-cdk-lib knows', () => {
    const nodeRuntimes = Object.keys(lambda.Runtime)
      .map((key) => /^NODEJS_(\d+)_X$/.exec(key)?.[1])
      .filter((major): major is string => major !== undefined)
      .map(Number);
    expect(SEARCH_RUNTIME.name).toBe(`nodejs${Math.max(...nodeRuntimes)}.x`);
    for (const fn of Object.values(functionsOf(defaults.template))) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
    }
  });

  it('sizes each role with the documented defaults and no reserved concurrency', () => {
    const expected = {
      'Squash-coordinator': { MemorySize: 1024, Timeout: 90, cache: '512' },
      'Squash-allocator': { MemorySize: 1024, Timeout: 60, cache: '512' },
      'Squash-processor-5': { MemorySize: 1769, Timeout: 10, cache: '884' },
    };
    for (const [name, { MemorySize, Timeout, cache }] of Object.entries(expected)) {
      const fn = functionNamed(defaults.template, name);
      expect({ MemorySize: fn.MemorySize, Timeout: fn.Timeout }).toEqual({ MemorySize, Timeout });
      expect(fn.Environment.Variables[ENV.cacheBudgetMiB]).toBe(cache);
      expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('sizes the compactor with 3008 MiB, 15 minutes and one compaction at a time', () => {
    const compactor = functionNamed(defaults.template, 'Squash-compactor');
    expect({
      MemorySize: compactor.MemorySize,
      Timeout: compactor.Timeout,
      ReservedConcurrentExecutions: compactor.ReservedConcurrentExecutions,
    }).toEqual({ MemorySize: 3008, Timeout: 900, ReservedConcurrentExecutions: 1 });
  });

  it('sizes the builder with 3008 MiB, 15 minutes and no reserved concurrency', () => {
    const builder = functionNamed(defaults.template, 'Squash-builder');
    expect({
      MemorySize: builder.MemorySize,
      Timeout: builder.Timeout,
      ReservedConcurrentExecutions: builder.ReservedConcurrentExecutions,
      Handler: builder.Handler,
    }).toEqual({
      MemorySize: 3008,
      Timeout: 900,
      ReservedConcurrentExecutions: undefined,
      Handler: 'index.handler',
    });
  });

  it('gives the coordinator and the compactor the write variables, with their defaults, and the others none', () => {
    const writers = ['Squash-coordinator', 'Squash-compactor'];
    for (const fn of Object.values(functionsOf(defaults.template))) {
      const variables = fn.Properties.Environment.Variables;
      const name = fn.Properties.FunctionName as string;
      const written = Object.fromEntries(WRITE_ENV.map((variable) => [variable, variables[variable]]));
      expect(written, name).toEqual(
        writers.includes(name)
          ? {
              [ENV.compactorFunction]: 'Squash-compactor',
              [ENV.compactAfterRows]: '10000',
              [ENV.retentionSeconds]: '900',
            }
          : {
              [ENV.compactorFunction]: undefined,
              [ENV.compactAfterRows]: undefined,
              [ENV.retentionSeconds]: undefined,
            },
      );
    }
  });

  it('gives every function the environment the handlers read, with the processors in routing order', () => {
    const bucketId = logicalId(defaults.stack, defaults.stack.indexBucket.bucket);
    for (const fn of Object.values(functionsOf(defaults.template))) {
      const variables = fn.Properties.Environment.Variables;
      const name = fn.Properties.FunctionName as string;
      // The builder reads no search variable: its tasks name every location.
      if (name === 'Squash-builder') {
        expect(Object.keys(variables).sort(), name).toEqual(Object.values(POWERTOOLS_ENV).sort());
        expect(variables[POWERTOOLS_ENV.serviceName]).toBe('squash-builder');
        continue;
      }
      // The compactor has no cache budget setting: the handlers' default applies.
      const expected =
        name === 'Squash-coordinator'
          ? [...SEARCH_ENV, ...WRITE_ENV]
          : name === 'Squash-compactor'
            ? [...SEARCH_ENV, ...WRITE_ENV].filter((variable) => variable !== ENV.cacheBudgetMiB)
            : SEARCH_ENV;
      expect(Object.keys(variables).sort(), name).toEqual([...expected].sort());
      expect(variables[ENV.bucket]).toEqual({ Ref: bucketId });
      expect(variables[ENV.indexPrefix]).toBe('indexes/');
      expect(variables[ENV.allocatorFunction]).toBe('Squash-allocator');
      expect(variables[ENV.processorFunctions]).toBe(
        Array.from({ length: 8 }, (_, p) => `Squash-processor-${p}`).join(','),
      );
      expect(variables[ENV.treeBranching]).toBe('4');
      expect(variables[ENV.treeDepth]).toBe('2');
      expect(variables[ENV.invokeTimeoutMs]).toBe('12000');
      expect(variables[ENV.maxBatch]).toBe('1000');
    }
  });

  it('sends each function to its own log group with one month of retention', () => {
    const groups = defaults.template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(12);
    for (const group of Object.values(groups)) {
      expect(group.Properties.RetentionInDays).toBe(30);
      expect(group.DeletionPolicy).toBe('Delete');
    }
    const used = Object.values(functionsOf(defaults.template)).map((fn) =>
      render(fn.Properties.LoggingConfig.LogGroup),
    );
    expect(new Set(used)).toEqual(new Set(Object.keys(groups).map((id) => `\${${id}}`)));
  });

  it('serves the coordinator through a Function URL with AWS_IAM auth and no public permission', () => {
    defaults.template.resourceCountIs('AWS::Lambda::Url', 1);
    defaults.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: {
        'Fn::GetAtt': [logicalId(defaults.stack, defaults.stack.coordinator.function), 'Arn'],
      },
      Cors: Match.absent(),
    });
    defaults.template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  it('prints the bucket, the URL and every function name as outputs', () => {
    const outputs = defaults.template.toJSON().Outputs as Record<string, Json>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AllocatorFunctionName',
        'BucketName',
        'BuilderFunctionName',
        'CompactorFunctionName',
        'CoordinatorFunctionName',
        'DashboardName',
        'ProcessorFunctionNames',
        'SearchUrl',
      ].sort(),
    );
    const urlId = logicalId(defaults.stack, defaults.stack.searchUrl);
    expect(outputs.SearchUrl.Value).toEqual({ 'Fn::GetAtt': [urlId, 'FunctionUrl'] });
    expect(outputs.BucketName.Value).toEqual({
      Ref: logicalId(defaults.stack, defaults.stack.indexBucket.bucket),
    });
    expect(outputs.CoordinatorFunctionName.Value).toBe('Squash-coordinator');
    expect(outputs.AllocatorFunctionName.Value).toBe('Squash-allocator');
    expect(outputs.CompactorFunctionName.Value).toBe('Squash-compactor');
    expect(outputs.BuilderFunctionName.Value).toBe('Squash-builder');
    expect(outputs.ProcessorFunctionNames.Value.split(',')).toHaveLength(8);
    expect(render(outputs.DashboardName.Value)).toBe(`Squash-\${AWS::Region}`);
  });
});

describe('search stack with explicit settings', () => {
  it('makes the URL public (AuthType NONE, both public permissions) only when asked by prop', () => {
    const { stack, template } = synthStack({ urlAuthType: lambda.FunctionUrlAuthType.NONE });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    const coordinator = { 'Fn::GetAtt': [logicalId(stack, stack.coordinator.function), 'Arn'] };
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map(
      (p) => p.Properties,
    );
    expect(permissions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          FunctionUrlAuthType: 'NONE',
          FunctionName: coordinator,
        }),
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Principal: '*',
          InvokedViaFunctionUrl: true,
          FunctionName: coordinator,
        }),
      ]),
    );
    expect(permissions).toHaveLength(2);
  });

  it('makes the URL public when asked by context, and keeps AWS_IAM for an explicit AWS_IAM', () => {
    synthFromContext({ urlAuthType: 'NONE' }).template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
    });
    synthFromContext({ urlAuthType: 'AWS_IAM' }).template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
    });
  });

  it('configures CORS for the given origins', () => {
    const { template } = synthStack({ corsAllowedOrigins: ['https://app.example.com'] });
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      Cors: {
        AllowOrigins: ['https://app.example.com'],
        AllowMethods: ['GET', 'POST'],
        AllowHeaders: Match.arrayWith([
          'content-type',
          'authorization',
          'x-amz-date',
          'x-amz-security-token',
        ]),
      },
    });
  });

  it('applies G, memory, timeouts, reserved concurrency, cache budgets and tree shape as given', () => {
    const { template } = synthStack(
      {
        processorFunctions: 3,
        processor: { memoryMiB: 3008, timeoutSeconds: 20, reservedConcurrency: 50, cacheBudgetMiB: 2000 },
        allocator: { memoryMiB: 512, timeoutSeconds: 90 },
        coordinator: { timeoutSeconds: 120, reservedConcurrency: 10 },
        treeBranching: 6,
        treeDepth: 3,
        invokeTimeoutMs: 30_000,
        maxBatch: 250,
        indexPrefix: 'vectors/',
        compactor: { memoryMiB: 4096, timeoutSeconds: 600, reservedConcurrency: 2 },
        compactAfterRows: 2500,
        retentionSeconds: 1800,
        builder: { memoryMiB: 10_240, timeoutSeconds: 300, reservedConcurrency: 20 },
      },
      'Custom',
    );
    template.resourceCountIs('AWS::Lambda::Function', 7);
    expect(functionNamed(template, 'Custom-builder')).toMatchObject({
      MemorySize: 10_240,
      Timeout: 300,
      ReservedConcurrentExecutions: 20,
    });
    const processor = functionNamed(template, 'Custom-processor-2');
    expect(processor).toMatchObject({ MemorySize: 3008, Timeout: 20, ReservedConcurrentExecutions: 50 });
    expect(processor.Environment.Variables).toMatchObject({
      [ENV.cacheBudgetMiB]: '2000',
      [ENV.processorFunctions]: 'Custom-processor-0,Custom-processor-1,Custom-processor-2',
      [ENV.treeBranching]: '6',
      [ENV.treeDepth]: '3',
      [ENV.invokeTimeoutMs]: '30000',
      [ENV.maxBatch]: '250',
      [ENV.indexPrefix]: 'vectors/',
    });
    expect(functionNamed(template, 'Custom-allocator')).toMatchObject({ MemorySize: 512, Timeout: 90 });
    expect(functionNamed(template, 'Custom-allocator').Environment.Variables[ENV.cacheBudgetMiB]).toBe('256');
    const coordinator = functionNamed(template, 'Custom-coordinator');
    expect(coordinator).toMatchObject({ MemorySize: 1024, Timeout: 120, ReservedConcurrentExecutions: 10 });
    const compactor = functionNamed(template, 'Custom-compactor');
    expect(compactor).toMatchObject({ MemorySize: 4096, Timeout: 600, ReservedConcurrentExecutions: 2 });
    for (const writer of [coordinator, compactor]) {
      expect(writer.Environment.Variables).toMatchObject({
        [ENV.compactorFunction]: 'Custom-compactor',
        [ENV.compactAfterRows]: '2500',
        [ENV.retentionSeconds]: '1800',
        [ENV.indexPrefix]: 'vectors/',
      });
    }
  });

  it('reads the same settings from context strings, as `cdk deploy -c key=value` passes them', () => {
    const { template } = synthFromContext({
      stackName: 'FromContext',
      processorFunctions: '2',
      processorMemoryMiB: '2048',
      processorTimeoutSeconds: '15',
      invokeTimeoutMs: '20000',
      allocatorReservedConcurrency: '7',
      treeBranching: '5',
      logRetentionDays: '7',
      builderMemoryMiB: '4096',
      builderTimeoutSeconds: '600',
      builderReservedConcurrency: '8',
    });
    template.resourceCountIs('AWS::Lambda::Function', 6);
    expect(functionNamed(template, 'FromContext-builder')).toMatchObject({
      MemorySize: 4096,
      Timeout: 600,
      ReservedConcurrentExecutions: 8,
    });
    expect(functionNamed(template, 'FromContext-processor-1')).toMatchObject({
      MemorySize: 2048,
      Timeout: 15,
    });
    expect(functionNamed(template, 'FromContext-allocator').ReservedConcurrentExecutions).toBe(7);
    expect(functionNamed(template, 'FromContext-coordinator').Environment.Variables[ENV.treeBranching]).toBe(
      '5',
    );
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('reads the compactor and the write settings from context, and `none` lifts its reserved concurrency', () => {
    const { template } = synthFromContext({
      stackName: 'Writes',
      compactAfterRows: '50000',
      retentionSeconds: '3600',
      compactorMemoryMiB: '6144',
      compactorTimeoutSeconds: '300',
      compactorReservedConcurrency: 'none',
    });
    const compactor = functionNamed(template, 'Writes-compactor');
    expect(compactor).toMatchObject({ MemorySize: 6144, Timeout: 300 });
    expect(compactor.ReservedConcurrentExecutions).toBeUndefined();
    for (const name of ['Writes-coordinator', 'Writes-compactor']) {
      expect(functionNamed(template, name).Environment.Variables).toMatchObject({
        [ENV.compactorFunction]: 'Writes-compactor',
        [ENV.compactAfterRows]: '50000',
        [ENV.retentionSeconds]: '3600',
      });
    }
    expect(
      functionNamed(
        synthFromContext({ compactorReservedConcurrency: '3' }).template,
        'SquashSearch-compactor',
      ).ReservedConcurrentExecutions,
    ).toBe(3);
    expect(() => synthFromContext({ retentionSeconds: '60' })).toThrow(
      'retentionSeconds is 60, below coordinator.timeoutSeconds 90',
    );
  });
});
