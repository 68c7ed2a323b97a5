import { S3Client } from '@aws-sdk/client-s3';

let shared: S3Client | undefined;

/**
 * One S3 client per process, reused by every store (the SDK's default agent keeps connections
 * alive). Endpoint, region and credentials come from the SDK's default provider chain, so
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` / `AWS_REGION` work unchanged; path-style addressing
 * (needed by local S3 servers) has no SDK variable, hence `SQUASH_S3_FORCE_PATH_STYLE=true`.
 */
export function sharedS3Client(): S3Client {
  shared ??= new S3Client({ forcePathStyle: process.env.SQUASH_S3_FORCE_PATH_STYLE === 'true' });
  return shared;
}
