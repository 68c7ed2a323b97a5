/**
 * The execution roles grant exactly what the functions call: their own log group, `s3:GetObject` on
 * index objects, `s3:ListBucket` only under the index prefix, invoking only the functions each one
 * calls, and writes only where the write path writes (the coordinator's log appends, the compactor's
 * and the builder's versions; the builder also reads the input buckets it is given). Statements are compared whole (actions, resources, conditions), so an extra action, a
 * wider resource or a dropped condition fails here.
 */
import { describe, expect, it } from 'vitest';
import { INPUT_LIST_ACTIONS, INPUT_OBJECT_ACTIONS } from '../../infra/build-input-access.ts';
import { INDEX_LIST_ACTIONS, INDEX_OBJECT_ACTIONS } from '../../infra/index-read-access.ts';
import { INDEX_WRITE_ACTIONS, LOG_APPEND_ACTIONS } from '../../infra/index-write-access.ts';
import type { SearchFunction } from '../../infra/search-function.ts';
import type { SearchStackProps } from '../../infra/search-stack-props.ts';
import { CURRENT_KEY, versionKeys } from '../../shared/format/index-keys.ts';
import { logKey } from '../../shared/writes/log-keys.ts';
import {
  asArray,
  iamPatternMatches,
  type Json,
  logicalId,
  render,
  type Synthesized,
  synthStack,
} from './synth.ts';

const defaults = synthStack({ processorFunctions: 3 });
const { stack, template } = defaults;

const LOG_WRITE = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** One statement flattened to sorted strings: `{ actions, resources, condition? }`. */
interface Grant {
  readonly actions: string[];
  readonly resources: string[];
  readonly condition?: Json;
}

function policyStatements(synthesized: Synthesized): Json[] {
  return Object.values(synthesized.template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement,
  );
}

function statementsOf(role: SearchFunction, synthesized: Synthesized = defaults): Grant[] {
  const roleId = logicalId(synthesized.stack, role.role);
  const policies = Object.values(synthesized.template.findResources('AWS::IAM::Policy')).filter((policy) =>
    policy.Properties.Roles.some((ref: Json) => ref.Ref === roleId),
  );
  expect(policies, `policies attached to ${roleId}`).toHaveLength(1);
  return policies[0]!.Properties.PolicyDocument.Statement.map((statement: Json) => {
    expect(statement.Effect).toBe('Allow');
    return {
      actions: asArray<string>(statement.Action).sort(),
      resources: asArray<Json>(statement.Resource).map(render).sort(),
      ...(statement.Condition === undefined ? {} : { condition: statement.Condition }),
    };
  });
}

const arn = (fn: SearchFunction) => `\${${logicalId(stack, fn.function)}.Arn}`;
const bucketArnOf = (synthesized: Synthesized) =>
  `\${${logicalId(synthesized.stack, synthesized.stack.indexBucket.bucket)}.Arn}`;
