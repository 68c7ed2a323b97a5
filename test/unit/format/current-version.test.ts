import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  IndexFormatError,
  IndexNotFoundError,
  PreconditionFailedError,
} from '../../../shared/errors/index.ts';
import {
  CURRENT_KEY,
  encodeManifest,
  listVersions,
  manifestKey,
  partitionKey,
  publishVersion,
  readCurrentManifest,
  readCurrentPointer,
  readCurrentVersion,
  readManifest,
  versionKeys,
  versionOfManifestKey,
} from '../../../shared/format/index.ts';
import type { BlobStore } from '../../../shared/store/index.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { sampleVersion } from './sample-manifest.ts';

async function writeVersion(store: BlobStore, version: number): Promise<void> {
  const { objects, manifest } = sampleVersion(version);
  for (const [key, bytes] of objects) await store.put(key, bytes, { ifNoneMatch: '*' });
  await store.put(manifestKey(version), encodeManifest(manifest), { ifNoneMatch: '*' });
}

describe('index keys', () => {
  it('lays out a version under v<version>/', () => {
    const keys = versionKeys(12);
    expect([keys.prefix, keys.manifest, keys.centroids, keys.attributes, keys.partition(3)]).toEqual([
      'v12/',
      'v12/manifest.json',
      'v12/centroids.bin',
      'v12/attributes.bin',
      'v12/partitions/3.bin',
    ]);
    expect(partitionKey(1, 0)).toBe('v1/partitions/0.bin');
    expect(CURRENT_KEY).toBe('CURRENT');
    expect(versionOfManifestKey('v12/manifest.json')).toBe(12);
    expect(versionOfManifestKey('v012/manifest.json')).toBeUndefined();
    expect(versionOfManifestKey('v1/centroids.bin')).toBeUndefined();
    expect(() => versionKeys(0)).toThrow('index version 0 is not a positive integer');
    expect(() => partitionKey(1, -1)).toThrow('partition -1 is not a non-negative integer');
  });
});

