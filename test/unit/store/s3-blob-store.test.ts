import { afterEach, describe, expect, it, vi } from 'vitest';
import { BlobNotFoundError, UpstreamError } from '../../../shared/errors/index.ts';
import { RangeNotSatisfiableError, S3BlobStore } from '../../../shared/store/index.ts';
import { describeBlobStoreContract, seededBytes } from '../../support/blob-store-contract.ts';
import { FakeS3Client } from '../../support/fake-s3-client.ts';

describeBlobStoreContract('S3BlobStore over a fake S3 client', () => {
  const fake = new FakeS3Client('bucket', 2);
  return { store: new S3BlobStore({ bucket: 'bucket', prefix: 'tenant/', client: fake.asClient() }) };
});

describe('S3BlobStore', () => {
  it('keys objects under its prefix and sends inclusive byte ranges', async () => {
    const fake = new FakeS3Client('b');
    const store = new S3BlobStore({ bucket: 'b', prefix: '/indexes/x/', client: fake.asClient() });
    expect(store.description).toBe('s3://b/indexes/x');
    await store.put('v1/partitions/0.bin', seededBytes(1, 100), { ifNoneMatch: '*' });
    await store.getRange('v1/partitions/0.bin', 10, 20);
    expect(fake.requests.map((request) => [request.command, request.input])).toEqual([
      [
        'PutObjectCommand',
        expect.objectContaining({
          Key: 'indexes/x/v1/partitions/0.bin',
          IfNoneMatch: '*',
          ContentLength: 100,
        }),
      ],
      ['GetObjectCommand', { Bucket: 'b', Key: 'indexes/x/v1/partitions/0.bin', Range: 'bytes=10-29' }],
    ]);
  });

  it('follows list continuation tokens', async () => {
    const fake = new FakeS3Client('b', 3);
    const store = new S3BlobStore({ bucket: 'b', client: fake.asClient() });
    const keys = Array.from({ length: 10 }, (_, i) => `v1/partitions/${i}.bin`);
    for (const key of keys) await store.put(key, seededBytes(2, 1));
    expect(await store.list('v1/partitions/')).toEqual([...keys].sort());
    expect(fake.requests.filter((request) => request.command === 'ListObjectsV2Command')).toHaveLength(4);
  });

  it('maps a missing bucket to the SDK error, not BlobNotFoundError', async () => {
    const store = new S3BlobStore({ bucket: 'other', client: new FakeS3Client('b').asClient() });
    const attempt = store.get('k');
    await expect(attempt).rejects.toThrow('NoSuchBucket');
    await expect(store.get('k')).rejects.not.toThrow(BlobNotFoundError);
  });

  it('refuses wrong bytes from a server that ignores Range', async () => {
    const fake = new FakeS3Client('b');
    const store = new S3BlobStore({ bucket: 'b', client: fake.asClient() });
    await store.put('k', seededBytes(3, 100));
    fake.ignoreRanges = true;
    await expect(store.getRange('k', 10, 20)).rejects.toThrow(UpstreamError);
    await expect(store.getRange('k', 10, 20)).rejects.toThrow(
      's3://b answered bytes=10-29 of `k` with 100 bytes (Content-Range absent); expected 20 bytes from 10',
    );
    await expect(store.getRange('k', 90, 20)).rejects.toThrow(RangeNotSatisfiableError);
    expect(await store.getRange('k', 0, 100)).toEqual(seededBytes(3, 100));
  });
});

describe('sharedS3Client', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('is created once per process, path-style only when SQUASH_S3_FORCE_PATH_STYLE=true', async () => {
    vi.stubEnv('SQUASH_S3_FORCE_PATH_STYLE', 'true');
    vi.stubEnv('AWS_REGION', 'eu-west-3');
    vi.resetModules();
    const { sharedS3Client } = await import('../../../shared/store/s3-client.ts');
    const client = sharedS3Client();
    expect(sharedS3Client()).toBe(client);
    expect(client.config.forcePathStyle).toBe(true);
    expect(await client.config.region()).toBe('eu-west-3');

    vi.stubEnv('SQUASH_S3_FORCE_PATH_STYLE', '');
    vi.resetModules();
    const fresh = await import('../../../shared/store/s3-client.ts');
    expect(fresh.sharedS3Client().config.forcePathStyle).toBe(false);
  });
});
