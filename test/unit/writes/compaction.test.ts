/**
 * Compaction's guarantees beyond folding (docs/writes.md "Compaction"): two runs at once publish one
 * version, retired versions and folded log entries stay for the retention period and go after it, and a
 * damaged log entry fails loudly instead of being skipped.
 */
import { describe, expect, it } from 'vitest';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { IndexFormatError } from '../../../shared/errors/index.ts';
import { readCurrentPointer } from '../../../shared/format/index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { generateDataset, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { compactIndex } from '../../../shared/writes/compact-index.ts';
import { IndexWriter } from '../../../shared/writes/index-writer.ts';
import { logKey } from '../../../shared/writes/log-keys.ts';
import { snapshotContent } from '../../../shared/writes/snapshot-content.ts';

const count = 1200;
const dim = 12;
const dataset = generateDataset({ count, dim, seed: 8, clusters: 5 });
const table = new AttributeTable(SYNTHETIC_SCHEMA, count, dataset.attributes!.columns());

async function indexWithWrites(): Promise<MemoryBlobStore> {
  const store = new MemoryBlobStore();
  await buildIndex({ vectors: dataset.vectors, count, dim, attributes: table }, store, {
    partitions: 4,
    bitsPerDim: 4,
    metric: 'l2',
    seed: 1,
    kmeansIterations: 6,
  });
  const writer = await IndexWriter.open(store);
  await writer.upsert(
    Array.from({ length: 50 }, (_, i) => ({
      id: 10_000 + i,
      vector: dataset.vectors.slice(i * dim, (i + 1) * dim),
    })),
  );
  await writer.delete({ ids: Array.from({ length: 40 }, (_, i) => i * 7) });
  return store;
}

const ids = (content: Awaited<ReturnType<typeof snapshotContent>>) =>
  content.rows.map((row) => Number(row.id)).sort((a, b) => a - b);

describe('compaction', () => {
  it('two runs at once publish one version; the other says it lost and leaves no objects behind', async () => {
    const store = await indexWithWrites();
    const before = ids(await snapshotContent(store));
    const [first, second] = await Promise.all([compactIndex(store), compactIndex(store)]);
    const published = [first, second].filter((summary) => summary.version !== undefined);
    expect(published).toHaveLength(1);
    const lost = [first, second].find((summary) => summary.version === undefined)!;
    expect(lost.skipped).toMatch(/another writer published first/);
    expect((await readCurrentPointer(store))?.version).toBe(published[0]!.version);
    const versions = new Set((await store.list('v')).map((key) => key.split('/')[0]));
    expect([...versions].sort()).toEqual(['v1', `v${published[0]!.version}`]);
    expect(ids(await snapshotContent(store))).toEqual(before);
  });

  it('keeps the retired version and the folded log for the retention period, and removes them after it', async () => {
    const store = await indexWithWrites();
    const now = Date.now();
    const first = await compactIndex(store, { retentionSeconds: 900, now: () => new Date(now) });
    expect(first).toMatchObject({ version: 2, removed: { versions: [], logObjects: 0 } });
    expect(await store.list('v1/')).not.toEqual([]);
    expect(await store.list('log/')).toEqual([logKey(1), logKey(2)]);
    expect((await LocalSearch.open(store)).snapshot).toEqual({ version: 2, sequence: 2 });

    const later = await compactIndex(store, { retentionSeconds: 900, now: () => new Date(now + 901_000) });
    expect(later).toMatchObject({ version: undefined, removed: { versions: [1], logObjects: 2 } });
    expect(await store.list('v1/')).toEqual([]);
    expect(await store.list('log/')).toEqual([]);
    expect((await LocalSearch.open(store)).snapshot).toEqual({ version: 2, sequence: 2 });
  });

  it('a damaged log entry fails searches and compaction, naming it, and nothing is published', async () => {
    const store = await indexWithWrites();
    const bytes = await store.get(logKey(1));
    const damaged = bytes.slice();
    const at = Math.floor(damaged.length / 2);
    damaged[at] = damaged[at]! ^ 0x01;
    await store.put(logKey(1), damaged);
    await expect(LocalSearch.open(store)).rejects.toThrow(IndexFormatError);
    await expect(LocalSearch.open(store)).rejects.toThrow(/log\/0000000000000001\.json/);
    await expect(compactIndex(store)).rejects.toThrow(IndexFormatError);
    expect((await readCurrentPointer(store))?.version).toBe(1);
  });
});
