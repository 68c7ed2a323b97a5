import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { pathStyleS3Client } from '../../support/path-style-s3-client.ts';
import type { S3Endpoint } from '../../support/s3-semantics-contract.ts';

/**
 * Which LocalStack the `localstack-s3` target points at. Tests under this folder only run when
 * `TEST_TARGET=localstack-s3` (set by `scripts/localstack/test-localstack.sh`); the endpoint comes from
 * the standard SDK variables, like every other integration test.
 */
export type LocalStackTarget =
  | { readonly selected: false; readonly skipReason: string }
  | { readonly selected: true; readonly endpoint: string };

export const LOCALSTACK_TARGET = 'localstack-s3';

export function localStackTarget(env: NodeJS.ProcessEnv = process.env): LocalStackTarget {
  const target = env.TEST_TARGET ?? 'local';
  if (target !== LOCALSTACK_TARGET) {
    return {
      selected: false,
      skipReason: `skipped: TEST_TARGET is '${target}'; these tests run only with TEST_TARGET=${LOCALSTACK_TARGET} (npm run test:localstack)`,
    };
  }
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (endpoint === undefined || endpoint === '') {
    throw new Error(
      `TEST_TARGET=${LOCALSTACK_TARGET} but neither AWS_ENDPOINT_URL_S3 nor AWS_ENDPOINT_URL is set; expected the LocalStack endpoint, e.g. AWS_ENDPOINT_URL_S3=http://127.0.0.1:4566`,
    );
  }
  return { selected: true, endpoint: endpoint.replace(/\/+$/, '') };
}

export interface LocalStackHealth {
  readonly version: string;
  readonly s3: string;
}

/** Reads `/_localstack/health`; throws, naming the endpoint and the cause, when S3 is not up there. */
export async function requireLocalStackS3(endpoint: string): Promise<LocalStackHealth> {
  const url = `${endpoint}/_localstack/health`;
  let body: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    const cause =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new Error(
      `TEST_TARGET=${LOCALSTACK_TARGET} but LocalStack is not reachable at ${endpoint} (GET ${url}: ${cause}); start it with scripts/localstack/start-host.sh or run npm run test:localstack`,
    );
  }
  const health = body as { version?: unknown; services?: { s3?: unknown } };
  const s3 = String(health.services?.s3);
  if (s3 !== 'available' && s3 !== 'running') {
    throw new Error(`LocalStack at ${endpoint} reports S3 as '${s3}'; expected 'available' or 'running'`);
  }
  return { version: String(health.version), s3 };
}

/**
 * Registers hooks, in the calling suite, that fail loudly unless LocalStack's S3 answers at
 * `endpoint`, create a fresh bucket there, and empty and delete it afterwards. The client is there
 * once the `beforeAll` has run.
 */
export function localStackBucket(endpoint: string, purpose: string): S3Endpoint {
  const bucket = uniqueBucketName(purpose);
  let client: S3Client | undefined;

  beforeAll(async () => {
    const health = await requireLocalStackS3(endpoint);
    console.info(`LocalStack ${health.version} at ${endpoint}: S3 ${health.s3}`);
    client = pathStyleS3Client(endpoint);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    if (client === undefined) return;
    await deleteBucket(client, bucket);
    client.destroy();
  });

  return {
    bucket,
    get client(): S3Client {
      if (client === undefined) throw new Error(`the LocalStack bucket ${bucket} is not open yet`);
      return client;
    },
  };
}

/** A fresh bucket name per test file run: LocalStack keeps buckets for as long as it runs. */
export function uniqueBucketName(purpose: string): string {
  return `squash-${purpose}-${Date.now().toString(36)}-${process.pid.toString(36)}`;
}

/** Deletes every object of `bucket`, then the bucket. */
export async function deleteBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
    if (keys.length === 0) break;
    await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
