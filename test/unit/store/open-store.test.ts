import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { LocalDirectoryStore, openStore, S3BlobStore } from '../../../shared/store/index.ts';

describe('openStore', () => {
  it('opens s3:// locations as S3 stores', () => {
    const store = openStore('s3://my-bucket/indexes/sift/');
    expect(store).toBeInstanceOf(S3BlobStore);
    expect((store as S3BlobStore).bucket).toBe('my-bucket');
    expect((store as S3BlobStore).prefix).toBe('indexes/sift');
    expect(store.description).toBe('s3://my-bucket/indexes/sift');
    expect(openStore('s3://my-bucket').description).toBe('s3://my-bucket');
  });

  it('opens paths and file:// URLs as directories', () => {
    const root = join(tmpdir(), 'squash-open-store');
    const byPath = openStore(root);
    expect(byPath).toBeInstanceOf(LocalDirectoryStore);
    expect((byPath as LocalDirectoryStore).root).toBe(root);
    expect((openStore(pathToFileURL(root).href) as LocalDirectoryStore).root).toBe(root);
    expect((openStore('relative/dir') as LocalDirectoryStore).root).toBe(join(process.cwd(), 'relative/dir'));
  });

  it('rejects what it cannot open, saying what it expected', () => {
    expect(() => openStore('s3://')).toThrow(InvalidInputError);
    expect(() => openStore('s3://Bad_Bucket/x')).toThrow(
      'store location `s3://Bad_Bucket/x` names bucket "Bad_Bucket"; expected s3://bucket/prefix with a valid S3 bucket name',
    );
    expect(() => openStore('gs://bucket/x')).toThrow('has an unsupported scheme');
    expect(() => openStore('')).toThrow('store location is empty');
  });
});
