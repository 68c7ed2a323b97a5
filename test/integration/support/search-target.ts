/**
 * Where the integration suite runs (TEST_TARGET), found only through endpoints:
 * - `local` (default): the embedded local stack — local S3 server + local Lambda host running the
 *   bundles synthesized from the CDK app;
 * - `localstack-s3`: the same Lambda host, S3 on LocalStack (AWS_ENDPOINT_URL_S3);
 * - `external`: a deployed stack (`cdk deploy --outputs-file`, SQUASH_OUTPUTS_FILE), on AWS or on
 *   LocalStack; S3 through the standard SDK variables, requests SigV4-signed.
 * Emulator-only abilities (cold-start counts, killing environments) are present only on local targets;
 * tests that need them skip elsewhere, saying so.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../../scripts/local/index.ts';
import { type BlobStore, S3BlobStore } from '../../../shared/store/index.ts';

export type TestTarget = 'local' | 'localstack-s3' | 'external';
export const testTarget = (process.env.TEST_TARGET ?? 'local') as TestTarget;
export const isEmulated = testTarget !== 'external';
export const projectRoot = resolve(import.meta.dirname, '../../..');

export interface SearchTarget {
  readonly searchUrl: string;
  readonly bucket: string;
  /** SigV4-sign requests (external targets with AWS_IAM URLs). */
  readonly sign: boolean;
  /** The index `name` in the stack's bucket (`indexes/<name>`), as the functions read it. */
  indexStore(name: string): BlobStore;
  /** Local targets only: the emulator, for stats and failure injection. */
  readonly emulator?: LocalStack;
  stop(): Promise<void>;
}

export async function startSearchTarget(
  options: Pick<LocalStackOptions, 'functionOverrides'> = {},
): Promise<SearchTarget> {
  if (testTarget === 'external') return externalTarget();
  if (testTarget !== 'local' && testTarget !== 'localstack-s3') {
    throw new Error(`TEST_TARGET=${testTarget} is not one of local, localstack-s3, external`);
  }
  const s3Endpoint = testTarget === 'localstack-s3' ? requiredEnv('AWS_ENDPOINT_URL_S3') : undefined;
  const stack = await startLocalStack({
    cdkOut: resolve(projectRoot, 'cdk.out'),
    synth: 'if-stale',
    onLog: () => {},
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...options,
  });
  return {
    searchUrl: stack.searchUrl,
    bucket: stack.bucket,
    sign: false,
    indexStore: (name) => stack.indexStore(name),
    emulator: stack,
    stop: () => stack.stop(),
  };
}

function externalTarget(): SearchTarget {
  const file = requiredEnv('SQUASH_OUTPUTS_FILE');
  const outputs = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  const stack = Object.values(outputs).find((values) => values.SearchUrl && values.BucketName);
  if (!stack) throw new Error(`${file} holds no stack outputs with SearchUrl and BucketName`);
  const client = new S3Client({ forcePathStyle: process.env.SQUASH_S3_FORCE_PATH_STYLE === 'true' });
  return {
    searchUrl: stack.SearchUrl!,
    bucket: stack.BucketName!,
    sign: process.env.SQUASH_SIGN_REQUESTS !== 'false',
    indexStore: (name) => new S3BlobStore({ bucket: stack.BucketName!, prefix: `indexes/${name}`, client }),
    stop: async () => client.destroy(),
  };
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`TEST_TARGET=${testTarget} needs ${name}`);
  return value;
}