describe('publishing versions', () => {
  it('publishes the first version, then the next one conditionally', async () => {
    const store = new MemoryBlobStore('memory://idx');
    expect(await readCurrentVersion(store)).toBeUndefined();
    await expect(readCurrentManifest(store)).rejects.toThrow(
      new IndexNotFoundError('memory://idx has no published index (no `CURRENT`)'),
    );

    await writeVersion(store, 1);
    const first = await publishVersion(store, 1, undefined);
    const manifestHash = createHash('sha256')
      .update(await store.get(manifestKey(1)))
      .digest('hex');
    expect(new TextDecoder().decode(await store.get(CURRENT_KEY))).toBe(`1 sha256:${manifestHash}\n`);
    expect(await readCurrentVersion(store)).toEqual({ version: 1, etag: first.etag });

    await writeVersion(store, 2);
    await publishVersion(store, 2, first.etag);
    const { manifest } = await readCurrentManifest(store);
    expect(manifest.version).toBe(2);
    expect(await listVersions(store)).toEqual([1, 2]);
  });

  it('lets only one of two builds that started from the same CURRENT publish', async () => {
    const store = new MemoryBlobStore('memory://idx');
    await writeVersion(store, 1);
    const { etag } = await publishVersion(store, 1, undefined);
    await writeVersion(store, 2);
    await writeVersion(store, 3);
    await publishVersion(store, 2, etag);
    await expect(publishVersion(store, 3, etag)).rejects.toThrow(PreconditionFailedError);
    await expect(publishVersion(store, 3, etag)).rejects.toThrow(
      /^`CURRENT` in memory:\/\/idx moved while version 3 was being built; version 3 was not published/,
    );
    expect((await readCurrentVersion(store))?.version).toBe(2);
    // A second "first" publish fails as well.
    await expect(publishVersion(store, 3, undefined)).rejects.toThrow(PreconditionFailedError);
  });

  it('never moves CURRENT to a version without a valid manifest', async () => {
    const store = new MemoryBlobStore('memory://idx');
    await expect(publishVersion(store, 1, undefined)).rejects.toThrow(
      'cannot publish version 1 of memory://idx: `v1/manifest.json` does not exist',
    );
    await store.put(manifestKey(1), new TextEncoder().encode('{"format":"squash-index","formatVersion":2}'));
    await expect(publishVersion(store, 1, undefined)).rejects.toThrow(IndexFormatError);
    const { manifest } = sampleVersion(2);
    await store.put(manifestKey(3), encodeManifest(manifest));
    await expect(publishVersion(store, 3, undefined)).rejects.toThrow(
      '`v3/manifest.json` says version 2; expected 3',
    );
    expect(await store.head(CURRENT_KEY)).toBeUndefined();
  });

  it('rejects a CURRENT that does not hold a version number', async () => {
    const store = new MemoryBlobStore('memory://idx');
    await store.put(CURRENT_KEY, new TextEncoder().encode('latest'));
    await expect(readCurrentVersion(store)).rejects.toThrow(
      '`CURRENT` in memory://idx holds "latest"; expected a positive version number, a space and the manifest\'s "sha256:<64 hex digits>" on one line',
    );
  });

  it('follows CURRENT only to the manifest whose hash it pins', async () => {
    const store = new MemoryBlobStore('memory://idx');
    await writeVersion(store, 1);
    await writeVersion(store, 2);
    await publishVersion(store, 2, undefined);
    const current = new TextDecoder().decode(await store.get(CURRENT_KEY));
    // A damaged digit naming another version that exists: refused, not served.
    await store.put(CURRENT_KEY, new TextEncoder().encode(current.replace(/^2/, '1')));
    await expect(readCurrentVersion(store)).rejects.toThrow(
      /^`CURRENT` in memory:\/\/idx names version 1 with manifest sha256:[0-9a-f]{64}, but `v1\/manifest\.json` hashes to sha256:[0-9a-f]{64} \(one of the two is damaged\)$/,
    );
    await expect(readCurrentManifest(store)).rejects.toThrow(IndexFormatError);
    await store.put(CURRENT_KEY, new TextEncoder().encode(current.replace(/^2/, '3')));
    await expect(readCurrentManifest(store)).rejects.toThrow(
      '`CURRENT` in memory://idx names version 3, but `v3/manifest.json` does not exist',
    );
    for (const damaged of [
      `${current} `,
      current.trimEnd(),
      current.replace(' ', '  '),
      current.toUpperCase(),
    ]) {
      await store.put(CURRENT_KEY, new TextEncoder().encode(damaged));
      await expect(readCurrentVersion(store), JSON.stringify(damaged)).rejects.toThrow(IndexFormatError);
    }
  });

  it('refuses a format 1 CURRENT to readers and lets a build publish over it', async () => {
    const store = new MemoryBlobStore('memory://idx');
    await writeVersion(store, 1);
    const { etag } = await store.put(CURRENT_KEY, new TextEncoder().encode('1\n'));
    await expect(readCurrentManifest(store)).rejects.toThrow(
      '`CURRENT` in memory://idx holds only a version number (1): it was published by index format 1, whose manifests carry no checksum (or the rest of its line was lost); this build reads format version 2: rebuild the index',
    );
    expect(await readCurrentPointer(store)).toEqual({ version: 1, etag, manifestChecksum: undefined });
    await writeVersion(store, 2);
    await publishVersion(store, 2, etag);
    expect(await readCurrentVersion(store)).toMatchObject({ version: 2 });
  });

  it('reports a version whose manifest is missing', async () => {
    const store = new MemoryBlobStore('memory://idx');
    await expect(readManifest(store, 4)).rejects.toThrow(
      new IndexNotFoundError('memory://idx has no version 4 (`v4/manifest.json` does not exist)'),
    );
  });
});
