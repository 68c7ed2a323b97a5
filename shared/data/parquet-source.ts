/**
 * Where a Parquet file's bytes come from, as hyparquet's `AsyncBuffer` (a length and async `slice`):
 * positional reads of a local file, or byte-range reads of one object of a `BlobStore` (`s3://bucket/key`
 * becomes an `S3BlobStore` over the bucket, so S3 is read with ranged GETs through the project's one S3
 * client, endpoint and path-style settings included). hyparquet asks only for the footer and the column
 * chunks of the columns it is told to read, so a column that is not needed is never fetched.
 */
import type { AsyncBuffer } from 'hyparquet';
import { BlobNotFoundError, InvalidInputError } from '../errors/index.ts';
import { type BlobStore, S3BlobStore } from '../store/index.ts';
import { InputFile } from './input-file.ts';

/** A local path, `s3://bucket/key`, or one object of a store (tests, or a store the caller already has). */
export type ParquetLocation = string | { readonly store: BlobStore; readonly key: string };

export interface ParquetSource {
  readonly file: AsyncBuffer;
  /** The path or `s3://bucket/key`, for messages. */
  readonly description: string;
  close(): Promise<void>;
}

export async function openParquetSource(location: ParquetLocation): Promise<ParquetSource> {
  if (typeof location !== 'string') return openStoreObject(location.store, location.key);
  if (location.startsWith('s3://')) {
    const { bucket, key } = parseS3Url(location);
    return openStoreObject(new S3BlobStore({ bucket }), key);
  }
  const input = await InputFile.open(location);
  return {
    description: location,
    file: {
      byteLength: input.size,
      slice: async (start, end = input.size) => arrayBufferOf(await input.read(start, end - start)),
    },
    close: () => input.close(),
  };
}

/** `s3://bucket/key/with/slashes.parquet` → bucket and key; InvalidInputError otherwise. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || key === '') {
    throw new InvalidInputError(
      `\`${url}\` is not a valid S3 object URL; expected s3://bucket/key.parquet with a valid bucket name`,
    );
  }
  return { bucket, key };
}

async function openStoreObject(store: BlobStore, key: string): Promise<ParquetSource> {
  const description = `${store.description.replace(/\/$/, '')}/${key}`;
  const head = await store.head(key);
  if (!head) throw new InvalidInputError(`cannot read \`${description}\`: no such object`);
  return {
    description,
    file: {
      byteLength: head.size,
      slice: async (start, end = head.size) => {
        try {
          return arrayBufferOf(await store.getRange(key, start, end - start));
        } catch (error) {
          if (error instanceof BlobNotFoundError) {
            throw new InvalidInputError(`\`${description}\` disappeared while being read`);
          }
          throw error;
        }
      },
    },
    close: async () => {},
  };
}

/** The bytes as an ArrayBuffer of exactly their length (hyparquet wants ArrayBuffers). */
function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}
