/**
 * What readers make of an index, reduced to a string that two runs can compare byte for byte:
 *  - `publishedAnswers`: the path through `CURRENT` (coordinator, CLI): `LocalSearch.open` loads every
 *    partition, then filtered and unfiltered searches, approximate and exact, with external ids;
 *  - `versionView`: the paths that open a version by number — an allocator (centroids, attribute codes,
 *    per-partition match counts for each filter) and a processor (every partition loaded by byte
 *    ranges, external ids) — digested with SHA-256.
 */
import { createHash, type Hash } from 'node:crypto';
import { IndexReader } from '../../../../shared/index/index-reader.ts';
import { LocalSearch } from '../../../../shared/index/local-search.ts';
import type { BlobStore } from '../../../../shared/store/index.ts';

export interface Workload {
  readonly queries: readonly Float32Array[];
  readonly filters: readonly unknown[];
  readonly k: number;
}

export async function publishedAnswers(store: BlobStore, workload: Workload): Promise<string> {
  const search = await LocalSearch.open(store);
  const answers: unknown[] = [];
  for (const exact of [false, true]) {
    for (const filter of workload.filters) {
      const results = await search.search(
        workload.queries.map((vector) => ({ vector, filter })),
        { k: workload.k, exact },
      );
      answers.push(results.map((result) => result.hits));
    }
  }
  return JSON.stringify(answers);
}

export async function versionView(store: BlobStore, version: number, workload: Workload): Promise<string> {
  const hash = createHash('sha256');
  const allocator = await IndexReader.open(store, { version });
  hash.update(JSON.stringify(allocator.manifest));
  digest(hash, allocator.centroids);
  for (const filter of workload.filters) {
    const compiled = allocator.compileFilter(filter);
    for (let p = 0; p < allocator.manifest.partitions; p++) {
      hash.update(`${allocator.layout.countMatches(compiled, p)},`);
    }
  }
  const processor = await IndexReader.open(store, { version, allocator: false });
  for (let p = 0; p < processor.manifest.partitions; p++) digest(hash, await processor.loadPartition(p));
  const ids = await processor.externalIds();
  if (ids) for (let i = 0; i < ids.count; i++) hash.update(`${ids.get(i)},`);
  return hash.digest('hex');
}

/** Feeds every typed array, number and string reachable from `value` into `hash`, in a fixed order. */
function digest(hash: Hash, value: unknown, seen = new WeakSet<object>()): void {
  if (ArrayBuffer.isView(value)) {
    hash.update(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  } else if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    hash.update(`${typeof value}:${value};`);
  } else if (value !== null && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const key of Object.keys(value).sort()) {
      hash.update(`${key}=`);
      digest(hash, (value as Record<string, unknown>)[key], seen);
    }
  }
}
