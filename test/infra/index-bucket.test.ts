import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { asArray, type Json, logicalId, render, synthFromContext, synthStack } from './synth.ts';

const { stack, template } = synthStack();
const bucketId = logicalId(stack, stack.indexBucket.bucket);
const bucketArn = `\${${bucketId}.Arn}`;

describe('index bucket', () => {
  it('blocks every kind of public access, disables ACLs and encrypts with S3-managed keys', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('denies every request that is not TLS 1.2+, on the bucket and on its objects', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(1);
    const statements: Json[] = policies[0]!.Properties.PolicyDocument.Statement;
    const shaped = statements.map((statement) => ({
      effect: statement.Effect,
      principal: statement.Principal,
      action: statement.Action,
      condition: statement.Condition,
      resources: asArray<Json>(statement.Resource).map(render).sort(),
    }));
    const everything = [bucketArn, `${bucketArn}/*`].sort();
    expect(shaped).toEqual([
      {
        effect: 'Deny',
        principal: { AWS: '*' },
        action: 's3:*',
        condition: { Bool: { 'aws:SecureTransport': 'false' } },
        resources: everything,
      },
      {
        effect: 'Deny',
        principal: { AWS: '*' },
        action: 's3:*',
        condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
        resources: everything,
      },
    ]);
  });

  it('is retained on stack deletion unless destroy is asked for', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    synthStack({ bucketRemovalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Delete',
    });
    synthFromContext({ bucketRemovalPolicy: 'destroy' }).template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Delete',
    });
  });

  it('installs no auto-delete custom resource (it would need broad delete rights)', () => {
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    synthStack({ bucketRemovalPolicy: RemovalPolicy.DESTROY }).template.resourceCountIs(
      'Custom::S3AutoDeleteObjects',
      0,
    );
  });
});
