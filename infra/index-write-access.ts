/**
 * What the writers may do in the index bucket (docs/writes.md), beside the read access every function
 * has (`index-read-access.ts`). Only two functions write, each with the one action set its code needs:
 *
 * - the coordinator appends to write logs: `s3:PutObject` on the log objects only, the IAM pattern
 *   `<indexPrefix>` `*` `/log/` `*` (`logObjects`; `LOG_PREFIX` of `shared/writes/log-keys.ts`). Each request is one `<index>/log/<sequence>.json`
 *   object, written with `If-None-Match: *`; a conditional write needs no action beyond `s3:PutObject`,
 *   and no delete (log objects are never rewritten). IAM's `*` also matches `/`, so the grant covers
 *   every key below the prefix with a `/log/` segment: index names hold no `/`
 *   (`functions/wire/fields.ts`) and version objects (`v<n>/…`, `shared/format/index-keys.ts`) no
 *   `log/` folder, so it reaches the logs and neither `CURRENT` nor any version.
 * - the compactor writes new versions and moves `CURRENT` (a conditional `PutObject`), then removes
 *   retired versions and folded log objects after the retention period: `s3:PutObject` and
 *   `s3:DeleteObject` on `<indexPrefix>*`.
 *
 * Why not `bucket.grantPut` / `bucket.grantDelete`: they grant `s3:PutObjectLegalHold`,
 * `s3:PutObjectRetention`, `s3:PutObjectTagging`, `s3:PutObjectVersionTagging`, `s3:Abort*` and
 * `s3:DeleteObject*` (object versions too) — more than the code calls, and wildcards.
 */
import { aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';
import { LOG_PREFIX } from '../shared/writes/log-keys.ts';

/** What the coordinator holds on the log objects (`logObjects`). */
export const LOG_APPEND_ACTIONS = ['s3:PutObject'] as const;

/** What the compactor holds on `<bucket>/<indexPrefix>*`, beside the read access. */
export const INDEX_WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject'] as const;

/** The IAM object pattern of every index's write log: the prefix, `*`, then `/log/*`. */
export function logObjects(indexPrefix: string): string {
  return `${indexPrefix}*/${LOG_PREFIX}*`;
}

export function grantLogAppend(bucket: s3.IBucket, grantee: iam.IGrantable, indexPrefix: string): void {
  addStatement(
    grantee,
    new iam.PolicyStatement({
      actions: [...LOG_APPEND_ACTIONS],
      resources: [bucket.arnForObjects(logObjects(indexPrefix))],
    }),
  );
}

export function grantIndexWrite(bucket: s3.IBucket, grantee: iam.IGrantable, indexPrefix: string): void {
  addStatement(
    grantee,
    new iam.PolicyStatement({
      actions: [...INDEX_WRITE_ACTIONS],
      resources: [bucket.arnForObjects(`${indexPrefix}*`)],
    }),
  );
}

function addStatement(grantee: iam.IGrantable, statement: iam.PolicyStatement): void {
  if (!grantee.grantPrincipal.addToPrincipalPolicy(statement).statementAdded) {
    throw new Error(`could not add index write access to ${grantee.grantPrincipal}`);
  }
}
