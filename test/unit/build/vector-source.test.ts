import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openVectorSource } from '../../../shared/build/vector-source.ts';
import { encodeBvecs, encodeFvecs } from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { useTempDir } from '../data/temp-dir.ts';

const N = 50;
const DIM = 7;
const values = Float32Array.from({ length: N * DIM }, (_, i) => Math.sin(i) * 10);
const bytes = Uint8Array.from({ length: N * DIM }, (_, i) => (i * 37) % 256);

/** A 2-D float64 .npy as NumPy writes it (dict padded so the data starts at a multiple of 64). */
function npyFloat64(data: Float64Array, rows: number, dim: number): Uint8Array {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const header = `${dict}${' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer), 10 + header.length);
  return out;
}

describe('vector sources read rows by range', () => {
  const temp = useTempDir();
  const ranges = [
    [0, N],
    [0, 1],
    [13, 14],
    [7, 33],
    [N - 1, N],
    [20, 20],
  ] as const;

  it('.fvecs, .bvecs and .npy give exactly the rows asked for', async () => {
    await writeFile(temp.path('a.fvecs'), encodeFvecs(values, N, DIM));
    await writeFile(temp.path('a.bvecs'), encodeBvecs(bytes, N, DIM));
    await writeFile(temp.path('a.npy'), npyFloat64(Float64Array.from(values), N, DIM));
    const expected = { 'a.fvecs': values, 'a.bvecs': Float32Array.from(bytes), 'a.npy': values };
    for (const [name, all] of Object.entries(expected)) {
      const source = await openVectorSource(temp.path(name));
      expect([source.count, source.dim]).toEqual([N, DIM]);
      for (const [start, end] of ranges) {
        expect(await source.readRows(start, end), `${name} ${start}..${end}`).toEqual(
          all.subarray(start * DIM, end * DIM),
        );
      }
      await source.close();
    }
  });

  it('reads an s3:// object by ranged GETs of exactly the rows', async () => {
    const store = new MemoryBlobStore();
    await store.put('in/a.fvecs', encodeFvecs(values, N, DIM));
    const reads: [number, number][] = [];
    const getRange = store.getRange.bind(store);
    store.getRange = async (key, offset, length) => {
      reads.push([offset, length]);
      return getRange(key, offset, length);
    };
    const { openParquetSource } = await import('../../../shared/data/parquet-source.ts');
    const source = await openParquetSource({ store, key: 'in/a.fvecs' });
    const record = 4 + 4 * DIM;
    expect(new Uint8Array(await source.file.slice(10 * record, 12 * record))).toEqual(
      encodeFvecs(values, N, DIM).subarray(10 * record, 12 * record),
    );
    expect(reads).toEqual([[10 * record, 2 * record]]);
  });

  it('refuses truncated files, bad ranges and unknown extensions, saying what it expected', async () => {
    const whole = encodeFvecs(values, N, DIM);
    await writeFile(temp.path('cut.fvecs'), whole.subarray(0, whole.length - 3));
    await expect(openVectorSource(temp.path('cut.fvecs'))).rejects.toThrow(
      /not a whole number of 32-byte records of dimension 7 \(truncated\?\)/,
    );
    await writeFile(temp.path('b.fvecs'), whole);
    const source = await openVectorSource(temp.path('b.fvecs'));
    await expect(source.readRows(10, 51)).rejects.toThrow(/rows 10\.\.51 .* expected 0 ≤ start ≤ end ≤ 50/);
    await expect(source.readRows(5, 4)).rejects.toBeInstanceOf(InvalidInputError);
    await source.close();
    await expect(openVectorSource(temp.path('b.csv'))).rejects.toThrow(
      /extension "\.csv"; expected one of \.fvecs, \.bvecs, \.npy, \.parquet/,
    );
    await expect(openVectorSource(temp.path('missing.fvecs'))).rejects.toThrow(/cannot read .*no such file/);
  });
});
