import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

/**
 * A command-level stand-in for an S3 endpoint, following S3's documented behaviour where it is
 * easy to get wrong: a range whose end is past the object is clipped (206), a range starting past
 * it is 416, HeadObject's 404 is `NotFound` without a body, listings page at `pageSize` keys.
 * It lets unit tests check `S3BlobStore`'s request shapes and error mapping without a network.
 */
export class FakeS3Client {
  readonly objects = new Map<string, { bytes: Uint8Array; etag: string }>();
  readonly requests: { command: string; input: Record<string, unknown> }[] = [];
  /** Serve every GET as if the server ignored `Range` (a broken server). */
  ignoreRanges = false;

  constructor(
    readonly bucket: string,
    readonly pageSize = 1000,
  ) {}

  asClient(): S3Client {
    return this as unknown as S3Client;
  }

  async send(command: unknown): Promise<unknown> {
    const { input } = command as { input: Record<string, unknown> };
    this.requests.push({ command: (command as object).constructor.name, input });
    if (input.Bucket !== this.bucket) throw s3Error('NoSuchBucket', 404);
    const key = input.Key as string;
    if (command instanceof GetObjectCommand) return this.#get(key, input.Range as string | undefined);
    if (command instanceof HeadObjectCommand) {
      const object = this.objects.get(key);
      if (!object) throw s3Error('NotFound', 404);
      return { ContentLength: object.bytes.byteLength, ETag: object.etag };
    }
    if (command instanceof PutObjectCommand) {
      const current = this.objects.get(key);
      if (input.IfNoneMatch === '*' && current) throw s3Error('PreconditionFailed', 412);
      if (input.IfMatch !== undefined && current?.etag !== input.IfMatch) {
        throw s3Error(current ? 'PreconditionFailed' : 'NoSuchKey', current ? 412 : 404);
      }
      const bytes = (input.Body as Uint8Array).slice();
      const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
      this.objects.set(key, { bytes, etag });
      return { ETag: etag };
    }
    if (command instanceof DeleteObjectCommand) {
      this.objects.delete(key);
      return {};
    }
    if (command instanceof ListObjectsV2Command) return this.#list(input);
    throw new Error(`FakeS3Client does not implement ${(command as object).constructor.name}`);
  }

  #get(key: string, range: string | undefined): unknown {
    const object = this.objects.get(key);
    if (!object) throw s3Error('NoSuchKey', 404);
    const size = object.bytes.byteLength;
    const match = range === undefined || this.ignoreRanges ? null : /^bytes=(\d+)-(\d+)$/.exec(range);
    if (!match) return { Body: body(object.bytes.slice()), ETag: object.etag, ContentLength: size };
    const start = Number(match[1]);
    if (start >= size) throw s3Error('InvalidRange', 416);
    const end = Math.min(Number(match[2]), size - 1);
    return {
      Body: body(object.bytes.slice(start, end + 1)),
      ContentRange: `bytes ${start}-${end}/${size}`,
      ETag: object.etag,
    };
  }

  #list(input: Record<string, unknown>): unknown {
    const prefix = (input.Prefix as string | undefined) ?? '';
    const after = input.StartAfter as string | undefined;
    const keys = [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix) && (after === undefined || key > after))
      .sort();
    const start = input.ContinuationToken === undefined ? 0 : Number(input.ContinuationToken);
    const page = keys.slice(start, start + this.pageSize);
    const more = start + this.pageSize < keys.length;
    return {
      Contents: page.map((Key) => ({ Key })),
      IsTruncated: more,
      ...(more ? { NextContinuationToken: String(start + this.pageSize) } : {}),
    };
  }
}

function body(bytes: Uint8Array): { transformToByteArray(): Promise<Uint8Array> } {
  return { transformToByteArray: async () => bytes };
}

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} (${status})`,
  });
}
