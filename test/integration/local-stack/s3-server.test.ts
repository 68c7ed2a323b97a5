import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRange } from '../../../scripts/local/s3-range.ts';
import { type S3Server, startS3Server } from '../../../scripts/local/s3-server.ts';
import { pathStyleS3Client } from '../../support/path-style-s3-client.ts';
import { s3SemanticsContract } from '../../support/s3-semantics-contract.ts';

const BUCKET = 'squash-test';

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

  beforeAll(async () => {
    server = await startS3Server();
    s3 = pathStyleS3Client(server.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
  });

  s3SemanticsContract(() => ({ client: s3, bucket: BUCKET }));

  it('refuses aws-chunked uploads instead of storing the chunk framing', async () => {
    const response = await fetch(`${server.endpoint}/${BUCKET}/chunked`, {
      method: 'PUT',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '3' },
      body: '3\r\nabc\r\n0\r\n\r\n',
    });
    expect(response.status).toBe(501);
    expect(await response.text()).toContain('<Code>NotImplemented</Code>');
  });

  it("releases a key's lock when the client of a request waiting for it goes away", async () => {
    const url = `${server.endpoint}/${BUCKET}/abandoned`;
    // A PUT whose body is still arriving holds the key's write lock.
    const slow = request(url, { method: 'PUT', headers: { 'content-length': '2' } });
    const slowAnswered = new Promise<number | undefined>((resolve) => {
      slow.on('response', (response) => {
        response.resume();
        resolve(response.statusCode);
      });
    });
    slow.write('a');
    await sleep(200);
    // Behind it, a ranged GET and a conditional PUT wait for the lock; their clients are killed there.
    const waiting = [
      request(url, { headers: { range: 'bytes=0-0' } }),
      request(url, { method: 'PUT', headers: { 'if-none-match': '*', 'content-length': '1' } }),
    ];
    for (const waiter of waiting) {
      waiter.on('error', () => {});
      waiter.flushHeaders();
    }
    await sleep(200);
    for (const waiter of waiting) waiter.destroy();
    await sleep(200);
    slow.end('b');
    expect(await slowAnswered).toBe(200);

    const read = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    expect(await read.text()).toBe('ab');
    const removed = await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(5_000) });
    expect(removed.status).toBe(204);
  });

  it('creates buckets through the handle and rejects invalid names', async () => {
    await server.createBucket('second-bucket');
    await s3.send(new PutObjectCommand({ Bucket: 'second-bucket', Key: 'k', Body: 'v' }));
    await expect(server.createBucket('Bad_Name')).rejects.toThrow(/bucket name `Bad_Name` is not valid/);
  });
});
