import { describe, it } from 'vitest';
import { S3BlobStore } from '../../../shared/store/index.ts';
import { describeBlobStoreContract } from '../../support/blob-store-contract.ts';
import { localStackBucket, localStackTarget } from './localstack-target.ts';

/** The project's own `S3BlobStore` keeps the shared BlobStore contract on LocalStack's S3. */
const target = localStackTarget();

if (target.selected) {
  const s3 = localStackBucket(target.endpoint, 'ls-store');
  let run = 0;

  describeBlobStoreContract(`S3BlobStore on LocalStack at ${target.endpoint}`, () => {
    run += 1;
    return { store: new S3BlobStore({ bucket: s3.bucket, prefix: `contract/${run}/`, client: s3.client }) };
  });
} else {
  describe.skip(`BlobStore contract on LocalStack S3 (${target.skipReason})`, () => {
    it('runs the shared BlobStore contract against S3BlobStore', () => {});
  });
}
