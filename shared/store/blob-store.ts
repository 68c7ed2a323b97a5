/**
 * The storage boundary (STYLE §2): a handful of operations every backend can honour exactly —
 * whole and byte-range reads, conditional writes, prefix listing. Logic stays in the callers.
 *
 * Keys are relative, `/`-separated paths (`v3/partitions/0.bin`); `assertValidKey` rejects the rest
 * so that every backend (a directory included) maps a key to exactly one object.
 */
export interface PutOptions {
  /** `'*'`: write only if the key does not exist yet. */
  readonly ifNoneMatch?: '*';
  /** Write only if the key's current ETag equals this one (as returned by `put` or `head`). */
  readonly ifMatch?: string;
}

export interface BlobHead {
  /** Size in bytes. */
  readonly size: number;
  readonly etag: string;
}

export interface RangeRead {
  readonly bytes: Uint8Array;
  /** Size of the whole object, in bytes. */
  readonly objectSize: number;
}

export interface BlobStore {
  /** The whole object. Throws `BlobNotFoundError`. */
  get(key: string): Promise<Uint8Array>;
  /**
   * Exactly `length` bytes starting at `offset`. Throws `BlobNotFoundError`, or
   * `RangeNotSatisfiableError` when the range is not wholly inside the object.
   */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * `getRange` plus the whole object's size, which every backend learns from the same read (S3's
   * `Content-Range`, a file's `stat`): a reader of ranges can check the size it expects without a HEAD.
   */
  getRangeWithSize(key: string, offset: number, length: number): Promise<RangeRead>;
  /** Throws `PreconditionFailedError` when a condition does not hold. */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ etag: string }>;
  /** `undefined` when the key does not exist. */
  head(key: string): Promise<BlobHead | undefined>;
  /**
   * Every key starting with `prefix` (a plain string prefix, not a folder), sorted; with `startAfter`,
   * only the keys after it (S3's `StartAfter`: a reader of an append-only run of keys lists what is new).
   */
  list(prefix: string, startAfter?: string): Promise<string[]>;
  /** Removes the key; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** `s3://bucket/prefix` or a directory path, for messages. */
  readonly description: string;
}
