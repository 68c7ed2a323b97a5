import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../scripts/local/local-stack.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/cloud-assembly/', import.meta.url));

describe('local stack from a synthesized template', () => {
  let stack: LocalStack;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ cdkOut: FIXTURE, onLog: (name, line) => logs.push(`${name}: ${line}`) });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('exposes the endpoints, bucket and client environment', () => {
    expect(stack.bucket).toBe('localfixture-databuckete3889a50');
    expect(stack.searchUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(stack.functionUrls).toEqual({ 'LocalFixture-search': stack.searchUrl });
    expect(stack.env).toEqual({
      AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
      AWS_ENDPOINT_URL_LAMBDA: stack.lambdaEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      SQUASH_S3_FORCE_PATH_STYLE: 'true',
    });
    expect(stack.functions.map((f) => f.name)).toEqual(['LocalFixture-search', 'WorkerFunction9C8D7E6F']);
  });

  it('runs the chain Function URL → handler → S3 put → Invoke → handler → S3 suffix range', async () => {
    const response = await fetch(new URL('/search', stack.searchUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'docs/greeting.txt', text: 'hello, local stack' }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      path: '/search',
      requests: 1,
      functionError: null,
      worker: { tail: 'stack', contentRange: 'bytes 13-17/18', node: process.version },
      env: {
        DATA_BUCKET: stack.bucket,
        WORKER_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:WorkerFunction9C8D7E6F',
        SELECTED: 'b',
      },
    });
    const s3 = new S3Client({
      endpoint: stack.env.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
      region: stack.env.AWS_REGION,
      credentials: {
        accessKeyId: stack.env.AWS_ACCESS_KEY_ID,
        secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY,
      },
    });
    const stored = await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: 'docs/greeting.txt' }));
    expect(await stored.Body!.transformToString()).toBe('hello, local stack');
    s3.destroy();
    expect(stack.stats('LocalFixture-search')).toMatchObject({
      invocations: 1,
      coldStarts: 1,
      memoryMiB: 1024,
    });
    expect(stack.stats('WorkerFunction9C8D7E6F')).toMatchObject({
      invocations: 1,
      coldStarts: 1,
      memoryMiB: 256,
    });
  });

  it('keeps environments warm across requests and recovers after they are killed', async () => {
    const search = (key: string) =>
      fetch(stack.searchUrl, { method: 'POST', body: JSON.stringify({ key, text: `text of ${key}` }) }).then(
        (r) => r.json() as Promise<{ requests: number; worker: { tail: string } }>,
      );
    expect((await search('a')).requests).toBe(2);
    expect(stack.stats('WorkerFunction9C8D7E6F')).toMatchObject({ invocations: 2, warmStarts: 1 });
    expect(stack.killEnvironments('WorkerFunction9C8D7E6F')).toBe(1);
    const after = await search('b');
    expect(after.worker.tail).toBe(' of b');
    expect(stack.stats('WorkerFunction9C8D7E6F')).toMatchObject({ invocations: 3, coldStarts: 2 });
  });

  it('serves the Invoke API to clients configured from env', async () => {
    const lambda = new LambdaClient({
      endpoint: stack.env.AWS_ENDPOINT_URL_LAMBDA,
      region: stack.env.AWS_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const invoked = await lambda.send(
      new InvokeCommand({
        FunctionName: 'WorkerFunction9C8D7E6F',
        Payload: JSON.stringify({ key: 'a', lastBytes: 3 }),
      }),
    );
    expect(JSON.parse(Buffer.from(invoked.Payload!).toString())).toMatchObject({
      tail: 'f a',
      contentRange: 'bytes 6-8/9',
    });
    lambda.destroy();
  });
});
