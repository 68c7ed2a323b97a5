import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  encodeBvecs,
  encodeFvecs,
  encodeIvecs,
  parseFvecs,
  parseIvecs,
  readBvecs,
  readFvecs,
  readIvecs,
  writeBvecs,
  writeFvecs,
  writeIvecs,
} from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { createRng } from '../../../shared/random.ts';
import { useTempDir } from './temp-dir.ts';

function randomVectors(seed: number, n: number, dim: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * dim }, () => rng.normal());
}

/** The first index where two arrays differ (-1 when equal); cheaper than toEqual on big arrays. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('.fvecs / .bvecs / .ivecs', () => {
  const temp = useTempDir();

  it('encodes the documented record layout', () => {
    const bytes = encodeFvecs(Float32Array.from([1.5, -2]), 1, 2);
    expect(Array.from(bytes)).toEqual([2, 0, 0, 0, 0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]);
    expect(Array.from(encodeBvecs(Uint8Array.from([7, 255, 0, 1]), 2, 2))).toEqual([
      2, 0, 0, 0, 7, 255, 2, 0, 0, 0, 0, 1,
    ]);
  });

  it('round-trips fvecs across several read chunks, and honours a limit', async () => {
    const dim = 128;
    const n = 8300; // 8300 × 516 bytes ≈ 4.3 MB: more than one 4 MiB chunk
    const vectors = randomVectors(1, n, dim);
    await writeFvecs(temp.path('base.fvecs'), vectors, n, dim);
    expect((await readFile(temp.path('base.fvecs'))).byteLength).toBe(n * (4 + 4 * dim));
    const read = await readFvecs(temp.path('base.fvecs'));
    expect([read.n, read.dim]).toEqual([n, dim]);
    expect(firstDifference(read.vectors, vectors)).toBe(-1);

    const first = await readFvecs(temp.path('base.fvecs'), { limit: 3 });
    expect([first.n, first.dim]).toEqual([3, dim]);
    expect(first.vectors).toEqual(vectors.subarray(0, 3 * dim));
    expect((await readFvecs(temp.path('base.fvecs'), { limit: 1e9 })).n).toBe(n);
    await expect(readFvecs(temp.path('base.fvecs'), { limit: -1 })).rejects.toThrow(
      'limit -1 is not valid; expected a non-negative integer',
    );
  });

  it('round-trips ivecs and bvecs (widened to float32)', async () => {
    const ids = Int32Array.from({ length: 5 * 3 }, (_, i) => (i * 7919) % 10_000);
    await writeIvecs(temp.path('gt.ivecs'), ids, 5, 3);
    const gt = await readIvecs(temp.path('gt.ivecs'));
    expect([gt.n, gt.dim, Array.from(gt.values)]).toEqual([5, 3, Array.from(ids)]);

    const bytes = Uint8Array.from({ length: 4 * 5 }, (_, i) => (i * 37) % 256);
    await writeBvecs(temp.path('base.bvecs'), bytes, 4, 5);
    const base = await readBvecs(temp.path('base.bvecs'));
    expect([base.n, base.dim]).toEqual([4, 5]);
    expect(base.vectors).toEqual(Float32Array.from(bytes));
  });

  it('parses bytes in memory, aligned or not', () => {
    const vectors = randomVectors(2, 3, 5);
    const encoded = encodeFvecs(vectors, 3, 5);
    const shifted = new Uint8Array(encoded.byteLength + 1);
    shifted.set(encoded, 1);
    expect(parseFvecs(shifted.subarray(1), 'x.fvecs').vectors).toEqual(vectors);
    expect(parseIvecs(encodeIvecs(Int32Array.from([-1, 2]), 1, 2), 'x.ivecs').values).toEqual(
      Int32Array.from([-1, 2]),
    );
  });

  it('says which record is truncated and what a record should hold', async () => {
    const whole = encodeFvecs(randomVectors(3, 10, 4), 10, 4); // records of 20 bytes
    await writeFile(temp.path('cut.fvecs'), whole.subarray(0, 191));
    await expect(readFvecs(temp.path('cut.fvecs'))).rejects.toThrow(
      new InvalidInputError(
        `\`${temp.path('cut.fvecs')}\` is truncated: record 9 (counting from 0) needs bytes 180..200, but the file ends at byte 191 ` +
          '(records are 4 + 4 × 4 = 20 bytes: an int32 dimension then 4 float32 values)',
      ),
    );
    for (const length of [1, 3, 19, 21, 38, 199]) {
      expect(() => parseFvecs(whole.subarray(0, length), 'cut.fvecs'), `length ${length}`).toThrow(
        /^`cut\.fvecs` is truncated: record \d+ /,
      );
    }
    expect(() => parseFvecs(whole.subarray(0, 2), 'cut.fvecs')).toThrow(
      '`cut.fvecs` is truncated: record 0 needs bytes 0..4 for its dimension, but the file ends at byte 2',
    );
    // A limit that stops before the damage reads fine.
    expect((await readFvecs(temp.path('cut.fvecs'), { limit: 9 })).n).toBe(9);
  });

  it('says which record declares another dimension', async () => {
    const good = encodeIvecs(
      Int32Array.from({ length: 6 * 3 }, (_, i) => i),
      6,
      3,
    );
    const bad = good.slice();
    new DataView(bad.buffer).setInt32(4 * 16, 2, true); // record 4 of 16-byte records
    await writeFile(temp.path('bad.ivecs'), bad);
    await expect(readIvecs(temp.path('bad.ivecs'))).rejects.toThrow(
      `\`${temp.path('bad.ivecs')}\` record 4 (counting from 0) declares dimension 2; expected 3, the dimension of record 0`,
    );
    // A shorter last record is a dimension mismatch, not a truncation.
    const shortLast = new Uint8Array([
      ...good.subarray(0, 32),
      ...encodeIvecs(Int32Array.from([1, 2]), 1, 2),
    ]);
    expect(() => parseIvecs(shortLast, 'short.ivecs')).toThrow(
      '`short.ivecs` record 2 (counting from 0) declares dimension 2; expected 3',
    );
  });

  it('rejects empty files, non-positive dimensions and missing files', async () => {
    await writeFile(temp.path('empty.fvecs'), new Uint8Array(0));
    await expect(readFvecs(temp.path('empty.fvecs'))).rejects.toThrow('is empty; expected fvecs records');
    expect(() => parseFvecs(Uint8Array.from([0xff, 0xff, 0xff, 0xff]), 'neg.fvecs')).toThrow(
      '`neg.fvecs` record 0 declares dimension -1; expected a positive dimension',
    );
    await expect(readFvecs(temp.path('absent.fvecs'))).rejects.toThrow(
      new InvalidInputError(`cannot read \`${temp.path('absent.fvecs')}\`: no such file`),
    );
  });

  it('refuses to write an array that is not n × dim', async () => {
    await expect(writeFvecs(temp.path('w.fvecs'), new Float32Array(5), 2, 3)).rejects.toThrow(
      'cannot write 2 × 3 values from an array of 5',
    );
  });
});
