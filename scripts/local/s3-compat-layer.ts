/**
 * The compatibility layer in front of s3rver 3.7.1, fixing what it gets wrong for this project
 * (measured in ../shared/notes/local-test-infra.md):
 *
 * - Byte ranges: s3rver misreads suffix ranges (`bytes=-100` returns the first 101 bytes), returns the
 *   whole object for `bytes=0-0`, and answers ranges on empty objects with a byte. Every ranged GET is
 *   therefore served here, from s3rver's own files and metadata (`resolveRange`).
 * - Conditional writes: s3rver ignores `If-None-Match` and `If-Match` on writes. Here every object write
 *   (PUT, POST, DELETE on a key) holds the key's write lock while its precondition is checked and
 *   s3rver writes, so a 20-way `If-None-Match: *` race has exactly one winner.
 * - Torn reads: s3rver rewrites an object file in place, so a GET racing a PUT could read half of it.
 *   Object reads hold the key's read lock until their response is sent.
 * - `aws-chunked` uploads (streaming SigV4 / trailing checksums) would be stored with their chunk
 *   framing; they are refused with 501 instead of being silently corrupted.
 *
 * - Credentials: s3rver only knows the access key `S3RVER`; signatures are not checked here at all, so
 *   the `Authorization` header is dropped before s3rver sees it and any dummy credentials work.
 *
 * Only path-style addressing (`/bucket/key`) is supported, as the local stack configures every client
 * with `forcePathStyle`. Multi-object delete (`POST /bucket?delete`) is passed through unlocked.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type S3rver from 's3rver';
import { KeyedReadWriteLock, type Release } from './keyed-rw-lock.ts';
import { sendS3Error } from './s3-error-response.ts';
import { resolveRange } from './s3-range.ts';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

interface ObjectAddress {
  readonly bucket: string;
  readonly key: string;
}

export function s3CompatibilityLayer(s3rver: S3rver): Listener {
  const delegate = s3rver.callback();
  const locks = new KeyedReadWriteLock();

  const passThrough = (req: IncomingMessage, res: ServerResponse, release: Release): void => {
    if (holdUntilClosed(res, release)) delegate(req, res);
  };

  const write = async (req: IncomingMessage, res: ServerResponse, object: ObjectAddress): Promise<void> => {
    if (isAwsChunked(req)) {
      sendS3Error(req, res, {
        status: 501,
        code: 'NotImplemented',
        message:
          'aws-chunked (streaming) uploads are not supported by the local S3 server; send a body of known length',
      });
      return;
    }
    const release = await locks.write(lockKey(object));
    try {
      const refusal = await checkWritePreconditions(s3rver, req, object);
      if (refusal !== undefined) {
        sendS3Error(req, res, refusal);
        release();
        return;
      }
    } catch (error) {
      release();
      throw error;
    }
    passThrough(req, res, release);
  };

  const read = async (req: IncomingMessage, res: ServerResponse, object: ObjectAddress): Promise<void> => {
    const release = await locks.read(lockKey(object));
    if (req.method === 'GET' && req.headers.range !== undefined) {
      await serveRange(s3rver, req, res, object, release, () => passThrough(req, res, release));
    } else {
      passThrough(req, res, release);
    }
  };

  return (req, res) => {
    delete req.headers.authorization;
    const object = objectAddress(req);
    const work =
      object === undefined
        ? Promise.resolve(delegate(req, res))
        : req.method === 'GET' || req.method === 'HEAD'
          ? read(req, res, object)
          : write(req, res, object);
    work.catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendS3Error(req, res, { status: 500, code: 'InternalError', message: String(error) });
    });
  };
}

/**
 * Holds the key's lock until the response closes. A response that already has (its client went away
 * while the request waited for the lock or read metadata) will not emit 'close' again: the lock is
 * released now and false says there is no one left to answer.
 */
