import { describe, expect, it } from 'vitest';
import type { SearchFunction } from '../../infra/search-function.ts';
import { asArray, type Json, logicalId, render, synthStack } from './synth.ts';

const { stack, template } = synthStack({ processorFunctions: 3 });

const S3_READ = ['s3:GetBucket*', 's3:GetObject*', 's3:List*'];
const LOG_WRITE = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** One statement flattened to sorted strings: `{ actions, resources }`. */
interface Grant {
  readonly actions: string[];
  readonly resources: string[];
}

function statementsOf(role: SearchFunction): Grant[] {
  const roleId = logicalId(stack, role.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    policy.Properties.Roles.some((ref: Json) => ref.Ref === roleId),
  );
  expect(policies, `policies attached to ${roleId}`).toHaveLength(1);
  return policies[0]!.Properties.PolicyDocument.Statement.map((statement: Json) => {
    expect(statement.Effect).toBe('Allow');
    expect(statement.Condition).toBeUndefined();
    return {
      actions: asArray<string>(statement.Action).sort(),
      resources: asArray<Json>(statement.Resource).map(render).sort(),
    };
  });
}

const arn = (fn: SearchFunction) => `\${${logicalId(stack, fn.function)}.Arn}`;
const bucket = `\${${logicalId(stack, stack.indexBucket.bucket)}.Arn}`;
const invoke = (functionArn: string): Grant => ({
  actions: ['lambda:InvokeFunction'],
  resources: [functionArn, `${functionArn}:*`].sort(),
});
const readIndexes: Grant = { actions: S3_READ, resources: [bucket, `${bucket}/indexes/*`].sort() };
const writeOwnLogs = (fn: SearchFunction): Grant => ({
  actions: LOG_WRITE,
  resources: [`\${${logicalId(stack, fn.logGroup)}.Arn}`],
});
const sortGrants = (grants: Grant[]) =>
  [...grants].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('IAM', () => {
  it('lets each processor only write its logs and read objects below the index prefix', () => {
    expect(stack.processors).toHaveLength(3);
    for (const processor of stack.processors) {
      expect(sortGrants(statementsOf(processor))).toEqual(sortGrants([writeOwnLogs(processor), readIndexes]));
    }
  });

  it('lets the allocator read indexes and invoke only the processors and itself (by its fixed name)', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation pseudo parameters, rendered as text
    const self = 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:Squash-allocator';
    expect(sortGrants(statementsOf(stack.allocator))).toEqual(
      sortGrants([
        writeOwnLogs(stack.allocator),
        readIndexes,
        ...stack.processors.map((processor) => invoke(arn(processor))),
        invoke(self),
      ]),
    );
  });

  it('lets the coordinator read indexes and invoke only the allocator and the processors', () => {
    expect(sortGrants(statementsOf(stack.coordinator))).toEqual(
      sortGrants([
        writeOwnLogs(stack.coordinator),
        readIndexes,
        invoke(arn(stack.allocator)),
        ...stack.processors.map((processor) => invoke(arn(processor))),
      ]),
    );
  });

  it('has no policy with a `*` action, a `service:*` action or a `*` resource', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(3 + 2);
    let statements = 0;
    for (const policy of policies) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        statements += 1;
        for (const action of asArray<string>(statement.Action)) {
          expect(action).not.toBe('*');
          expect(action).not.toMatch(/^[a-z0-9-]+:\*$/);
        }
        for (const resource of asArray<Json>(statement.Resource)) expect(render(resource)).not.toBe('*');
        expect(statement.NotAction).toBeUndefined();
        expect(statement.NotResource).toBeUndefined();
      }
    }
    expect(statements).toBe(3 * 2 + (3 + 2 + 1) + (3 + 2 + 1));
  });

  it('attaches no managed or inline policies to the execution roles and creates no other policies', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(5);
    for (const role of roles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  it('follows a custom index prefix in every read grant', () => {
    const custom = synthStack({ processorFunctions: 1, indexPrefix: 'tenant-a/indexes/' });
    const bucketArn = `\${${logicalId(custom.stack, custom.stack.indexBucket.bucket)}.Arn}`;
    const reads = Object.values(custom.template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: Json) => asArray<string>(statement.Action).includes('s3:GetObject*'))
      .map((statement: Json) => asArray<Json>(statement.Resource).map(render).sort());
    expect(reads).toEqual(Array(3).fill([bucketArn, `${bucketArn}/tenant-a/indexes/*`].sort()));
  });
});
