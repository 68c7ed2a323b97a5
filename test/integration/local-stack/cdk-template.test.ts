import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CdkStack, readCdkStack } from '../../../scripts/local/cdk-assembly.ts';
import { functionTable, functionUrlTargets } from '../../../scripts/local/cdk-template.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/cloud-assembly/', import.meta.url));
const PROJECT_CDK_OUT = fileURLToPath(new URL('../../../cdk.out/', import.meta.url));

function inlineStack(resources: Record<string, unknown>): CdkStack {
  return {
    stackName: 'Inline',
    assemblyDirectory: FIXTURE,
    templatePath: 'inline',
    template: { Resources: resources } as CdkStack['template'],
  };
}

const worker = (environment: Record<string, unknown>) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x', Environment: { Variables: environment } },
  Metadata: { 'aws:asset:path': 'asset.worker0001' },
});

describe('function table from a synthesized template', () => {
  it('reads every function with its asset, limits and resolved environment', () => {
    const stack = readCdkStack(FIXTURE);
    expect(stack.stackName).toBe('LocalFixture');
    const urls = functionUrlTargets(stack);
    expect(urls).toEqual([
      { logicalId: 'SearchFunctionUrl5D4C3B2A', functionName: 'LocalFixture-search', authType: 'AWS_IAM' },
    ]);
    const table = functionTable(stack, new Map([['SearchFunctionUrl5D4C3B2A', 'http://127.0.0.1:1/']]));
    expect(table.buckets).toEqual([
      { logicalId: 'DataBucketE3889A50', name: 'localfixture-databuckete3889a50' },
    ]);
    expect(table.functions).toEqual([
      {
        logicalId: 'SearchFunction6F1A2B3C',
        name: 'LocalFixture-search',
        handler: 'index.handler',
        runtime: 'nodejs20.x',
        codeDirectory: join(FIXTURE, 'asset.search0001'),
        memoryMiB: 1024,
        timeoutSeconds: 20,
        reservedConcurrency: undefined,
        environment: {
          DATA_BUCKET: 'localfixture-databuckete3889a50',
          DATA_BUCKET_ARN: 'arn:aws:s3:::localfixture-databuckete3889a50',
          WORKER_FUNCTION: 'WorkerFunction9C8D7E6F',
          WORKER_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:WorkerFunction9C8D7E6F',
          WORKERS: 'WorkerFunction9C8D7E6F,spare',
          SUBSTITUTED:
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub escape, kept literally
            'LocalFixture/WorkerFunction9C8D7E6F/arn:aws:s3:::localfixture-databuckete3889a50/${Literal}',
          SELECTED: 'b',
          BRANCHING: '4',
        },
      },
      {
        logicalId: 'WorkerFunction9C8D7E6F',
        name: 'WorkerFunction9C8D7E6F',
        handler: 'index.handler',
        runtime: 'nodejs20.x',
        codeDirectory: join(FIXTURE, 'asset.worker0001'),
        memoryMiB: 256,
        timeoutSeconds: 5,
        reservedConcurrency: 3,
        environment: { DATA_BUCKET: 'localfixture-databuckete3889a50' },
      },
    ]);
  });

  it('resolves a Function URL attribute to the local URL', () => {
    const stack = inlineStack({
      Search: worker({}),
      SearchUrl: { Type: 'AWS::Lambda::Url', Properties: { TargetFunctionArn: { Ref: 'Search' } } },
      Client: worker({ SEARCH_URL: { 'Fn::GetAtt': ['SearchUrl', 'FunctionUrl'] } }),
    });
    const table = functionTable(stack, new Map([['SearchUrl', 'http://127.0.0.1:4321/']]));
    expect(table.functions.find((f) => f.name === 'Client')?.environment).toEqual({
      SEARCH_URL: 'http://127.0.0.1:4321/',
    });
    expect(table.functionUrls).toEqual([
      { logicalId: 'SearchUrl', functionName: 'Search', authType: 'AWS_IAM' },
    ]);
  });

  it('names the resource and property of an intrinsic it cannot resolve', () => {
    const importing = inlineStack({ Fn: worker({ SHARED: { 'Fn::ImportValue': 'OtherStack-Bucket' } }) });
    expect(() => functionTable(importing)).toThrow(
      'resource `Fn` property `Environment.Variables.SHARED`: Fn::ImportValue is not supported locally ' +
        '(supported: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split)',
    );
    const role = inlineStack({ Role: { Type: 'AWS::IAM::Role' }, Fn: worker({ ROLE: { Ref: 'Role' } }) });
    expect(() => functionTable(role)).toThrow(
      'resource `Fn` property `Environment.Variables.ROLE`: Ref to `Role` has no local value',
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
    const attribute = inlineStack({ Fn: worker({ URL: { 'Fn::Sub': '${Fn.FunctionUrl}' } }) });
    expect(() => functionTable(attribute)).toThrow(
      'resource `Fn` property `Environment.Variables.URL`: Fn::Sub reference `Fn.FunctionUrl` has no local value',
    );
  });

  it('explains a missing asset and a missing cloud assembly', () => {
    const missing = inlineStack({
      Fn: { ...worker({}), Metadata: { 'aws:asset:path': 'asset.deadbeef' } },
    });
    expect(() => functionTable(missing)).toThrow(
      /function `Fn`: asset directory .*asset\.deadbeef is missing; run `npx cdk synth --quiet` again/,
    );
    const inline = inlineStack({ Fn: { ...worker({}), Metadata: {} } });
    expect(() => functionTable(inline)).toThrow(/function `Fn` has no `aws:asset:path` metadata/);
    expect(() => readCdkStack(join(FIXTURE, 'nowhere'))).toThrow(
      /manifest\.json is missing\); run `npx cdk synth --quiet` first/,
    );
    expect(() => readCdkStack(FIXTURE, 'Other')).toThrow('stack `Other` is not in');
  });

  const synthesized = existsSync(join(PROJECT_CDK_OUT, 'manifest.json'));
  it.skipIf(!synthesized)('loads the project’s own synthesized app (cdk.out)', () => {
    const stack = readCdkStack(PROJECT_CDK_OUT);
    const [url] = functionUrlTargets(stack);
    expect(url?.functionName).toBe(`${stack.stackName}-coordinator`);
    const table = functionTable(stack, new Map([[url!.logicalId, 'http://127.0.0.1:1/']]));
    const names = table.functions.map((f) => f.name).sort();
    const processors = names.filter((name) => name.startsWith(`${stack.stackName}-processor-`));
    const compactor = `${stack.stackName}-compactor`;
    const builder = `${stack.stackName}-builder`;
    expect(names).toEqual(
      [
        `${stack.stackName}-allocator`,
        `${stack.stackName}-coordinator`,
        compactor,
        builder,
        ...processors,
      ].sort(),
    );
    expect(processors.length).toBeGreaterThan(0);
    expect(table.buckets).toHaveLength(1);
    for (const fn of table.functions) {
      expect(existsSync(join(fn.codeDirectory, 'index.mjs'))).toBe(true);
      expect(fn.handler).toBe('index.handler');
      expect(fn.runtime).toMatch(/^nodejs\d+\.x$/);
      // The builder reads no search variable: its tasks name every location (docs/build-on-lambda.md).
      if (fn.name === builder) continue;
      expect(fn.environment?.SQUASH_BUCKET).toBe(table.buckets[0]!.name);
      expect(fn.environment?.SQUASH_ALLOCATOR_FUNCTION).toBe(`${stack.stackName}-allocator`);
      expect(fn.environment?.SQUASH_PROCESSOR_FUNCTIONS?.split(',')).toEqual(
        processors.sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop())),
      );
    }
    // The compactor is hosted like the others, and the coordinator's trigger names it.
    const byName = new Map(table.functions.map((fn) => [fn.name, fn]));
    expect(byName.get(compactor)).toMatchObject({
      memoryMiB: 3008,
      timeoutSeconds: 900,
      reservedConcurrency: 1,
    });
    // So is the builder, with its documented defaults and no reserved concurrency.
    expect(byName.get(builder)).toMatchObject({ memoryMiB: 3008, timeoutSeconds: 900 });
    expect(byName.get(builder)?.reservedConcurrency).toBeUndefined();
    for (const writer of [`${stack.stackName}-coordinator`, compactor]) {
      expect(byName.get(writer)?.environment).toMatchObject({
        SQUASH_COMPACTOR_FUNCTION: compactor,
        SQUASH_COMPACT_AFTER_ROWS: '10000',
        SQUASH_RETENTION_SECONDS: '900',
      });
    }
  });
});
