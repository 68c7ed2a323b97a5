/**
 * The embedded local stack: the local S3 server, the local Lambda host and one Function URL listener
 * per `AWS::Lambda::Url`, all built from the synthesized CDK app in `cdk.out`, so the real bundled
 * handlers run with their real configuration. Handlers and clients use the unchanged AWS SDK,
 * pointed here by the standard endpoint variables in `env`.
 *
 * The search URL is the stack's Function URL (the one whose function is named like a coordinator when
 * there are several); the bucket is the first `AWS::S3::Bucket`. `port` pins the search URL's port,
 * e.g. for `squash local --port 8080`.
 *
 * `warm` starts that many environments of every function before the stack is returned (one at a time
 * per launch slot), so the first search does not pay a cold start per function; the launch gate,
 * the ceiling and idle reaping are the Lambda host's (lambda-host.ts, lambda-function-pool.ts).
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { type BlobStore, S3BlobStore } from '../../shared/store/index.ts';
import { readCdkStack } from './cdk-assembly.ts';
import { type SynthMode, synthesizeIfNeeded } from './cdk-synth.ts';
import { functionTable, functionUrlTargets, type LocalTemplateFunction } from './cdk-template.ts';
import type { FunctionStats } from './lambda-function.ts';
import { LOCAL_REGION } from './lambda-function.ts';
import { type LambdaHost, type LambdaHostOptions, startLambdaHost } from './lambda-host.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

export interface LocalStackOptions {
  /** The synthesized cloud assembly. @default 'cdk.out' */
  readonly cdkOut?: string;
  /** Which stack of the assembly. @default the one stack with Lambda functions */
  readonly stackName?: string;
  /** Synthesize the CDK app first. @default 'never' */
  readonly synth?: SynthMode;
  /** Port of the search Function URL. @default 0 (ephemeral) */
  readonly port?: number;
  /** Port of the S3 server. @default 0 */
  readonly s3Port?: number;
  /** Port of the Lambda Invoke API. @default 0 */
  readonly lambdaPort?: number;
  /** Where the S3 server keeps objects. @default a temporary directory removed by `stop()` */
  readonly s3Directory?: string;
  /** Host-wide concurrent invocations before throttling. @default 1000 */
  readonly accountConcurrency?: number;
  /** Function log lines. @default `[name] line` on stderr */
  readonly onLog?: (functionName: string, line: string) => void;
  /**
   * An S3-compatible endpoint to use instead of the embedded S3 server (LocalStack's S3, say); the
   * stack's buckets are created there. Credentials come from the environment.
   * @default the embedded S3 server
   */
  readonly s3Endpoint?: string;
  /** Adjusts a function before it is registered (tests: shorter timeouts, failure injection). */
  readonly functionOverrides?: (fn: LocalTemplateFunction) => LocalTemplateFunction;
  /** Initialised environments of every function to start before returning. @default 0 */
  readonly warm?: number;
  /** Capacity of the Lambda host: see `LambdaHostOptions`. @default the host's defaults */
  readonly capacity?: Pick<
    LambdaHostOptions,
    'maxConcurrentInits' | 'maxEnvironmentsPerFunction' | 'idleTimeoutMs' | 'queueTimeoutMs'
  >;
}

/** The variables a client process (or a function) sets to use the stack through the AWS SDK. */
export interface LocalStackEnv {
  readonly AWS_ENDPOINT_URL_S3: string;
  readonly AWS_ENDPOINT_URL_LAMBDA: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly AWS_REGION: string;
  readonly SQUASH_S3_FORCE_PATH_STYLE: 'true';
}

export interface LocalStack {
  readonly stackName: string;
  readonly searchUrl: string;
  /** Function name → its Function URL. */
  readonly functionUrls: Readonly<Record<string, string>>;
  readonly s3Endpoint: string;
  readonly lambdaEndpoint: string;
  readonly bucket: string;
  readonly env: LocalStackEnv;
  readonly functions: readonly LocalTemplateFunction[];
  /**
   * The index `name` in the stack's bucket, under the functions' index prefix, through an S3 client
   * aimed at the stack (closed by `stop()`).
   */
  indexStore(name: string): BlobStore;
  stats(functionName: string): FunctionStats;
  /** Kills every environment of the function, busy ones included (failure injection). */
  killEnvironments(functionName: string): number;
  /** Starts environments until `count` initialised ones are idle (avoids cold starts in measurements). */
  warm(functionName: string, count: number): Promise<void>;
  /** Process ids of the live environments of one function, or of every function (children of this process). */
  environmentPids(functionName?: string): number[];
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const cdkOut = options.cdkOut ?? 'cdk.out';
  await synthesizeIfNeeded(cdkOut, options.synth ?? 'never');
  const stack = readCdkStack(cdkOut, options.stackName);
  const targets = functionUrlTargets(stack);
  const search = targets.find((target) => /coordinator/i.test(target.functionName)) ?? targets[0];
  if (search === undefined)
    throw new InvalidInputError(`stack \`${stack.stackName}\` declares no AWS::Lambda::Url`);

