/**
 * Indexes over the benchmark datasets take minutes to build, and the dataset tests, the benchmark and the
 * serverless tests all need the same ones. They are built once into `.squash-cache/<key>` (SQUASH_CACHE_DIR)
 * and reused; the key names the dataset, the build parameters and the format version, and a build goes
 * to a temporary folder renamed into place only when complete.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FORMAT_VERSION } from '../../shared/format/index.ts';
import { LocalDirectoryStore } from '../../shared/store/index.ts';

export const cacheRoot = resolve(
  process.env.SQUASH_CACHE_DIR ?? join(import.meta.dirname, '../../.squash-cache'),
);

export async function cachedIndex(
  key: string,
  build: (store: LocalDirectoryStore) => Promise<unknown>,
): Promise<{ store: LocalDirectoryStore; directory: string; built: boolean }> {
  const directory = join(cacheRoot, `${key}-format${FORMAT_VERSION}`);
  if (existsSync(join(directory, 'CURRENT'))) {
    return { store: new LocalDirectoryStore(directory), directory, built: false };
  }
  const staging = `${directory}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await build(new LocalDirectoryStore(staging));
  await rm(directory, { recursive: true, force: true });
  await rename(staging, directory);
  return { store: new LocalDirectoryStore(directory), directory, built: true };
}
