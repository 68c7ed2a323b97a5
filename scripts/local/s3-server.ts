/**
 * The local S3-compatible server: s3rver 3.7.1 (filesystem store) behind the compatibility layer that
 * makes byte ranges and conditional writes behave as on S3 (see s3-compat-layer.ts), with its store
 * taking whole uploads only and its listings paging on current Node (s3rver-patches.ts). It listens on
 * loopback only, accepts any credentials (signatures are not checked) and expects path-style requests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { s3CompatibilityLayer } from './s3-compat-layer.ts';
import { plainContinuationTokens, wholeUploads } from './s3rver-patches.ts';

export interface S3ServerOptions {
  /** TCP port on 127.0.0.1. @default 0 (an ephemeral port) */
  readonly port?: number;
  /** Where objects are stored. @default a fresh temporary directory, removed by `stop()` */
  readonly directory?: string;
  /** Buckets to create before the server answers. @default [] */
  readonly buckets?: readonly string[];
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_S3` (with path-style addressing). */
  readonly endpoint: string;
  readonly directory: string;
  /** Creates the bucket if it does not exist yet. */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'squash-s3-')));
  const s3rver = new S3rver({ directory, silent: true, vhostBuckets: false });
  wholeUploads(s3rver);
  plainContinuationTokens();
  const createBucket = async (name: string): Promise<void> => {
    if (!BUCKET_NAME.test(name)) {
      throw new InvalidInputError(
        `bucket name \`${name}\` is not valid: expected 3–63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit`,
      );
    }
    await s3rver.store.putBucket(name);
  };
  for (const bucket of options.buckets ?? []) await createBucket(bucket);

  const server = createServer(s3CompatibilityLayer(s3rver));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    createBucket,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}
