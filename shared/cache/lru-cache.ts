/**
 * A least-recently-used cache bounded by bytes, for what a warm Lambda container keeps between
 * invocations (DESIGN §5 "Warm containers": manifests, centroids, partition sections).
 *
 * Design decisions:
 * - The caller states each entry's size (measured from its typed arrays, see `retainedBytes`); the cache
 *   never guesses. Recency is the `Map`'s insertion order: a hit re-inserts its key.
 * - An entry larger than the whole budget is handed back but not kept (keeping it would evict everything
 *   and still break the bound).
 * - `getOrLoad` shares one in-flight load between concurrent callers of the same key; a failed load is
 *   not cached, so the next call tries again.
 */
import { InvalidInputError } from '../errors/index.ts';

export interface Loaded<V> {
  readonly value: V;
  /** Bytes the value keeps alive. */
  readonly bytes: number;
}

export interface CacheLookup<V> {
  readonly value: V;
  /** True when this call ran the load (a miss), false on a hit or when it joined another call's load. */
  readonly loaded: boolean;
}

interface Entry<V> {
  readonly value: V;
  readonly bytes: number;
}

export class LruCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #loading = new Map<string, Promise<V>>();
  #usedBytes = 0;

  /** @param budgetBytes the most bytes kept at once. */
  constructor(readonly budgetBytes: number) {
    if (!Number.isSafeInteger(budgetBytes) || budgetBytes < 0) {
      throw new InvalidInputError(
        `cache budget must be a non-negative integer of bytes, received ${budgetBytes}`,
      );
    }
  }

  /** Bytes held by the cached entries. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Keys from least to most recently used. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The cached value, marked most recently used; undefined on a miss. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /**
   * Caches `value` as the most recently used entry, evicting least recently used ones until it fits.
   * Returns false (and caches nothing) when `bytes` alone exceeds the budget.
   */
  set(key: string, value: V, bytes: number): boolean {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new InvalidInputError(
        `cache entry \`${key}\` needs a non-negative integer size, received ${bytes}`,
      );
    }
    this.delete(key);
    if (bytes > this.budgetBytes) return false;
    for (const [oldest, entry] of this.#entries) {
      if (this.#usedBytes + bytes <= this.budgetBytes) break;
      this.#entries.delete(oldest);
      this.#usedBytes -= entry.bytes;
    }
    this.#entries.set(key, { value, bytes });
    this.#usedBytes += bytes;
    return true;
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#usedBytes -= entry.bytes;
  }

  /** The cached value, or the result of `load` (cached when it fits). */
  async getOrLoad(key: string, load: () => Promise<Loaded<V>>): Promise<CacheLookup<V>> {
    const cached = this.get(key);
    if (cached !== undefined) return { value: cached, loaded: false };
    const pending = this.#loading.get(key);
    if (pending) return { value: await pending, loaded: false };
    const loading = load().then((loaded) => {
      this.set(key, loaded.value, loaded.bytes);
      return loaded.value;
    });
    this.#loading.set(key, loading);
    try {
      return { value: await loading, loaded: true };
    } finally {
      this.#loading.delete(key);
    }
  }
}
