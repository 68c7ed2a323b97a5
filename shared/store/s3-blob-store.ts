import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { BlobNotFoundError, PreconditionFailedError, UpstreamError } from '../errors/index.ts';
import type { BlobHead, BlobStore, PutOptions, RangeRead } from './blob-store.ts';
import { assertRangeArguments, assertRangeInside, assertValidKey, joinKey, normalizePrefix } from './keys.ts';
import { RangeNotSatisfiableError } from './range-not-satisfiable-error.ts';
import { sharedS3Client } from './s3-client.ts';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket, with or without a trailing `/`. @default '' */
  readonly prefix?: string;
  /** @default the process-wide client from `sharedS3Client()` */
  readonly client?: S3Client;
}

/**
 * S3 (or any S3-compatible server) as a blob store. Ranges are inclusive `bytes=a-b` GETs whose
 * length and `Content-Range` are checked, so a server that ignores or clips a range cannot hand back
 * the wrong bytes. Conditional writes use `If-None-Match`/`If-Match`; 412 (and 409, S3's answer to
 * a conditional write racing another) become `PreconditionFailedError`.
 */
export class S3BlobStore implements BlobStore {
  readonly description: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? '');
    this.#client = options.client ?? sharedS3Client();
    this.description = this.prefix === '' ? `s3://${this.bucket}` : `s3://${this.bucket}/${this.prefix}`;
  }

  async get(key: string): Promise<Uint8Array> {
    const output = await this.#call(key, () =>
      this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key) })),
    );
    return (await output.Body?.transformToByteArray()) ?? new Uint8Array(0);
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return (await this.getRangeWithSize(key, offset, length)).bytes;
  }

  /** The size comes from `Content-Range`; only a server that leaves it out costs a HEAD. */
  async getRangeWithSize(key: string, offset: number, length: number): Promise<RangeRead> {
    assertRangeArguments(key, offset, length);
    if (length === 0) {
      // HTTP cannot express an empty range; the answer only depends on the object's size.
      const objectSize = await this.#sizeOf(key);
      assertRangeInside(key, offset, 0, objectSize);
      return { bytes: new Uint8Array(0), objectSize };
    }
    const range = `bytes=${offset}-${offset + length - 1}`;
    const output = await this.#call(key, () =>
      this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key), Range: range })),
    ).catch(async (error: unknown) => {
      if (statusOf(error) !== 416) throw error;
      throw new RangeNotSatisfiableError(key, offset, length, await this.#sizeOf(key));
    });
    const bytes = (await output.Body?.transformToByteArray()) ?? new Uint8Array(0);
    const served = parseContentRange(output.ContentRange);
    if (bytes.byteLength === length && (served ? served.start === offset : offset === 0)) {
      // Without Content-Range the server sent the whole object (a 200), so its size is what came.
      const objectSize = served ? (served.size ?? (await this.#sizeOf(key))) : bytes.byteLength;
      return { bytes, objectSize };
    }
    const size = served?.size ?? (await this.#sizeOf(key));
    assertRangeInside(key, offset, length, size);
    throw new UpstreamError(
      `${this.description} answered ${range} of \`${key}\` with ${bytes.byteLength} bytes ` +
        `(Content-Range ${output.ContentRange ?? 'absent'}); expected ${length} bytes from ${offset}`,
    );
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const output = await this.#call(key, () =>
      this.#client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.#fullKey(key),
          Body: body,
          ContentLength: body.byteLength,
          ...(options.ifNoneMatch === undefined ? {} : { IfNoneMatch: options.ifNoneMatch }),
          ...(options.ifMatch === undefined ? {} : { IfMatch: options.ifMatch }),
        }),
      ),
    ).catch((error: unknown) => {
      // S3 answers If-Match on a missing key with 404 NoSuchKey: the condition failed all the same.
      const missing = error instanceof BlobNotFoundError && options.ifMatch !== undefined;
      const status = missing ? 404 : statusOf(error);
      if (!missing && status !== 412 && status !== 409) throw error;
      const condition = options.ifNoneMatch === '*' ? 'absent' : `at ETag ${options.ifMatch}`;
      throw new PreconditionFailedError(
        `\`${key}\` in ${this.description} changed: the write required it ${condition} (S3 answered ${status})`,
      );
    });
    return { etag: output.ETag ?? '' };
  }

  async head(key: string): Promise<BlobHead | undefined> {
    try {
      const output = await this.#call(key, () =>
        this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key) })),
      );
      return { size: output.ContentLength ?? 0, etag: output.ETag ?? '' };
    } catch (error) {
      if (error instanceof BlobNotFoundError) return undefined;
      throw error;
    }
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    const fullPrefix = this.prefix === '' ? prefix : `${this.prefix}/${prefix}`;
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const output = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: fullPrefix,
          ...(startAfter === undefined ? {} : { StartAfter: `${fullPrefix.slice(0, strip)}${startAfter}` }),
          ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
        }),
      );
      for (const object of output.Contents ?? []) {
        if (object.Key !== undefined) keys.push(object.Key.slice(strip));
      }
      continuationToken = output.IsTruncated ? output.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.#call(key, () =>
      this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key) })),
    );
  }

  async #sizeOf(key: string): Promise<number> {
    const head = await this.head(key);
    if (!head) throw new BlobNotFoundError(key);
    return head.size;
  }

  #fullKey(key: string): string {
    assertValidKey(key);
    return joinKey(this.prefix, key);
  }

  /** Maps "no such key" (but not "no such bucket", a misconfiguration) to `BlobNotFoundError`. */
  async #call<T>(key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const name = (error as { name?: unknown } | undefined)?.name;
      if (name === 'NoSuchKey' || (statusOf(error) === 404 && name !== 'NoSuchBucket')) {
        throw new BlobNotFoundError(key);
      }
      throw error;
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** `bytes 100-199/1000` → { start: 100, size: 1000 }; `*` sizes are unknown. */
function parseContentRange(
  header: string | undefined,
): { start: number; size: number | undefined } | undefined {
  const match = header === undefined ? null : /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim());
  if (!match) return undefined;
  return { start: Number(match[1]), size: match[2] === '*' ? undefined : Number(match[2]) };
}
