import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRange } from '../../../scripts/local/s3-range.ts';
import { type S3Server, startS3Server } from '../../../scripts/local/s3-server.ts';
import { createRng } from '../../../shared/random.ts';

const BUCKET = 'squash-test';

function randomBytes(n: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = rng.int(256);
  return bytes;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException)
      return { name: error.name, status: error.$metadata.httpStatusCode };
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('resolveRange', () => {
  it('follows S3 semantics for every form', () => {
    expect(resolveRange('bytes=0-0', 10)).toEqual({ kind: 'partial', start: 0, end: 0 });
    expect(resolveRange('bytes=3-99', 10)).toEqual({ kind: 'partial', start: 3, end: 9 });
    expect(resolveRange('bytes=7-', 10)).toEqual({ kind: 'partial', start: 7, end: 9 });
    expect(resolveRange('bytes=-4', 10)).toEqual({ kind: 'partial', start: 6, end: 9 });
    expect(resolveRange('bytes=-40', 10)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(resolveRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=5-2', 10)).toEqual({ kind: 'whole' });
    expect(resolveRange('bytes=0-1,4-5', 10)).toEqual({ kind: 'whole' });
    expect(resolveRange(undefined, 10)).toEqual({ kind: 'whole' });
  });
});

describe('local S3 server', () => {
  let server: S3Server;
  let s3: S3Client;
  const object = randomBytes(300_000, 7);

  beforeAll(async () => {
    server = await startS3Server();
    s3 = new S3Client({
      endpoint: server.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'blobs/a.bin', Body: object }));
  });

  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
  });

  const getRange = async (key: string, range: string) => {
    const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: range }));
    return { bytes: await response.Body!.transformToByteArray(), contentRange: response.ContentRange };
  };

  it('returns exactly the requested bytes', async () => {
    const middle = await getRange('blobs/a.bin', 'bytes=1000-1999');
    expect(middle.bytes).toEqual(object.subarray(1000, 2000));
    expect(middle.contentRange).toBe('bytes 1000-1999/300000');
    const first = await getRange('blobs/a.bin', 'bytes=0-0');
    expect(first.bytes).toEqual(object.subarray(0, 1));
    const clamped = await getRange('blobs/a.bin', 'bytes=299990-400000');
    expect(clamped.bytes).toEqual(object.subarray(299_990));
    expect(clamped.contentRange).toBe('bytes 299990-299999/300000');
  });

  it('returns the last N bytes for a suffix range', async () => {
    const tail = await getRange('blobs/a.bin', 'bytes=-100');
    expect(tail.bytes).toEqual(object.subarray(300_000 - 100));
    expect(tail.contentRange).toBe('bytes 299900-299999/300000');
    const all = await getRange('blobs/a.bin', 'bytes=-1000000');
    expect(all.bytes).toEqual(object);
  });

  it('answers 416 InvalidRange for a range starting past the end', async () => {
    expect(await failure(getRange('blobs/a.bin', 'bytes=300000-'))).toEqual({
      name: 'InvalidRange',
      status: 416,
    });
    expect(await failure(getRange('blobs/a.bin', 'bytes=-0'))).toEqual({ name: 'InvalidRange', status: 416 });
  });

  it('answers NoSuchKey for a ranged read of a missing key', async () => {
    expect(await failure(getRange('blobs/missing.bin', 'bytes=0-9'))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
  });

  it('enforces If-None-Match: * and If-Match on writes', async () => {
    const put = (body: string, conditions: { IfNoneMatch?: string; IfMatch?: string }) =>
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cond/current', Body: body, ...conditions }));
    const created = await put('v1', { IfNoneMatch: '*' });
    expect(await failure(put('v1 again', { IfNoneMatch: '*' }))).toEqual({
      name: 'PreconditionFailed',
      status: 412,
    });
    expect(await failure(put('v2', { IfMatch: '"0123456789abcdef0123456789abcdef"' }))).toEqual({
      name: 'PreconditionFailed',
      status: 412,
    });
    const replaced = await put('v2', { IfMatch: created.ETag! });
    expect(replaced.ETag).not.toBe(created.ETag);
    expect(await failure(put('v3', { IfMatch: created.ETag! }))).toEqual({
      name: 'PreconditionFailed',
      status: 412,
    });
    const current = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cond/current' }));
    expect(await current.Body!.transformToString()).toBe('v2');
    expect(current.ETag).toBe(replaced.ETag);
    const missing = s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'cond/absent', Body: 'x', IfMatch: created.ETag! }),
    );
    expect(await failure(missing)).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('lets exactly one of 20 racing If-None-Match: * writers win', async () => {
    const attempts = Array.from({ length: 20 }, (_, i) =>
      s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'race/key', Body: `writer ${i}`, IfNoneMatch: '*' }),
      ),
    );
    const outcomes = await Promise.allSettled(attempts);
    const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
    const losers = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' && outcome.reason instanceof S3ServiceException
        ? [outcome.reason.name]
        : [],
    );
    expect(winners).toHaveLength(1);
    expect(losers).toEqual(Array(19).fill('PreconditionFailed'));
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'race/key' }));
    expect(await stored.Body!.transformToString()).toBe(`writer ${winners[0]}`);
  });

  it('never lets a read see a half-written object', async () => {
    const a = new Uint8Array(1 << 20).fill(0xaa);
    const b = new Uint8Array(1 << 20).fill(0xbb);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'torn/key', Body: a }));
    const reads: Promise<Uint8Array>[] = [];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      writes.push(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'torn/key', Body: i % 2 === 0 ? b : a })),
      );
      reads.push(getRange('torn/key', 'bytes=0-').then((r) => r.bytes));
    }
    await Promise.all(writes);
    for (const bytes of await Promise.all(reads)) {
      expect(bytes.length).toBe(1 << 20);
      expect(bytes.every((x) => x === bytes[0])).toBe(true);
    }
  });

  it('lists keys under a prefix', async () => {
    for (const key of ['list/x/1', 'list/x/2', 'list/y/1', 'listing']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/x/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['list/x/1', 'list/x/2']);
    expect(listed.Contents?.map((c) => c.Size)).toEqual([8, 8]);
    const all = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list' }));
    expect(all.KeyCount).toBe(4);
  });

  it('refuses aws-chunked uploads instead of storing the chunk framing', async () => {
    const response = await fetch(`${server.endpoint}/${BUCKET}/chunked`, {
      method: 'PUT',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '3' },
      body: '3\r\nabc\r\n0\r\n\r\n',
    });
    expect(response.status).toBe(501);
    expect(await response.text()).toContain('<Code>NotImplemented</Code>');
  });

  it('creates buckets through the handle and rejects invalid names', async () => {
    await server.createBucket('second-bucket');
    await s3.send(new PutObjectCommand({ Bucket: 'second-bucket', Key: 'k', Body: 'v' }));
    await expect(server.createBucket('Bad_Name')).rejects.toThrow(/bucket name `Bad_Name` is not valid/);
  });
});
