import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readParquet } from '../../../shared/data/parquet-reader.ts';
import { parseS3Url } from '../../../shared/data/parquet-source.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { createRng } from '../../../shared/random.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import {
  BOOLEAN,
  DOUBLE,
  type FixtureColumn,
  FLOAT,
  INT32,
  INT64,
  list,
  parquetBytes,
  STRING,
  scalar,
  TIMESTAMP,
} from './parquet-fixtures.ts';
import { useTempDir } from './temp-dir.ts';

/** Files written by pyarrow 25.0.1 (fixtures/make-pyarrow-fixtures.py). */
const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

const EMBEDDING = list(
  'embedding',
  [
    [1, 2, 3],
    [4.5, -5, 6],
    [0, 0.25, 9],
  ],
  FLOAT,
);

/** Writes the columns to a temp file and returns its path. */
async function file(path: string, columns: FixtureColumn[], rowGroupSize?: number): Promise<string> {
  await writeFile(path, parquetBytes(columns, rowGroupSize === undefined ? {} : { rowGroupSize }));
  return path;
}

describe('readParquet', () => {
  const temp = useTempDir();

  it('reads the only list-of-numbers column as vectors, `id` as ids and every other column as attributes', async () => {
    const path = await file(temp.path('all.parquet'), [
      scalar('id', ['a', 'b', 'c'], STRING),
      EMBEDDING,
      scalar('price', [1.5, null, 3], DOUBLE),
      scalar('stock', [7, 8, null], INT32),
      scalar('views', [10n, null, 2n ** 40n], INT64),
      scalar('color', ['red', null, 'blue'], STRING),
      list('labels', [['x', 'y'], null, []], STRING),
    ]);
    const input = await readParquet(path);
    expect(input.columns).toEqual({
      vector: 'embedding',
      id: 'id',
      attributes: ['price', 'stock', 'views', 'color', 'labels'],
    });
    expect(input.vectors.n).toBe(3);
    expect(input.vectors.dim).toBe(3);
    expect([...input.vectors.vectors]).toEqual([1, 2, 3, 4.5, -5, 6, 0, 0.25, 9]);
    expect(input.ids).toEqual(['a', 'b', 'c']);
    const table = input.attributes!;
    expect(table.schema.attributes).toEqual([
      { name: 'price', kind: 'number' },
      { name: 'stock', kind: 'number' },
      { name: 'views', kind: 'number' },
      { name: 'color', kind: 'category' },
      { name: 'labels', kind: 'tags' },
    ]);
    expect([0, 1, 2].map((row) => table.rowValues(row))).toEqual([
      { price: 1.5, stock: 7, views: 10, color: 'red', labels: ['x', 'y'] },
      { stock: 8 },
      { price: 3, views: 2 ** 40, color: 'blue' },
    ]);
  });

  it('reads DOUBLE and integer vectors, integer ids, and the same rows across many row groups', async () => {
    const n = 25;
    const vectors = Array.from({ length: n }, (_, i) => [i, i / 3, -i]);
    const expected = new Float32Array(vectors.flat());
    for (const rowGroupSize of [n, 4]) {
      const path = await file(
        temp.path(`groups-${rowGroupSize}.parquet`),
        [
          scalar(
            'key',
            vectors.map((_, i) => BigInt(1000 + i)),
            INT64,
          ),
          list('v', vectors, DOUBLE),
          scalar(
            'odd',
            vectors.map((_, i) => (i % 2 ? 'yes' : null)),
            STRING,
          ),
        ],
        rowGroupSize,
      );
      const input = await readParquet(path, { idColumn: 'key' });
      expect(input.vectors.vectors).toEqual(expected);
      expect(input.ids).toEqual(vectors.map((_, i) => 1000 + i));
      expect(input.attributes!.valueOf(3, 0)).toBe('yes');
      expect(input.attributes!.valueOf(4, 0)).toBeUndefined();
    }
    const ints = await file(temp.path('ints.parquet'), [
      list(
        'v',
        [
          [1, 2],
          [3, 4],
        ],
        INT32,
      ),
    ]);
    const input = await readParquet(ints);
    expect([...input.vectors.vectors]).toEqual([1, 2, 3, 4]);
    expect(input.attributes).toBeUndefined();
    expect(input.ids).toBeUndefined();
  });

  it('takes the vector, id and attribute columns it is told, in the order given', async () => {
    const path = await file(temp.path('named.parquet'), [
      list('a', [[1], [2]], FLOAT),
      list(
        'b',
        [
          [3, 4],
          [5, 6],
        ],
        FLOAT,
      ),
      scalar('id', ['x', 'y'], STRING),
      scalar('ref', ['r1', 'r2'], STRING),
      scalar('p', [1, 2], DOUBLE),
      scalar('flag', [true, false], BOOLEAN),
    ]);
    const input = await readParquet(path, {
      vectorColumn: 'b',
      idColumn: 'ref',
      attributeColumns: ['p', 'id'],
    });
    expect(input.columns).toEqual({ vector: 'b', id: 'ref', attributes: ['p', 'id'] });
    expect([...input.vectors.vectors]).toEqual([3, 4, 5, 6]);
    expect(input.ids).toEqual(['r1', 'r2']);
    expect(input.attributes!.rowValues(1)).toEqual({ p: 2, id: 'y' });
    const none = await readParquet(path, { vectorColumn: 'a', attributeColumns: [] });
    expect(none.attributes).toBeUndefined();
    expect(none.ids).toEqual(['x', 'y']);
    const noIds = await readParquet(path, { vectorColumn: 'a', idColumn: '', attributeColumns: ['id'] });
    expect(noIds.ids).toBeUndefined();
    expect(noIds.columns).toEqual({ vector: 'a', attributes: ['id'] });
    expect(noIds.attributes!.rowValues(0)).toEqual({ id: 'x' });
  });

  it('takes the attributes, their order and kinds from a schema, which must agree with the columns', async () => {
    const path = await file(temp.path('schema.parquet'), [
      EMBEDDING,
      scalar('price', [1, 2, 3], DOUBLE),
      scalar('color', [null, null, null], STRING),
      scalar('skip', [true, true, false], BOOLEAN),
    ]);
    const schema = {
      attributes: [
        { name: 'color', kind: 'category' },
        { name: 'price', kind: 'number' },
      ],
    } as const;
    const input = await readParquet(path, { schema });
    expect(input.attributes!.schema).toEqual(schema);
    expect(input.attributes!.rowValues(2)).toEqual({ price: 3 });
    await expect(
      readParquet(path, { schema: { attributes: [{ name: 'price', kind: 'category' }] } }),
    ).rejects.toThrow(
      `\`${path}\`: attribute column \`price\` (DOUBLE) cannot be read for the schema's kind category; expected numbers (number), strings (category) or lists of strings (tags). Leave it out with --attribute-columns`,
    );
    await expect(readParquet(path, { schema, attributeColumns: ['price'] })).rejects.toThrow(
      "the attribute columns (price) differ from the schema's attributes (color, price)",
    );
  });

  it('refuses a file without a vector column, or with several, naming its columns', async () => {
    const none = await file(temp.path('none.parquet'), [
      scalar('a', [1], DOUBLE),
      list('t', [['x']], STRING),
    ]);
    await expect(readParquet(none)).rejects.toThrow(
      `\`${none}\` has no list-of-numbers column; expected exactly one to read vectors from, or one named as the vector column (--vector-column). Its columns are \`a\` (DOUBLE), \`t\` (list of BYTE_ARRAY (UTF8))`,
    );
    const two = await file(temp.path('two.parquet'), [list('a', [[1]], FLOAT), list('b', [[2]], DOUBLE)]);
    await expect(readParquet(two)).rejects.toThrow(
      'has 2 list-of-numbers columns (`a` (list of FLOAT), `b` (list of DOUBLE)); expected exactly one',
    );
    await expect(readParquet(two, { vectorColumn: 'c' })).rejects.toThrow(
      `\`${two}\` has no column \`c\` (vector column); its columns are \`a\` (list of FLOAT), \`b\` (list of DOUBLE)`,
    );
    await expect(readParquet(none, { vectorColumn: 't' })).rejects.toThrow(
      'vector column `t` (list of BYTE_ARRAY (UTF8)) is not a list of numbers',
    );
  });

  it('refuses vectors of different lengths, null vectors and non-finite values, naming the row', async () => {
    const ragged = await file(temp.path('ragged.parquet'), [list('v', [[1, 2], [3, 4], [5]], FLOAT)]);
    await expect(readParquet(ragged)).rejects.toThrow(
      `\`${ragged}\` row 2: vector column \`v\` holds 1 numbers; expected 2, the length of row 0`,
    );
    const missing = await file(temp.path('null.parquet'), [list('v', [[1, 2], null], FLOAT)]);
    await expect(readParquet(missing)).rejects.toThrow(
      `\`${missing}\` row 1: vector column \`v\` is null; expected a list of numbers on every row`,
    );
    const nan = await file(temp.path('nan.parquet'), [
      list(
        'v',
        [
          [1, 2],
          [3, Number.NaN],
        ],
        DOUBLE,
      ),
    ]);
    await expect(readParquet(nan)).rejects.toThrow(
      `\`${nan}\` row 1: vector column \`v\` element 1 is NaN; expected finite numbers`,
    );
    const hole = await file(temp.path('hole.parquet'), [list('v', [[1, null]], DOUBLE)]);
    await expect(readParquet(hole)).rejects.toThrow('row 0: vector column `v` element 1 is null');
    const empty = await file(temp.path('empty-list.parquet'), [list('v', [[]], DOUBLE)]);
    await expect(readParquet(empty)).rejects.toThrow('holds an empty list; expected at least one number');
  });

  it('names the row of a bad vector in a later range read ahead, with other reads still in flight', async () => {
    const vectors = Array.from({ length: 60 }, (_, i) => (i === 30 ? [1, 2] : [i, i, i]));
    const path = temp.path('ragged-late.parquet');
    await writeFile(path, parquetBytes([list('v', vectors, FLOAT)], { rowGroupSize: 60, pageSize: 64 }));
    await expect(readParquet(path, { valuesPerRead: 6 })).rejects.toThrow(
      `\`${path}\` row 30: vector column \`v\` holds 2 numbers; expected 3, the length of row 0`,
    );
    await expect(readParquet(path)).rejects.toThrow('row 30: vector column `v` holds 2 numbers');
  });

  it('refuses unsupported attribute columns and bad ids, saying how to leave them out', async () => {
    const path = await file(temp.path('types.parquet'), [
      list('v', [[1], [2]], FLOAT),
      scalar('when', [1n, 2n], TIMESTAMP),
      scalar('ok', [true, false], BOOLEAN),
    ]);
    await expect(readParquet(path)).rejects.toThrow(
      `\`${path}\`: attribute column \`when\` (INT64 (TIMESTAMP_MILLIS)) cannot be read; expected numbers (number), strings (category) or lists of strings (tags). Leave it out with --attribute-columns`,
    );
    await expect(readParquet(path, { attributeColumns: ['ok'] })).rejects.toThrow(
      'attribute column `ok` (BOOLEAN) cannot be read',
    );
    await expect(readParquet(path, { attributeColumns: [] })).resolves.toMatchObject({
      vectors: { n: 2, dim: 1 },
    });
    const ids = await file(temp.path('ids.parquet'), [
      list('v', [[1], [2]], FLOAT),
      scalar('id', ['a', null], STRING),
    ]);
    await expect(readParquet(ids)).rejects.toThrow(
      `\`${ids}\` row 1: id column \`id\` is null; expected a string or a safe integer on every row`,
    );
    await expect(readParquet(ids, { idColumn: 'v' })).rejects.toThrow(
      'id column `v` (list of FLOAT) cannot hold ids; expected a column of strings or integers',
    );
  });

  it('refuses a missing file, a file that is not Parquet and an empty one, naming them', async () => {
    const missing = temp.path('missing.parquet');
    await expect(readParquet(missing)).rejects.toThrow(
      new InvalidInputError(`cannot read \`${missing}\`: no such file`),
    );
    const text = temp.path('text.parquet');
    await writeFile(text, 'id,price\n1,2\n');
    const attempt = readParquet(text);
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(readParquet(text)).rejects.toThrow(`\`${text}\` cannot be read as Parquet: parquet`);
    const zstd = temp.path('zstd.parquet');
    const column = list('v', [[1, 2]], FLOAT);
    const compressed = parquetWriteBuffer({
      columnData: [{ name: 'v', data: column.data } as ColumnSource],
      schema: [{ name: 'root', num_children: 1 }, ...column.schema],
      codec: 'ZSTD',
      compressors: { ZSTD: (bytes: Uint8Array) => bytes },
    });
    await writeFile(zstd, new Uint8Array(compressed));
    await expect(readParquet(zstd)).rejects.toThrow(
      new InvalidInputError(
        `\`${zstd}\` cannot be read as Parquet: parquet unsupported compression codec: ZSTD`,
      ),
    );
    const empty = await file(temp.path('no-rows.parquet'), [list('v', [], FLOAT)]);
    await expect(readParquet(empty)).rejects.toThrow(
      `\`${empty}\` has no rows; expected at least one vector`,
    );
  });

  it('reads an object of a store by byte ranges, fetching only the columns it needs', async () => {
    const n = 200;
    // Incompressible text, far more bytes than the footer fetch (64 KiB) and the other columns.
    const rng = createRng(7);
    const text = Array.from({ length: n }, () =>
      Array.from({ length: 2000 }, () => rng.int(36).toString(36)).join(''),
    );
    const bytes = parquetBytes([
      list(
        'v',
        Array.from({ length: n }, (_, i) => [i, -i]),
        FLOAT,
      ),
      scalar(
        'price',
        Array.from({ length: n }, (_, i) => i / 2),
        DOUBLE,
      ),
      scalar('text', text, STRING),
    ]);
    const store = new MemoryBlobStore('memory://bucket');
    await store.put('data/input.parquet', bytes);
    const ranges: [number, number][] = [];
    const getRange = store.getRange.bind(store);
    store.getRange = (key, offset, length) => {
      ranges.push([offset, length]);
      return getRange(key, offset, length);
    };
    store.get = () => Promise.reject(new Error('whole-object reads are not expected'));

    const input = await readParquet({ store, key: 'data/input.parquet' }, { attributeColumns: ['price'] });
    expect(input.vectors.n).toBe(n);
    expect(input.attributes!.valueOf(199, 0)).toBe(99.5);
    const fetched = ranges.reduce((sum, [, length]) => sum + length, 0);
    expect(ranges.length).toBeGreaterThanOrEqual(2);
    expect(bytes.byteLength).toBeGreaterThan(n * 2000 * 0.6);
    expect(fetched).toBeLessThan(bytes.byteLength / 3);

    const all = await readParquet({ store, key: 'data/input.parquet' });
    expect(all.attributes!.valueOf(3, 1)).toBe(text[3]);
    await expect(readParquet({ store, key: 'data/other.parquet' })).rejects.toThrow(
      'cannot read `memory://bucket/data/other.parquet`: no such object',
    );
  });

  it('reads a large row group in slices when its chunks have offset indexes, else whole', async () => {
    const n = 40;
    const columns = [
      list(
        'v',
        Array.from({ length: n }, (_, i) => [i, i + 0.5, -i]),
        FLOAT,
      ),
      scalar(
        'id',
        Array.from({ length: n }, (_, i) => `r${i}`),
        STRING,
      ),
      list(
        't',
        Array.from({ length: n }, (_, i) => (i % 3 ? [`t${i % 5}`] : null)),
        STRING,
      ),
    ];
    const store = new MemoryBlobStore('memory://slices');
    const reads = new Map<string, [number, number][]>();
    const getRange = store.getRange.bind(store);
    store.getRange = (key, offset, length) => {
      reads.set(key, [...(reads.get(key) ?? []), [offset, length]]);
      return getRange(key, offset, length);
    };
    for (const offsetIndex of [true, false]) {
      const key = `one-group-${offsetIndex}.parquet`;
      // Small pages: an offset index needs more than one page per chunk.
      const bytes = parquetBytes(columns, { rowGroupSize: n, offsetIndex, pageSize: 64 });
      await store.put(key, bytes);
      const whole = await readParquet({ store, key });
      const wholeReads = reads.get(key)!.length;
      reads.set(key, []);
      // 3 values per row: at least 2 rows per read, cut at the vector column's page boundaries.
      const sliced = await readParquet({ store, key }, { valuesPerRead: 6 });
      expect(sliced.vectors).toEqual(whole.vectors);
      expect(sliced.ids).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
      expect(sliced.attributes!.columns).toEqual(whole.attributes!.columns);
      expect(sliced.attributes!.valueOf(37, 0)).toEqual(['t2']);
      expect([...sliced.vectors.vectors.subarray(37 * 3, 38 * 3)]).toEqual([37, 37.5, -37]);
      if (!offsetIndex) {
        expect(reads.get(key)!.length).toBe(wholeReads);
        continue;
      }
      // Each page of the vector column is fetched once, in several reads.
      const chunk = parquetMetadata(bytes.buffer as ArrayBuffer).row_groups[0]!.columns[0]!.meta_data!;
      const from = Number(chunk.data_page_offset);
      const to = from + Number(chunk.total_compressed_size);
      const vectorReads = reads.get(key)!.filter(([offset]) => offset >= from && offset < to);
      expect(vectorReads.length).toBeGreaterThanOrEqual(4);
      expect(new Set(vectorReads.map(([offset]) => offset)).size).toBe(vectorReads.length);
      expect(vectorReads.reduce((sum, [, length]) => sum + length, 0)).toBe(to - from);
    }
  });

  it('reads files as pyarrow writes them: fixed_size_list<float32>, dictionary strings, int64 ids', async () => {
    const input = await readParquet(fixture('pyarrow-fixed-size-list.parquet'));
    expect(input.columns).toEqual({
      vector: 'embedding',
      id: 'id',
      attributes: ['price', 'stock', 'color', 'tags', 'title'],
    });
    expect(input.ids).toEqual([101, 102, 103, 104, 105, 106]);
    expect(input.vectors.dim).toBe(4);
    expect([...input.vectors.vectors.subarray(4 * 5)]).toEqual([5, 5.5, -5, 2 ** -5]);
    const table = input.attributes!;
    expect(table.schema.attributes.map((a) => a.kind)).toEqual([
      'number',
      'number',
      'category',
      'tags',
      'category',
    ]);
    expect([0, 1, 2].map((row) => table.rowValues(row))).toEqual([
      { price: 1.25, stock: 1, color: 'red', tags: ['a', 'b'], title: 'doc 0' },
      { stock: 2, color: 'blue', title: 'doc 1' },
      { price: 3.5, stock: 3, title: 'doc 2' },
    ]);
  });

  it('reads a pyarrow file with a page index in page-aligned ranges, with the same rows', async () => {
    const store = new MemoryBlobStore('memory://pyarrow');
    await store.put('paged.parquet', new Uint8Array(await readFile(fixture('pyarrow-page-index.parquet'))));
    const ranges: string[] = [];
    const getRange = store.getRange.bind(store);
    store.getRange = (key, offset, length) => {
      ranges.push(`${offset}+${length}`);
      return getRange(key, offset, length);
    };
    const location = { store, key: 'paged.parquet' };
    const whole = await readParquet(location, { idColumn: 'name' });
    const wholeReads = ranges.length;
    ranges.length = 0;
    // Pages of about 3 rows of 3 values: reads of 10 rows or a little more.
    const progress: [string, number, number][] = [];
    const sliced = await readParquet(location, {
      idColumn: 'name',
      valuesPerRead: 30,
      onProgress: (stage, done, total) => progress.push([stage, done, total]),
    });
    expect(sliced).toEqual(whole);
    expect(progress.length).toBeGreaterThan(20);
    expect(progress.at(-1)).toEqual(['read parquet', 300, 300]);
    expect(progress.every(([, done], i) => i === 0 || done > progress[i - 1]![1])).toBe(true);
    expect(ranges.length).toBeGreaterThanOrEqual(wholeReads + 25);
    // No byte range twice: pages once each, offset indexes and the (dictionary-encoded) vector column's
    // dictionary page kept once read.
    expect(new Set(ranges).size).toBe(ranges.length);
    expect(whole.vectors.n).toBe(300);
    expect([...whole.vectors.vectors.subarray(3 * 299)]).toEqual([299, 299 / 8, -299]);
    expect(whole.ids![299]).toBe('n299');
    expect(whole.attributes!.valueOf(299, 0)).toBe(3);
  });

  it('parses s3:// object URLs', () => {
    expect(parseS3Url('s3://my-bucket/a/b.parquet')).toEqual({ bucket: 'my-bucket', key: 'a/b.parquet' });
    expect(() => parseS3Url('s3://my-bucket')).toThrow(
      '`s3://my-bucket` is not a valid S3 object URL; expected s3://bucket/key.parquet with a valid bucket name',
    );
    expect(() => parseS3Url('s3://Bad_Bucket/k')).toThrow(InvalidInputError);
  });
});
