/**
 * The coordinator's view of published indexes (DESIGN §5: "resolves the index manifest, cached per
 * container, revalidated by ETag"). Each request costs one HEAD of the index's `CURRENT`; only when its
 * ETag changed is `CURRENT` re-read, and the reader of that version comes from the container's cache.
 *
 * Versions are immutable once published, so a (name, version) reader never goes stale. One caveat: an
 * index deleted and rebuilt from scratch restarts at version 1 with an identical `CURRENT`; warm
 * containers keep serving the old data until they recycle. Rebuild into the existing location instead
 * (the build then publishes the next version).
 */
import { IndexNotFoundError } from '../../shared/errors/index.ts';
import { CURRENT_KEY, readCurrentVersion } from '../../shared/format/index.ts';
import type { IndexReader } from '../../shared/index/index-reader.ts';
import { cachedReader } from '../index-cache.ts';
import type { FunctionRuntime } from '../runtime.ts';

export interface ResolvedIndex {
  readonly reader: IndexReader;
  readonly version: number;
  /** Bytes read from the store to open the reader in this call (0 when cached). */
  readonly bytesFetched: number;
}

export class IndexCatalog {
  readonly #published = new Map<string, { readonly etag: string; readonly version: number }>();

  constructor(readonly runtime: FunctionRuntime) {}

  /** The published version of `name`; `IndexNotFoundError` when there is none. */
  async resolve(name: string): Promise<ResolvedIndex> {
    const store = this.runtime.indexStore(name);
    const head = await store.head(CURRENT_KEY);
    let published = this.#published.get(name);
    if (head === undefined) {
      this.#published.delete(name);
      throw notFound(name, store.description);
    }
    if (published?.etag !== head.etag) {
      const current = await readCurrentVersion(store);
      if (current === undefined) throw notFound(name, store.description);
      published = { etag: current.etag, version: current.version };
      this.#published.set(name, published);
    }
    const { reader, bytesFetched } = await cachedReader(this.runtime, name, published.version);
    return { reader, version: published.version, bytesFetched };
  }
}

function notFound(name: string, location: string): IndexNotFoundError {
  return new IndexNotFoundError(`index \`${name}\` does not exist (nothing is published at ${location})`);
}
