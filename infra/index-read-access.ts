/**
 * What a search function may do in the index bucket: read objects below the index prefix, nothing else.
 *
 * The read path sends three kinds of S3 request (`shared/store/s3-blob-store.ts`, through `get`,
 * `getRange` and `head`): GetObject for whole objects (`CURRENT`, manifests, centroids, attribute codes),
 * GetObject with a `Range` header (partition sections) and HeadObject (`CURRENT`'s ETag, and an object's
 * size after a refused or short range). IAM authorises all three with one action, `s3:GetObject`
 * (there is no `s3:HeadObject` action, and a range needs nothing more). No function lists, writes or
 * deletes: builds run with the caller's own credentials. `test/infra/s3-requests.test.ts` runs the
 * three functions in process and checks that they call nothing else.
 *
 * `s3:ListBucket`, conditioned on `s3:prefix` under the index prefix, is there for one reason: S3 answers
 * a request for a missing key with 404 only to a caller allowed to list the bucket, and with 403
 * AccessDenied otherwise. An unknown index must be a 404, and a damaged index (a partition object
 * deleted) must be reported as a missing object, not as an access problem that sends the operator
 * after IAM. S3 evaluates that check with the requested key as `s3:prefix` (Ceph's RGW copied the
 * behaviour in ceph/ceph#68577), so the condition admits it for keys below the prefix only, and an
 * explicit ListObjectsV2 only for prefixes below it.
 *
 * Why not `bucket.grantRead`: it grants `s3:GetObject*`, `s3:GetBucket*` and `s3:List*` (object
 * versions, ACLs, tags, bucket configuration, listing the whole bucket) — more than the code calls.
 */
import { aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';

/** The object actions a search function holds on `<bucket>/<indexPrefix>*`. */
export const INDEX_OBJECT_ACTIONS = ['s3:GetObject'] as const;

/** The bucket action, held only with `s3:prefix` like `<indexPrefix>*`. */
export const INDEX_LIST_ACTIONS = ['s3:ListBucket'] as const;

export function grantIndexRead(bucket: s3.IBucket, grantee: iam.IGrantable, indexPrefix: string): void {
  const objects = `${indexPrefix}*`;
  const statements = [
    new iam.PolicyStatement({
      actions: [...INDEX_OBJECT_ACTIONS],
      resources: [bucket.arnForObjects(objects)],
    }),
    new iam.PolicyStatement({
      actions: [...INDEX_LIST_ACTIONS],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': objects } },
    }),
  ];
  for (const statement of statements) {
    if (!grantee.grantPrincipal.addToPrincipalPolicy(statement).statementAdded) {
      throw new Error(`could not add index read access to ${grantee.grantPrincipal}`);
    }
  }
}
