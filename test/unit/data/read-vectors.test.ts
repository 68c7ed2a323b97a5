import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { encodeBvecs, readVectors, writeFvecs } from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { useTempDir } from './temp-dir.ts';

describe('readVectors', () => {
  const temp = useTempDir();

  it('chooses the reader by extension, case-insensitively', async () => {
    const vectors = Float32Array.from([1, 2, 3, 4, 5, 6]);
    await writeFvecs(temp.path('BASE.FVECS'), vectors, 2, 3);
    expect(await readVectors(temp.path('BASE.FVECS'))).toEqual({ vectors, n: 2, dim: 3 });
    await writeFile(temp.path('base.bvecs'), encodeBvecs(Uint8Array.from([1, 2, 3, 4, 5, 6]), 3, 2));
    expect(await readVectors(temp.path('base.bvecs'), { limit: 2 })).toEqual({
      vectors: Float32Array.from([1, 2, 3, 4]),
      n: 2,
      dim: 2,
    });
  });

  it('rejects an extension it cannot read', async () => {
    await expect(readVectors('vectors.csv')).rejects.toThrow(
      new InvalidInputError('`vectors.csv` has extension ".csv"; expected one of .fvecs, .bvecs, .npy'),
    );
  });
});
