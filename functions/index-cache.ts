/**
 * Index data cached by a warm container, in the runtime's byte-bounded LRU (DESIGN §5 "Warm containers"),
 * keyed by index name + version (+ partition). Versions are immutable once published, so entries never
 * need revalidation; the coordinator alone follows `CURRENT` (see `coordinator/index-catalog.ts`).
 *
 * An IndexReader is charged the bytes it read when opened (allocators: centroids and attribute codes); a
 * partition is charged the buffers its typed arrays keep alive plus the most its search workspace can
 * grow to (`workspaceBytes`: scratch arrays and pruning codes derived on first use).
 */
import { retainedBytes } from '../shared/cache/index.ts';
import { IndexReader } from '../shared/index/index-reader.ts';
import type { PartitionData } from '../shared/search/partition-data.ts';
import { workspaceBytes } from '../shared/search/partition-workspace.ts';
import type { FunctionRuntime } from './runtime.ts';

export type CachedValue =
  | { readonly kind: 'reader'; readonly reader: IndexReader }
  | { readonly kind: 'partition'; readonly data: PartitionData };

export interface CachedReader {
  readonly reader: IndexReader;
  /** Bytes read from the store to open it in this call (0 when it was cached). */
  readonly bytesFetched: number;
}

export interface CachedPartition {
  readonly data: PartitionData;
  /** True when this call had to load the partition. */
  readonly cold: boolean;
  readonly bytesFetched: number;
}

export async function cachedReader(
  runtime: FunctionRuntime,
  index: string,
  version: number,
  /** Allocators (and the coordinator) need centroids and attribute codes; processors only the manifest. */
  role: 'allocator' | 'processor' = 'allocator',
): Promise<CachedReader> {
  const allocator = role === 'allocator';
  const { value, loaded } = await runtime.cache.getOrLoad(`reader:${index}@${version}:${role}`, async () => {
    const reader = await IndexReader.open(runtime.indexStore(index), { version, allocator });
    return { value: { kind: 'reader', reader }, bytes: reader.bytesFetched };
  });
  if (value.kind !== 'reader') throw new TypeError(`cache entry for ${index}@${version} is not a reader`);
  return { reader: value.reader, bytesFetched: loaded ? value.reader.bytesFetched : 0 };
}

export async function cachedPartition(
  runtime: FunctionRuntime,
  reader: IndexReader,
  index: string,
  partition: number,
): Promise<CachedPartition> {
  let bytesFetched = 0;
  const key = `partition:${index}@${reader.manifest.version}/${partition}`;
  const { value, loaded } = await runtime.cache.getOrLoad(key, async () => {
    const before = reader.bytesFetched;
    const data = await reader.loadPartition(partition);
    bytesFetched = reader.bytesFetched - before;
    return { value: { kind: 'partition', data }, bytes: retainedBytes(data) + workspaceBytes(data) };
  });
  if (value.kind !== 'partition') throw new TypeError(`cache entry ${key} is not a partition`);
  return { data: value.data, cold: loaded, bytesFetched };
}
