import { describe, expect, it } from 'vitest';
import { IndexFormatError } from '../../../shared/errors/index.ts';
import {
  CURRENT_KEY,
  copyIndex,
  encodeManifest,
  manifestKey,
  publishVersion,
  readCurrentManifest,
} from '../../../shared/format/index.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { sampleVersion } from './sample-manifest.ts';

async function published(): Promise<MemoryBlobStore> {
  const store = new MemoryBlobStore('memory://from');
  const { objects, manifest } = sampleVersion(1);
  for (const [key, bytes] of objects) await store.put(key, bytes);
  await store.put(manifestKey(1), encodeManifest(manifest));
  await publishVersion(store, 1, undefined);
  return store;
}

describe('copying an index', () => {
  it('copies every object and publishes the same CURRENT', async () => {
    const from = await published();
    const to = new MemoryBlobStore('memory://to');
    const { version, bytes } = await copyIndex(from, to);
    expect(version).toBe(1);
    expect(await to.list('')).toEqual(await from.list(''));
    for (const key of await from.list('')) expect(await to.get(key), key).toEqual(await from.get(key));
    let total = 0;
    for (const key of await from.list('v1/')) total += (await from.get(key)).byteLength;
    expect(bytes).toBe(total);
    expect((await readCurrentManifest(to)).manifest).toEqual((await readCurrentManifest(from)).manifest);
  });

  it('refuses to copy a damaged object and publishes nothing', async () => {
    const from = await published();
    const key = 'v1/partitions/1.bin';
    const damaged = await from.get(key);
    damaged[damaged.byteLength - 1]! ^= 1;
    await from.put(key, damaged);
    const to = new MemoryBlobStore('memory://to');
    await expect(copyIndex(from, to)).rejects.toThrow(IndexFormatError);
    await expect(copyIndex(from, to)).rejects.toThrow(`\`${key}\` fails its CRC32C`);
    expect(await to.head(CURRENT_KEY)).toBeUndefined();
  });
});
