import { fileURLToPath } from 'node:url';
import { InvalidInputError } from '../errors/index.ts';
import type { BlobStore } from './blob-store.ts';
import { LocalDirectoryStore } from './local-directory-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

/** `s3://bucket/prefix` → an `S3BlobStore`; `file:///path` or a plain path → a `LocalDirectoryStore`. */
export function openStore(location: string): BlobStore {
  if (location.trim() === '') {
    throw new InvalidInputError('store location is empty; expected s3://bucket/prefix or a directory path');
  }
  if (location.startsWith('s3://')) {
    const rest = location.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new InvalidInputError(
        `store location \`${location}\` names bucket "${bucket}"; expected s3://bucket/prefix with a valid S3 bucket name`,
      );
    }
    return new S3BlobStore({ bucket, prefix: slash < 0 ? '' : rest.slice(slash + 1) });
  }
  if (location.startsWith('file://')) return new LocalDirectoryStore(fileURLToPath(location));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new InvalidInputError(
      `store location \`${location}\` has an unsupported scheme; expected s3://bucket/prefix or a directory path`,
    );
  }
  return new LocalDirectoryStore(location);
}
