import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDirectoryStore } from '../../../shared/store/index.ts';
import { describeBlobStoreContract, seededBytes } from '../../support/blob-store-contract.ts';

async function freshDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'squash-store-'));
}

describeBlobStoreContract('LocalDirectoryStore', async () => {
  const root = await freshDirectory();
  return { store: new LocalDirectoryStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('LocalDirectoryStore', () => {
  it('maps keys to files under the root and leaves no temporary files behind', async () => {
    const root = await freshDirectory();
    try {
      const store = new LocalDirectoryStore(root);
      await store.put('v1/partitions/3.bin', seededBytes(1, 10));
      await expect(
        store.put('v1/partitions/3.bin', seededBytes(2, 10), { ifNoneMatch: '*' }),
      ).rejects.toThrow();
      expect(await readFile(join(root, 'v1', 'partitions', '3.bin'))).toEqual(
        Buffer.from(seededBytes(1, 10)),
      );
      expect(await readdir(join(root, '.squash-tmp'))).toEqual([]);
      expect(await store.list('')).toEqual(['v1/partitions/3.bin']);
      await expect(store.put('.squash-tmp/x', seededBytes(3, 1))).rejects.toThrow(
        'blob key `.squash-tmp/x` is not valid: `.squash-tmp/` is reserved for temporary files',
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('sees files written by other tools, and a rewrite changes the ETag', async () => {
    const root = await freshDirectory();
    try {
      const store = new LocalDirectoryStore(root);
      await writeFile(join(root, 'CURRENT'), '7\n');
      const before = await store.head('CURRENT');
      expect(before?.size).toBe(2);
      await store.put('CURRENT', new TextEncoder().encode('8\n'));
      expect((await store.head('CURRENT'))?.etag).not.toBe(before?.etag);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('lists nothing and finds nothing when the root does not exist yet', async () => {
    const store = new LocalDirectoryStore(join(tmpdir(), 'squash-store-never-created', String(process.pid)));
    expect(await store.list('')).toEqual([]);
    expect(await store.head('CURRENT')).toBeUndefined();
  });
});
