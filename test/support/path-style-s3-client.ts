import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client for a local endpoint (the embedded S3 server or LocalStack): path-style addressing,
 * dummy credentials and no retries, so a wrong answer is seen as it is.
 */
export function pathStyleS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}
