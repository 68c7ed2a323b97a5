import { createHash } from 'node:crypto';
import { BlobNotFoundError } from '../errors/index.ts';
import type { BlobHead, BlobStore, PutOptions, RangeRead } from './blob-store.ts';
import { assertRangeArguments, assertRangeInside, assertValidKey } from './keys.ts';
import { checkPutConditions } from './put-conditions.ts';

/** What a `MemoryBlobStore` has served, so tests can assert I/O (e.g. that only a range was fetched). */
export interface MemoryBlobStoreStats {
  gets: number;
  rangeGets: number;
  bytesRead: number;
  puts: number;
}

/**
 * The in-memory twin of the S3 store for unit tests: same key rules, exact ranges, conditional puts
 * and S3-style quoted MD5 ETags. Bodies are copied in and out, so callers cannot alias stored bytes.
 */
export class MemoryBlobStore implements BlobStore {
  readonly description: string;
  readonly stats: MemoryBlobStoreStats = { gets: 0, rangeGets: 0, bytesRead: 0, puts: 0 };
  readonly #objects = new Map<string, { bytes: Uint8Array; etag: string }>();

  constructor(description = 'memory://') {
    this.description = description;
  }

  async get(key: string): Promise<Uint8Array> {
    const object = this.#find(key);
    this.stats.gets++;
    this.stats.bytesRead += object.bytes.byteLength;
    return object.bytes.slice();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return (await this.getRangeWithSize(key, offset, length)).bytes;
  }

  async getRangeWithSize(key: string, offset: number, length: number): Promise<RangeRead> {
    assertRangeArguments(key, offset, length);
    const object = this.#find(key);
    assertRangeInside(key, offset, length, object.bytes.byteLength);
    this.stats.rangeGets++;
    this.stats.bytesRead += length;
    return { bytes: object.bytes.slice(offset, offset + length), objectSize: object.bytes.byteLength };
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    assertValidKey(key);
    checkPutConditions(this.description, key, this.#objects.get(key)?.etag, options);
    const etag = md5Etag(body);
    this.#objects.set(key, { bytes: body.slice(), etag });
    this.stats.puts++;
    return { etag };
  }

  async head(key: string): Promise<BlobHead | undefined> {
    assertValidKey(key);
    const object = this.#objects.get(key);
    return object && { size: object.bytes.byteLength, etag: object.etag };
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    return [...this.#objects.keys()]
      .filter((key) => key.startsWith(prefix) && (startAfter === undefined || key > startAfter))
      .sort();
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.#objects.delete(key);
  }

  #find(key: string): { bytes: Uint8Array; etag: string } {
    assertValidKey(key);
    const object = this.#objects.get(key);
    if (!object) throw new BlobNotFoundError(key);
    return object;
  }
}

export function md5Etag(bytes: Uint8Array): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}
