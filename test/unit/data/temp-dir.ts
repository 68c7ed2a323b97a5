import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** A temporary directory for the test file, removed afterwards; call at the top of a describe. */
export function useTempDir(): { path: (name: string) => string } {
  let directory = '';
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'squash-data-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  return { path: (name) => join(directory, name) };
}