  const started: { stop(): Promise<void> }[] = [];
  try {
    const s3 = options.s3Endpoint
      ? externalS3(options.s3Endpoint)
      : await startS3Server({ port: options.s3Port ?? 0, directory: options.s3Directory });
    started.push(s3);
    // Functions get these too; the host adds AWS_ENDPOINT_URL_LAMBDA (itself) to each environment.
    const shared = {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: options.s3Endpoint ? (process.env.AWS_ACCESS_KEY_ID ?? 'test') : 'local',
      AWS_SECRET_ACCESS_KEY: options.s3Endpoint ? (process.env.AWS_SECRET_ACCESS_KEY ?? 'test') : 'local',
      AWS_REGION: LOCAL_REGION,
      SQUASH_S3_FORCE_PATH_STYLE: 'true',
    } as const;
    const host: LambdaHost = await startLambdaHost({
      port: options.lambdaPort ?? 0,
      environment: shared,
      accountConcurrency: options.accountConcurrency,
      onLog: options.onLog,
      ...options.capacity,
    });
    started.unshift(host);
    const urls = new Map<string, string>();
    const functionUrls: Record<string, string> = {};
    for (const target of targets) {
      const url = await host.addFunctionUrl(
        target.functionName,
        target === search ? { port: options.port ?? 0 } : {},
      );
      urls.set(target.logicalId, url);
      functionUrls[target.functionName] = url;
    }
    const table = functionTable(stack, urls);
    for (const bucket of table.buckets) await s3.createBucket(bucket.name);
    for (const fn of table.functions) host.register(options.functionOverrides?.(fn) ?? fn);
    const bucket = table.buckets[0]?.name;
    if (bucket === undefined)
      throw new InvalidInputError(`stack \`${stack.stackName}\` declares no AWS::S3::Bucket`);

    const client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: shared.AWS_REGION,
      credentials: { accessKeyId: shared.AWS_ACCESS_KEY_ID, secretAccessKey: shared.AWS_SECRET_ACCESS_KEY },
    });
    started.push({ stop: async () => client.destroy() });
    const warm = options.warm ?? 0;
    if (warm > 0) await Promise.all(table.functions.map((fn) => host.warm(fn.name, warm)));
    const indexPrefix = (
      table.functions.find((fn) => fn.environment?.SQUASH_INDEX_PREFIX)?.environment?.SQUASH_INDEX_PREFIX ??
      'indexes/'
    ).replace(/\/+$/, '');
    return {
      stackName: stack.stackName,
      indexStore: (name) => new S3BlobStore({ bucket, prefix: `${indexPrefix}/${name}`, client }),
      searchUrl: functionUrls[search.functionName]!,
      functionUrls,
      s3Endpoint: s3.endpoint,
      lambdaEndpoint: host.endpoint,
      bucket,
      env: { ...shared, AWS_ENDPOINT_URL_LAMBDA: host.endpoint },
      functions: table.functions,
      stats: (name) => host.stats(name),
      killEnvironments: (name) => host.killEnvironments(name),
      warm: (name, count) => host.warm(name, count),
      environmentPids: (name) => host.environmentPids(name),
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** An S3 server someone else runs: buckets are created through the SDK; stopping leaves it running. */
function externalS3(endpoint: string): Pick<S3Server, 'endpoint' | 'createBucket' | 'stop'> {
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: process.env.AWS_REGION ?? LOCAL_REGION,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    },
  });
  return {
    endpoint,
    async createBucket(name) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (error) {
        const code = (error as { name?: string }).name;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
      }
    },
    stop: async () => client.destroy(),
  };
}

async function stopAll(services: readonly { stop(): Promise<void> }[]): Promise<void> {
  for (const service of services) await service.stop();
}
