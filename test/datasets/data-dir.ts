/**
 * Where the real datasets live. They are required: a missing file fails the suite with a message saying
 * how to get it, never a silent skip.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const dataDir = resolve(
  process.env.SQUASH_DATA_DIR ?? join(import.meta.dirname, '../../../shared/data'),
);
export const fashionMnistDir = process.env.SQUASH_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

export function requireFile(path: string, hint: string): string {
  if (!existsSync(path)) throw new Error(`dataset file ${path} is missing: ${hint}`);
  return path;
}
