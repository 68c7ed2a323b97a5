import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { S3BlobStore } from '../../../shared/store/index.ts';
import { describeBlobStoreContract } from '../../support/blob-store-contract.ts';
import {
  deleteBucket,
  localStackS3Client,
  localStackTarget,
  requireLocalStackS3,
  uniqueBucketName,
} from './localstack-target.ts';

/** The project's own `S3BlobStore` keeps the shared BlobStore contract on LocalStack's S3. */
const target = localStackTarget();

if (target.selected) {
  const bucket = uniqueBucketName('ls-store');
  let client: S3Client | undefined;
  let run = 0;

  beforeAll(async () => {
    await requireLocalStackS3(target.endpoint);
    client = localStackS3Client(target.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    if (client === undefined) return;
    await deleteBucket(client, bucket);
    client.destroy();
  });

  describeBlobStoreContract(`S3BlobStore on LocalStack at ${target.endpoint}`, () => {
    run += 1;
    return { store: new S3BlobStore({ bucket, prefix: `contract/${run}/`, client: client! }) };
  });
} else {
  describe.skip(`BlobStore contract on LocalStack S3 (${target.skipReason})`, () => {
    it('runs the shared BlobStore contract against S3BlobStore', () => {});
  });
}
