import { describe, expect, it } from 'vitest';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { SquashError } from '../../../shared/errors/index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { MemoryBlobStore, type PutOptions } from '../../../shared/store/index.ts';
import { generateDataset } from '../../../shared/synthetic/index.ts';

/** A store whose n-th write fails, like a network error in the middle of an upload. */
class FailingStore extends MemoryBlobStore {
  puts = 0;
  constructor(private readonly failAt: number) {
    super();
  }
  override async put(key: string, body: Uint8Array, options?: PutOptions) {
    if (++this.puts === this.failAt) throw new SquashError('UPSTREAM', `injected failure writing ${key}`);
    return super.put(key, body, options);
  }
}

const dataset = generateDataset({ count: 600, dim: 8, seed: 1, clusters: 4 });
const input = { vectors: dataset.vectors, count: 600, dim: 8 };
const options = { partitions: 3, bitsPerDim: 4, metric: 'l2' as const, seed: 1, kmeansIterations: 5 };

describe('a failed build', () => {
  for (const failAt of [1, 3, 5, 6]) {
    it(`(write ${failAt} fails) publishes nothing and removes what it wrote`, async () => {
      const store = new FailingStore(failAt);
      await expect(buildIndex(input, store, options)).rejects.toThrow(/injected failure/);
      expect(await store.list('')).toEqual([]);
    });
  }

  it('leaves the previous version published and searchable', async () => {
    const store = new FailingStore(8);
    await buildIndex(input, store, options); // 6 writes: 3 partitions, centroids, attributes, manifest (+ CURRENT)
    await expect(buildIndex(input, store, options)).rejects.toThrow(/injected failure/);
    expect((await store.list('')).filter((key) => key.startsWith('v2/'))).toEqual([]);
    const search = await LocalSearch.open(store);
    expect(search.reader.manifest.version).toBe(1);
  });
});
