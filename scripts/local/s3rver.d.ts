/** The part of s3rver 3.7.1 (plain JavaScript, no bundled types) that the local S3 server uses. */
declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { Readable } from 'node:stream';

  interface S3rverOptions {
    readonly directory?: string;
    readonly silent?: boolean;
    readonly vhostBuckets?: boolean;
    readonly resetOnClose?: boolean;
  }

  /** Metadata as s3rver stores it: lower-case header names plus etag, last-modified, content-length. */
  type S3rverMetadata = Record<string, string | number>;

  class FilesystemStore {
    getResourcePath(bucket: string, key: string, resource: 'object'): string;
    getMetadata(bucket: string, key: string): Promise<S3rverMetadata>;
    getBucket(bucket: string): Promise<unknown>;
    putBucket(bucket: string): Promise<unknown>;
  }

  export default class S3rver {
    constructor(options?: S3rverOptions);
    readonly store: FilesystemStore;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
  export type { FilesystemStore, Readable };
}
