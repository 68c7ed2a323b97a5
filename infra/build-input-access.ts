/**
 * What the builder may do in a bucket holding build inputs (docs/build-on-lambda.md): read objects, by
 * whole or by byte range (`s3:GetObject`; HeadObject needs the same action), and `s3:ListBucket` so that
 * S3 answers a missing input with 404 rather than 403 AccessDenied (see `index-read-access.ts`). Nothing
 * else: no write, no delete, no bucket configuration. Inputs usually sit in a data bucket of their own,
 * named by `buildInputBuckets`; inputs below the index prefix are readable through the index grants.
 *
 * Why not `bucket.grantRead`: it grants `s3:GetObject*`, `s3:GetBucket*` and `s3:List*` — more than the
 * builder calls.
 */
import { aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';

export const INPUT_OBJECT_ACTIONS = ['s3:GetObject'] as const;
export const INPUT_LIST_ACTIONS = ['s3:ListBucket'] as const;

export function grantInputRead(bucket: s3.IBucket, grantee: iam.IGrantable): void {
  const statements = [
    new iam.PolicyStatement({ actions: [...INPUT_OBJECT_ACTIONS], resources: [bucket.arnForObjects('*')] }),
    new iam.PolicyStatement({ actions: [...INPUT_LIST_ACTIONS], resources: [bucket.bucketArn] }),
  ];
  for (const statement of statements) {
    if (!grantee.grantPrincipal.addToPrincipalPolicy(statement).statementAdded) {
      throw new Error(`could not add build input read access to ${grantee.grantPrincipal}`);
    }
  }
}
