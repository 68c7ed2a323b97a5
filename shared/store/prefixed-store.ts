import type { BlobHead, BlobStore, PutOptions, RangeRead } from './blob-store.ts';
import { assertValidKey, normalizePrefix } from './keys.ts';

/**
 * A view of `store` under `prefix`: key `k` is `prefix/k` in the parent. Useful to open one index
 * (`indexes/my-index`) inside a bucket or directory that holds several.
 */
export function withPrefix(store: BlobStore, prefix: string): BlobStore {
  const normalized = normalizePrefix(prefix);
  if (normalized === '') return store;
  assertValidKey(normalized);
  return new PrefixedStore(store, normalized);
}

class PrefixedStore implements BlobStore {
  readonly description: string;

  constructor(
    private readonly parent: BlobStore,
    private readonly prefix: string,
  ) {
    const base = parent.description.endsWith('://')
      ? parent.description
      : `${parent.description.replace(/\/+$/, '')}/`;
    this.description = `${base}${prefix}`;
  }

  get(key: string): Promise<Uint8Array> {
    return this.parent.get(this.#full(key));
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.parent.getRange(this.#full(key), offset, length);
  }

  getRangeWithSize(key: string, offset: number, length: number): Promise<RangeRead> {
    return this.parent.getRangeWithSize(this.#full(key), offset, length);
  }

  put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ etag: string }> {
    return this.parent.put(this.#full(key), body, options);
  }

  head(key: string): Promise<BlobHead | undefined> {
    return this.parent.head(this.#full(key));
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    const keys = await this.parent.list(
      `${this.prefix}/${prefix}`,
      startAfter === undefined ? undefined : `${this.prefix}/${startAfter}`,
    );
    return keys.map((key) => key.slice(this.prefix.length + 1));
  }

  delete(key: string): Promise<void> {
    return this.parent.delete(this.#full(key));
  }

  #full(key: string): string {
    assertValidKey(key);
    return `${this.prefix}/${key}`;
  }
}
