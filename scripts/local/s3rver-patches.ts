/**
 * Two defects of s3rver 3.7.1 that the HTTP layer in front of it cannot see, fixed where they live
 * (found by the write-path tests, docs/writes.md):
 *
 * - Torn uploads: its filesystem store streams a PUT body straight into the object's file, so a client
 *   that dies mid-upload leaves a partial object that GET, LIST and `If-None-Match` then treat as
 *   written (S3 stores nothing). `wholeUploads` streams the body into a staging file and stores
 *   nothing when the request was cut short or carried fewer bytes than its Content-Length.
 * - Late uploads: its store answers a PUT as soon as the body is handed to a file stream, before the
 *   file is even opened, so the next request on the key (the compatibility layer's `If-None-Match`
 *   check, under the key's lock) could still find no object: two racing creators both won on a busy
 *   machine. `wholeUploads` also writes the object itself, to a staging file renamed into place,
 *   before the store writes its metadata and the PUT is answered.
 * - Listing past one page: it builds ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node
 *   17+) no longer offers, so any listing of more than 1,000 keys answered 500. `plainContinuationTokens`
 *   gives its token functions an identity cipher for exactly that use (key `S3RVER`, algorithm `des`):
 *   the token stays opaque base64 to clients, as S3's is; nothing secret was ever in it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string>;
}

interface WritableStore {
  getResourcePath(bucket: string, key: string, resource: 'object'): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

/**
 * Makes `store.putObject` store whole bodies only, before it answers (see above). The body streams into
 * the staging file while its MD5 is computed, so an object of any size (a 5 GB dataset) needs no more
 * memory than a stream's buffers; a short or aborted body removes the staging file and stores nothing.
 */
export function wholeUploads(s3rver: S3rver): void {
  const store = s3rver.store as unknown as WritableStore;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    // The staging name does not end in s3rver's object suffix, so listings never show it.
    const staging = `${objectPath}.${randomUUID()}.staging`;
    const hash = createHash('md5');
    let size = 0;
    try {
      const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(body, counted, createWriteStream(staging));
      // A PUT's body is its request (which knows whether it ended whole); a multipart completion's is
      // its parts joined, and its metadata's content-length is the initiating request's, not the body's.
      const request = object.content as Readable & { complete?: boolean };
      const expected = Number(object.metadata['content-length'] ?? Number.NaN);
      const fromRequest = typeof request.complete === 'boolean';
      if (fromRequest && (!request.complete || (Number.isFinite(expected) && size !== expected))) {
        throw new Error(`upload cut short: ${size} of ${expected} bytes arrived; nothing was stored`);
      }
      await rename(staging, objectPath);
    } catch (error) {
      await rm(staging, { force: true });
      throw error;
    }
    const md5 = hash.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size, md5 };
  };
}

let patched = false;

/** Lets s3rver's DES continuation tokens work on OpenSSL 3 (see above). Idempotent, process-wide. */
export function plainContinuationTokens(): void {
  if (patched) return;
  patched = true;
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const s3rverKey = Buffer.alloc(8, 'S3RVER', 'utf8');
  const identity = () => ({
    update: (data: string | Buffer, encoding?: BufferEncoding) =>
      typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : Buffer.from(data),
    final: () => Buffer.alloc(0),
  });
  const isS3rverToken = (algorithm: string, key: unknown) =>
    algorithm === 'des' && Buffer.isBuffer(key) && key.equals(s3rverKey);
  const { createCipheriv, createDecipheriv } = crypto;
  Object.assign(crypto, {
    createCipheriv: (algorithm: string, key: unknown, ...rest: unknown[]) =>
      isS3rverToken(algorithm, key)
        ? identity()
        : Reflect.apply(createCipheriv, crypto, [algorithm, key, ...rest]),
    createDecipheriv: (algorithm: string, key: unknown, ...rest: unknown[]) =>
      isS3rverToken(algorithm, key)
        ? identity()
        : Reflect.apply(createDecipheriv, crypto, [algorithm, key, ...rest]),
  });
}
