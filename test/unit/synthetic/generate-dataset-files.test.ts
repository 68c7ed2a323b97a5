import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSyntheticDataset } from '../../../scripts/generate-dataset.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';

/** fvecs records decoded by hand: int32 dim, then dim float32, little-endian. */
function decodeFvecs(bytes: Buffer, dim: number): Float32Array {
  const record = 4 + 4 * dim;
  expect(bytes.length % record).toBe(0);
  const out = new Float32Array((bytes.length / record) * dim);
  for (let r = 0; r < bytes.length / record; r++) {
    expect(bytes.readInt32LE(r * record)).toBe(dim);
    for (let d = 0; d < dim; d++) out[r * dim + d] = bytes.readFloatLE(r * record + 4 + 4 * d);
  }
  return out;
}

describe('writeSyntheticDataset (scripts/generate-dataset.ts)', () => {
  const directories: string[] = [];
  afterAll(() => Promise.all(directories.map((d) => rm(d, { recursive: true, force: true }))));

  it('streams the dataset to fvecs + jsonl + schema + queries, equal to the in-memory generator', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'squash-synthetic-'));
    directories.push(directory);
    const options = { count: 250, dim: 6, seed: 4, clusters: 5 };
    const description = await writeSyntheticDataset(directory, { ...options, queries: 7, chunkRows: 64 });
    expect(description).toEqual({
      ...options,
      queries: 7,
      files: {
        vectors: 'base.fvecs',
        attributes: 'attributes.jsonl',
        schema: 'schema.json',
        queries: 'queries.fvecs',
      },
    });
    const expected = generateDataset(options);
    expect(decodeFvecs(await readFile(join(directory, 'base.fvecs')), 6)).toEqual(expected.vectors);
    const lines = (await readFile(join(directory, 'attributes.jsonl'), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line))).toEqual([...expected.attributes!.rows()]);
    expect(JSON.parse(await readFile(join(directory, 'schema.json'), 'utf8'))).toEqual(SYNTHETIC_SCHEMA);
    const queries = generateQueries({ count: 7, dim: 6, seed: 4, fromDataset: { seed: 4, clusters: 5 } });
    expect(decodeFvecs(await readFile(join(directory, 'queries.fvecs')), 6)).toEqual(queries.vectors);
    expect(JSON.parse(await readFile(join(directory, 'dataset.json'), 'utf8'))).toEqual(description);
  });

  it('rejects a negative query count', async () => {
    await expect(
      writeSyntheticDataset(join(tmpdir(), 'unused'), { count: 1, dim: 1, seed: 1, queries: -2 }),
    ).rejects.toThrow(new InvalidInputError('queries must be an integer ≥ 0, got -2'));
  });
});