const bucket = bucketArnOf(defaults);
const invoke = (functionArn: string): Grant => ({
  actions: ['lambda:InvokeFunction'],
  resources: [functionArn, `${functionArn}:*`].sort(),
});
const getIndexObjects = (bucketArn: string, prefix: string): Grant => ({
  actions: ['s3:GetObject'],
  resources: [`${bucketArn}/${prefix}*`],
});
const listIndexPrefix = (bucketArn: string, prefix: string): Grant => ({
  actions: ['s3:ListBucket'],
  resources: [bucketArn],
  condition: { StringLike: { 's3:prefix': `${prefix}*` } },
});
const readIndexes = [getIndexObjects(bucket, 'indexes/'), listIndexPrefix(bucket, 'indexes/')];
const appendLogs = (bucketArn: string, prefix: string): Grant => ({
  actions: ['s3:PutObject'],
  resources: [`${bucketArn}/${prefix}*/log/*`],
});
const writeIndexes = (bucketArn: string, prefix: string): Grant => ({
  actions: ['s3:DeleteObject', 's3:PutObject'],
  resources: [`${bucketArn}/${prefix}*`],
});
const writeOwnLogs = (fn: SearchFunction): Grant => ({
  actions: LOG_WRITE,
  resources: [`\${${logicalId(stack, fn.logGroup)}.Arn}`],
});
const sortGrants = (grants: Grant[]) =>
  [...grants].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('IAM', () => {
  it('lets each processor write its logs and read index objects, and invoke nothing', () => {
    expect(stack.processors).toHaveLength(3);
    for (const processor of stack.processors) {
      expect(sortGrants(statementsOf(processor))).toEqual(
        sortGrants([writeOwnLogs(processor), ...readIndexes]),
      );
    }
  });

  it('lets the allocator read indexes and invoke only the processors and itself (by its fixed name)', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation pseudo parameters, rendered as text
    const self = 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:Squash-allocator';
    expect(sortGrants(statementsOf(stack.allocator))).toEqual(
      sortGrants([
        writeOwnLogs(stack.allocator),
        ...readIndexes,
        ...stack.processors.map((processor) => invoke(arn(processor))),
        invoke(self),
      ]),
    );
  });

  it('lets the coordinator read indexes, append to write logs, and invoke the allocator, the processors and the compactor', () => {
    expect(sortGrants(statementsOf(stack.coordinator))).toEqual(
      sortGrants([
        writeOwnLogs(stack.coordinator),
        ...readIndexes,
        appendLogs(bucket, 'indexes/'),
        invoke(arn(stack.allocator)),
        ...stack.processors.map((processor) => invoke(arn(processor))),
        invoke(arn(stack.compactor)),
      ]),
    );
  });

  it('lets the compactor read, write and delete index objects, and invoke nothing', () => {
    expect([...INDEX_WRITE_ACTIONS].sort()).toEqual(['s3:DeleteObject', 's3:PutObject']);
    expect(sortGrants(statementsOf(stack.compactor))).toEqual(
      sortGrants([writeOwnLogs(stack.compactor), ...readIndexes, writeIndexes(bucket, 'indexes/')]),
    );
  });

  it('lets the builder read, write and delete index objects, read nothing else by default, and invoke nothing', () => {
    expect(sortGrants(statementsOf(stack.builder))).toEqual(
      sortGrants([writeOwnLogs(stack.builder), ...readIndexes, writeIndexes(bucket, 'indexes/')]),
    );
  });

  it('lets the builder read the input buckets it is given: their objects and listing, nothing more', () => {
    expect([...INPUT_OBJECT_ACTIONS, ...INPUT_LIST_ACTIONS]).toEqual(['s3:GetObject', 's3:ListBucket']);
    const custom = synthStack({
      processorFunctions: 1,
      buildInputBuckets: ['my-embeddings', 'lake.example'],
    });
    const input = (name: string): Grant[] => [
      { actions: ['s3:GetObject'], resources: [`arn:\${AWS::Partition}:s3:::${name}/*`] },
      { actions: ['s3:ListBucket'], resources: [`arn:\${AWS::Partition}:s3:::${name}`] },
    ];
    const customBucket = bucketArnOf(custom);
    expect(sortGrants(statementsOf(custom.stack.builder, custom))).toEqual(
      sortGrants([
        {
          actions: LOG_WRITE,
          resources: [`\${${logicalId(custom.stack, custom.stack.builder.logGroup)}.Arn}`],
        },
        getIndexObjects(customBucket, 'indexes/'),
        listIndexPrefix(customBucket, 'indexes/'),
        writeIndexes(customBucket, 'indexes/'),
        ...input('my-embeddings'),
        ...input('lake.example'),
      ]),
    );
    // No other function gains anything from it.
    expect(sortGrants(statementsOf(custom.stack.compactor, custom)).length).toBe(4);
    expect(() => synthStack({ buildInputBuckets: ['Not_A_Bucket'] })).toThrow(
      'buildInputBuckets holds `Not_A_Bucket`; expected S3 bucket names',
    );
  });

  it('lets only the coordinator (log objects), the compactor and the builder (index objects) write, and only those two delete', () => {
    expect([...LOG_APPEND_ACTIONS]).toEqual(['s3:PutObject']);
    const writers = new Map<string, Grant[]>();
    for (const fn of [
      stack.coordinator,
      stack.allocator,
      ...stack.processors,
      stack.compactor,
      stack.builder,
    ]) {
      const writes = statementsOf(fn).filter((grant) =>
        grant.actions.some(
          (action) => action.startsWith('s3:') && action !== 's3:GetObject' && action !== 's3:ListBucket',
        ),
      );
      if (writes.length > 0) writers.set(fn.node.id, writes);
    }
    expect(Object.fromEntries(writers)).toEqual({
      Coordinator: [appendLogs(bucket, 'indexes/')],
      Compactor: [writeIndexes(bucket, 'indexes/')],
      Builder: [writeIndexes(bucket, 'indexes/')],
    });
  });

  it('lets the coordinator put log objects and nothing else: not CURRENT, not a version, not another prefix', () => {
    const puts = statementsOf(stack.coordinator)
      .filter((grant) => grant.actions.includes('s3:PutObject'))
      .flatMap((grant) => grant.resources);
    const allowed = (key: string) => puts.some((pattern) => iamPatternMatches(pattern, `${bucket}/${key}`));
    // The real key layouts: shared/writes/log-keys.ts and shared/format/index-keys.ts.
    for (const key of [
      `indexes/my-index/${logKey(1)}`,
      `indexes/my-index/${logKey(42)}`,
      `indexes/a.b-c_d/${logKey(7)}`,
    ]) {
      expect(allowed(key), key).toBe(true);
    }
    const version = versionKeys(3);
    for (const key of [
      `indexes/my-index/${CURRENT_KEY}`,
      ...[
        version.manifest,
        version.centroids,
        version.attributes,
        version.externalIds,
        version.partition(0),
      ].map((versionKey) => `indexes/my-index/${versionKey}`),
      'indexes/my-index/log',
      `indexes/${logKey(1)}`,
      `other/my-index/${logKey(1)}`,
      `my-index/${logKey(1)}`,
    ]) {
      expect(allowed(key), key).toBe(false);
    }
  });

  it('grants exactly s3:GetObject, s3:ListBucket and the writers’ s3:PutObject and s3:DeleteObject, never a wildcard action or a `*` resource', () => {
    expect([...INDEX_OBJECT_ACTIONS, ...INDEX_LIST_ACTIONS]).toEqual(['s3:GetObject', 's3:ListBucket']);
    const statements = policyStatements(defaults);
    // processors; allocator; coordinator; compactor; builder
    expect(statements).toHaveLength(3 * 3 + (3 + 3 + 1) + (3 + 1 + 1 + 3 + 1) + (3 + 1) + (3 + 1));
    const s3Actions = new Set<string>();
    for (const statement of statements) {
      for (const action of asArray<string>(statement.Action)) {
        expect(action, 'no wildcard in any action (s3:*, s3:GetObject*, s3:List*, …)').not.toContain('*');
        if (action.startsWith('s3:')) s3Actions.add(action);
      }
      for (const resource of asArray<Json>(statement.Resource)) {
        const rendered = render(resource);
        expect(rendered).not.toBe('*');
        expect(rendered, 'objects outside the index prefix').not.toBe(`${bucket}/*`);
      }
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
    }
    expect([...s3Actions].sort()).toEqual([
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('allows listing only with an s3:prefix under the index prefix, and objects only below it', () => {
    let listings = 0;
    for (const statement of policyStatements(defaults)) {
      const actions = asArray<string>(statement.Action);
      if (actions.includes('s3:ListBucket')) {
        listings += 1;
        expect(actions).toEqual(['s3:ListBucket']);
        expect(asArray<Json>(statement.Resource).map(render)).toEqual([bucket]);
        expect(statement.Condition).toEqual({ StringLike: { 's3:prefix': 'indexes/*' } });
      } else {
        expect(statement.Condition, JSON.stringify(statement)).toBeUndefined();
      }
      if (actions.includes('s3:GetObject')) {
        expect(asArray<Json>(statement.Resource).map(render)).toEqual([`${bucket}/indexes/*`]);
      }
    }
    expect(listings).toBe(3 + 3 + 1);
  });

  it('attaches no managed or inline policies to the execution roles and creates no other policies', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(7);
    for (const role of roles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  it.each<[string, SearchStackProps['indexPrefix']]>([
    ['a nested index prefix', 'tenant-a/indexes/'],
    ['an empty index prefix (the whole bucket)', ''],
  ])('follows %s in every read and write grant', (_, indexPrefix) => {
    const custom = synthStack({ processorFunctions: 1, indexPrefix });
    const bucketArn = bucketArnOf(custom);
    const reads = [getIndexObjects(bucketArn, indexPrefix!), listIndexPrefix(bucketArn, indexPrefix!)];
    const writes = new Map<SearchFunction, Grant[]>([
      [custom.stack.coordinator, [appendLogs(bucketArn, indexPrefix!)]],
      [custom.stack.compactor, [writeIndexes(bucketArn, indexPrefix!)]],
      [custom.stack.builder, [writeIndexes(bucketArn, indexPrefix!)]],
    ]);
    const { coordinator, allocator, processors, compactor, builder } = custom.stack;
    for (const fn of [coordinator, allocator, ...processors, compactor, builder]) {
      const s3Grants = statementsOf(fn, custom).filter((grant) =>
        grant.actions.some((a) => a.startsWith('s3:')),
      );
      expect(sortGrants(s3Grants)).toEqual(sortGrants([...reads, ...(writes.get(fn) ?? [])]));
    }
  });
});