function holdUntilClosed(res: ServerResponse, release: Release): boolean {
  if (res.closed) {
    release();
    return false;
  }
  res.once('close', release);
  return true;
}

function objectAddress(req: IncomingMessage): ObjectAddress | undefined {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  const slash = path.indexOf('/', 1);
  if (slash < 0 || slash === path.length - 1) return undefined;
  return { bucket: decodeURIComponent(path.slice(1, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
}

function lockKey({ bucket, key }: ObjectAddress): string {
  return `${bucket}/${key}`;
}

function isAwsChunked(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'] ?? '';
  const sha = req.headers['x-amz-content-sha256'];
  return encoding.includes('aws-chunked') || (typeof sha === 'string' && sha.startsWith('STREAMING-'));
}

async function currentEtag(s3rver: S3rver, { bucket, key }: ObjectAddress): Promise<string | undefined> {
  try {
    return String((await s3rver.store.getMetadata(bucket, key)).etag);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function checkWritePreconditions(s3rver: S3rver, req: IncomingMessage, object: ObjectAddress) {
  const ifNoneMatch = req.headers['if-none-match'];
  const ifMatch = req.headers['if-match'];
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  const etag = await currentEtag(s3rver, object);
  if (ifMatch !== undefined && etag === undefined) {
    return {
      status: 404,
      code: 'NoSuchKey',
      message: 'The specified key does not exist.',
      details: { Key: object.key },
    };
  }
  if (ifMatch !== undefined && !etagListMatches(ifMatch, etag)) {
    return preconditionFailed('If-Match');
  }
  if (ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, etag)) {
    return preconditionFailed('If-None-Match');
  }
  return undefined;
}

function preconditionFailed(condition: string) {
  return {
    status: 412,
    code: 'PreconditionFailed',
    message: 'At least one of the pre-conditions you specified did not hold',
    details: { Condition: condition },
  };
}

/** RFC 9110 entity-tag list matching: `*` matches any existing object; weak prefixes are ignored. */
function etagListMatches(header: string, etag: string | undefined): boolean {
  if (etag === undefined) return false;
  const wanted = unquote(etag);
  return header.split(',').some((item) => {
    const tag = item.trim();
    return tag === '*' || unquote(tag) === wanted;
  });
}

function unquote(tag: string): string {
  return tag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

async function serveRange(
  s3rver: S3rver,
  req: IncomingMessage,
  res: ServerResponse,
  { bucket, key }: ObjectAddress,
  release: Release,
  fallBack: () => void,
): Promise<void> {
  let metadata: Record<string, string | number>;
  try {
    metadata = await s3rver.store.getMetadata(bucket, key);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      release();
      throw error;
    }
    fallBack(); // s3rver answers NoSuchBucket / NoSuchKey in its own words
    return;
  }
  const size = Number(metadata['content-length']);
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && !etagListMatches(ifMatch, String(metadata.etag))) {
    sendS3Error(req, res, preconditionFailed('If-Match'));
    release();
    return;
  }
  const range = resolveRange(req.headers.range, size);
  if (range.kind === 'whole') {
    delete req.headers.range;
    fallBack();
    return;
  }
  if (range.kind === 'unsatisfiable') {
    sendS3Error(req, res, {
      status: 416,
      code: 'InvalidRange',
      message: 'The requested range is not satisfiable',
      details: { RangeRequested: String(req.headers.range), ActualObjectSize: size },
      headers: { 'Content-Range': `bytes */${size}` },
    });
    release();
    return;
  }
  if (!holdUntilClosed(res, release)) return;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (name !== 'content-length') headers[name] = String(value);
  }
  res.writeHead(206, {
    ...headers,
    'Accept-Ranges': 'bytes',
    'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
    'Content-Length': range.end - range.start + 1,
  });
  const body = createReadStream(s3rver.store.getResourcePath(bucket, key, 'object'), {
    start: range.start,
    end: range.end,
  });
  body.once('error', () => res.destroy());
  body.pipe(res);
}
