import { describe, expect, it } from 'vitest';
import { MemoryBlobStore, withPrefix } from '../../../shared/store/index.ts';
import { describeBlobStoreContract, seededBytes } from '../../support/blob-store-contract.ts';

describeBlobStoreContract('MemoryBlobStore', () => ({ store: new MemoryBlobStore() }));

describe('MemoryBlobStore', () => {
  it('counts what it served', async () => {
    const store = new MemoryBlobStore();
    await store.put('a', seededBytes(1, 1000));
    await store.get('a');
    await store.getRange('a', 10, 90);
    expect(store.stats).toEqual({ gets: 1, rangeGets: 1, bytesRead: 1090, puts: 1 });
  });

  it('describes prefixed views without doubling slashes', () => {
    expect(withPrefix(new MemoryBlobStore(), 'indexes/a').description).toBe('memory://indexes/a');
    expect(withPrefix(new MemoryBlobStore('memory://bucket/'), 'a').description).toBe('memory://bucket/a');
  });

  it('uses S3-style quoted MD5 ETags', async () => {
    const store = new MemoryBlobStore();
    const { etag } = await store.put('a', new TextEncoder().encode('hello'));
    expect(etag).toBe('"5d41402abc4b2a76b9719d911017c592"');
  });
});
