import { extname } from 'node:path';
import { InvalidInputError } from '../errors/index.ts';
import { readNpy } from './npy-reader.ts';
import { readBvecs, readFvecs } from './vecs-reader.ts';
import type { ReadVectorsOptions, VectorSet } from './vector-set.ts';

const READERS: Record<string, (path: string, options: ReadVectorsOptions) => Promise<VectorSet>> = {
  '.fvecs': readFvecs,
  '.bvecs': readBvecs,
  '.npy': readNpy,
};

/** Vectors from `.fvecs`, `.bvecs` (widened) or `.npy`, chosen by extension. */
export async function readVectors(path: string, options: ReadVectorsOptions = {}): Promise<VectorSet> {
  const extension = extname(path).toLowerCase();
  const reader = READERS[extension];
  if (!reader) {
    throw new InvalidInputError(
      `\`${path}\` has extension "${extension}"; expected one of ${Object.keys(READERS).join(', ')}`,
    );
  }
  return reader(path, options);
}
