import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type OffsetIndex, parquetMetadata, readOffsetIndex } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { openParquetVectorSource } from '../../../shared/build/parquet-vector-source.ts';
import { readParquet } from '../../../shared/data/parquet-reader.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { createRng } from '../../../shared/random.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { DOUBLE, FLOAT, INT32, INT64, list, parquetBytes, STRING, scalar } from './parquet-fixtures.ts';
import { useTempDir } from './temp-dir.ts';

/** Row i, value j: float32 values that look random, so that Snappy cannot shrink the pages. */
const value = (i: number, j: number) =>
  Math.fround((Math.imul(i, 2654435761) ^ Math.imul(j + 1, 40503)) / 2 ** 20);

function vectors(n: number, dim: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: dim }, (_, j) => value(i, j)));
}

/** Rows [start, end) of `vectors(n, dim)`, flattened. */
function expected(start: number, end: number, dim: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) for (let j = 0; j < dim; j++) out.push(value(i, j));
  return out;
}

/** A store whose getRange calls are recorded. */
function countingStore(name: string) {
  const store = new MemoryBlobStore(`memory://${name}`);
  const reads: [number, number][] = [];
  const getRange = store.getRange.bind(store);
  store.getRange = (key, offset, length) => {
    reads.push([offset, length]);
    return getRange(key, offset, length);
  };
  store.get = () => Promise.reject(new Error('whole-object reads are not expected'));
  return { store, reads, bytes: () => reads.reduce((sum, [, length]) => sum + length, 0) };
}

/** The vector column's chunks: the group's first row, rows, page locations and offset index bytes. */
function vectorChunks(bytes: Uint8Array, name: string) {
  const metadata = parquetMetadata(bytes.buffer as ArrayBuffer);
  let groupStart = 0;
  return metadata.row_groups.map((group) => {
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema[0] === name)!;
    const start = Number(chunk.offset_index_offset);
    const length = chunk.offset_index_length!;
    const index: OffsetIndex = readOffsetIndex({
      view: new DataView(bytes.buffer, bytes.byteOffset + start, length),
      offset: 0,
    });
    const rows = Number(group.num_rows);
    const result = { groupStart, rows, pages: index.page_locations, indexLength: length };
    groupStart += rows;
    return result;
  });
}

/**
 * Bytes of the data pages of the vector column that hold rows [start, end), and of the offset indexes of
 * their groups unless already read (kept once read: `indexesRead` is updated).
 */
function pageBytes(
  chunks: ReturnType<typeof vectorChunks>,
  start: number,
  end: number,
  indexesRead: Set<number>,
): number {
  let total = 0;
  for (const [group, { groupStart, rows, pages, indexLength }] of chunks.entries()) {
    if (groupStart + rows <= start || groupStart >= end) continue;
    if (!indexesRead.has(group)) total += indexLength;
    indexesRead.add(group);
    pages.forEach((page, p) => {
      const first = groupStart + Number(page.first_row_index);
      const next = groupStart + Number(pages[p + 1]?.first_row_index ?? rows);
      if (first < end && next > start) total += page.compressed_page_size;
    });
  }
  return total;
}

describe('openParquetVectorSource', () => {
  const temp = useTempDir();

  it('reads any range of rows across pages and row groups, with or without offset indexes', async () => {
    const n = 1000;
    const dim = 5;
    for (const offsetIndex of [true, false]) {
      const bytes = parquetBytes(
        [
          scalar(
            'id',
            Array.from({ length: n }, (_, i) => `r${i}`),
            STRING,
          ),
          list('embedding', vectors(n, dim), FLOAT),
        ],
        {
          rowGroupSize: 300,
          pageSize: 256,
          offsetIndex,
        },
      );
      const path = temp.path(`rows-${offsetIndex}.parquet`);
      await writeFile(path, bytes);
      const metadata = parquetMetadata(bytes.buffer as ArrayBuffer);
      expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([300, 300, 300, 100]);
      if (offsetIndex) {
        // Several pages per group: ranges below start and end inside pages.
        const pages = vectorChunks(bytes, 'embedding')[0]!.pages;
        expect(pages.length).toBeGreaterThan(10);
        expect(Number(pages[1]!.first_row_index)).toBeGreaterThan(3);
      }

      const source = await openParquetVectorSource(path);
      expect({ count: source.count, dim: source.dim, description: source.description }).toEqual({
        count: n,
        dim,
        description: path,
      });
      const ranges: [number, number][] = [
        [0, 0],
        [0, 1],
        [1, 3],
        [5, 60],
        [299, 301],
        [250, 920],
        [999, 1000],
        [1000, 1000],
        [0, 1000],
      ];
      const rng = createRng(13);
      for (let k = 0; k < 20; k++) {
        const start = rng.int(n + 1);
        ranges.push([start, start + rng.int(n + 1 - start)]);
      }
      for (const [start, end] of ranges) {
        const rows = await source.readRows(start, end);
        expect(rows).toBeInstanceOf(Float32Array);
        expect({ start, end, rows: [...rows] }).toEqual({ start, end, rows: expected(start, end, dim) });
      }
      // Consecutive chunks, as the streaming build reads them, the last one partial.
      const chunks: number[] = [];
      for (let start = 0; start < n; start += 128) {
        chunks.push(...(await source.readRows(start, Math.min(n, start + 128))));
      }
      expect(chunks).toEqual(expected(0, n, dim));
      await source.close();
    }
  });

  it('converts DOUBLE and integer lists to float32, and takes the column it is told', async () => {
    const doubles = [
      [0.1, -2.5],
      [1e-3, 3],
      [2 ** 40, -0],
    ];
    const path = temp.path('types.parquet');
    await writeFile(
      path,
      parquetBytes([
        list('d', doubles, DOUBLE),
        list(
          'i',
          [
            [1, -2],
            [3, 4],
            [5, 2 ** 30],
          ],
          INT32,
        ),
        list(
          'l',
          [
            [10n, -20n],
            [2n ** 40n, 0n],
            [7n, 8n],
          ],
          INT64,
        ),
      ]),
    );
    const d = await openParquetVectorSource(path, { vectorColumn: 'd' });
    expect([...(await d.readRows(0, 3))]).toEqual(doubles.flat().map(Math.fround));
    expect([...(await d.readRows(1, 2))]).toEqual([Math.fround(1e-3), 3]);
    const i = await openParquetVectorSource(path, { vectorColumn: 'i' });
    expect([...(await i.readRows(1, 3))]).toEqual([3, 4, 5, 2 ** 30]);
    const l = await openParquetVectorSource(path, { vectorColumn: 'l' });
    expect([...(await l.readRows(0, 2))]).toEqual([10, -20, 2 ** 40, 0]);
    await Promise.all([d.close(), i.close(), l.close()]);

    await expect(openParquetVectorSource(path)).rejects.toThrow(
      new InvalidInputError(
        `\`${path}\` has 3 list-of-numbers columns (\`d\` (list of DOUBLE), \`i\` (list of INT32), \`l\` (list of INT64)); expected exactly one to read vectors from, or one named as the vector column (--vector-column). Its columns are \`d\` (list of DOUBLE), \`i\` (list of INT32), \`l\` (list of INT64)`,
      ),
    );
    await expect(openParquetVectorSource(path, { vectorColumn: 'x' })).rejects.toThrow(
      `\`${path}\` has no column \`x\` (vector column); its columns are \`d\` (list of DOUBLE)`,
    );
    const strings = temp.path('strings.parquet');
    await writeFile(strings, parquetBytes([list('t', [['a']], STRING), scalar('p', [1], DOUBLE)]));
    await expect(openParquetVectorSource(strings)).rejects.toThrow(
      `\`${strings}\` has no list-of-numbers column; expected exactly one`,
    );
    await expect(openParquetVectorSource(strings, { vectorColumn: 't' })).rejects.toThrow(
      `\`${strings}\`: vector column \`t\` (list of BYTE_ARRAY (UTF8)) is not a list of numbers; expected a list or fixed-size list of FLOAT, DOUBLE or integers`,
    );
  });

  it('refuses ranges outside the file, saying which rows are valid', async () => {
    const path = temp.path('ranges.parquet');
    await writeFile(path, parquetBytes([list('v', vectors(10, 2), FLOAT)], { rowGroupSize: 4 }));
    const source = await openParquetVectorSource(path);
    for (const [start, end] of [
      [-1, 2],
      [0, 11],
      [5, 4],
      [0.5, 2],
      [Number.NaN, 1],
    ] as const) {
      await expect(source.readRows(start, end)).rejects.toThrow(
        new InvalidInputError(
          `rows ${start}..${end} of \`${path}\` are not valid; expected 0 ≤ start ≤ end ≤ 10`,
        ),
      );
    }
    expect([...(await source.readRows(8, 10))]).toEqual(expected(8, 10, 2));
    await source.close();
  });

  it('refuses ragged, null and non-finite vectors when their rows are read, naming the row', async () => {
    const rows = vectors(400, 3);
    rows[150] = [1, 2];
    rows[250] = null as unknown as number[];
    rows[350] = [1, Number.POSITIVE_INFINITY, 3];
    const path = temp.path('bad-rows.parquet');
    await writeFile(path, parquetBytes([list('v', rows, DOUBLE)], { rowGroupSize: 100, pageSize: 256 }));
    const source = await openParquetVectorSource(path);
    expect(source.dim).toBe(3);
    // Rows that do not include a bad one read fine.
    expect([...(await source.readRows(140, 150))]).toEqual(expected(140, 150, 3));
    expect([...(await source.readRows(151, 250))]).toEqual(expected(151, 250, 3));
    await expect(source.readRows(100, 200)).rejects.toThrow(
      new InvalidInputError(
        `\`${path}\` row 150: vector column \`v\` holds 2 numbers; expected 3, the length of row 0`,
      ),
    );
    await expect(source.readRows(249, 251)).rejects.toThrow(
      `\`${path}\` row 250: vector column \`v\` is null; expected a list of numbers on every row`,
    );
    await expect(source.readRows(300, 400)).rejects.toThrow(
      `\`${path}\` row 350: vector column \`v\` element 1 is Infinity; expected finite numbers`,
    );
    await source.close();

    const emptyFirst = temp.path('empty-first.parquet');
    await writeFile(emptyFirst, parquetBytes([list('v', [[], [1]], FLOAT)]));
    await expect(openParquetVectorSource(emptyFirst)).rejects.toThrow(
      `\`${emptyFirst}\` row 0: vector column \`v\` holds an empty list; expected at least one number`,
    );
    const noRows = temp.path('no-rows.parquet');
    await writeFile(noRows, parquetBytes([list('v', [], FLOAT)]));
    await expect(openParquetVectorSource(noRows)).rejects.toThrow(
      `\`${noRows}\` has no rows; expected at least one vector`,
    );
    const text = temp.path('text.parquet');
    await writeFile(text, 'not parquet at all');
    await expect(openParquetVectorSource(text)).rejects.toThrow(
      `\`${text}\` cannot be read as Parquet: parquet`,
    );
    const missing = temp.path('missing.parquet');
    await expect(openParquetVectorSource(missing)).rejects.toThrow(
      new InvalidInputError(`cannot read \`${missing}\`: no such file`),
    );
  });

  it('fetches the footer and then only the pages that hold the rows read', async () => {
    const n = 20_000;
    const dim = 32;
    const bytes = parquetBytes([list('v', vectors(n, dim), FLOAT)], {
      rowGroupSize: 8_000,
      pageSize: 16 << 10,
    });
    expect(bytes.byteLength).toBeGreaterThan(n * dim * 4);
    const chunks = vectorChunks(bytes, 'v');
    expect(chunks.map((c) => c.rows)).toEqual([8_000, 8_000, 4_000]);
    const { store, reads, bytes: fetched } = countingStore('big');
    await store.put('big.parquet', bytes);

    const source = await openParquetVectorSource({ store, key: 'big.parquet' });
    expect({ count: source.count, dim: source.dim }).toEqual({ count: n, dim });
    expect(source.description).toBe('memory://big/big.parquet');
    // Opening costs the footer (64 KiB at most here), group 0's offset index and row 0's page.
    expect(fetched()).toBeLessThan(bytes.byteLength / 20);
    const indexesRead = new Set([0]);

    for (const [start, end] of [
      [12_345, 12_350],
      [7_990, 8_010],
      [3_000, 11_000],
      [19_999, 20_000],
    ] as const) {
      reads.length = 0;
      const rows = await source.readRows(start, end);
      expect([...rows.subarray(0, dim)]).toEqual(expected(start, start + 1, dim));
      expect([...rows.subarray(rows.length - dim)]).toEqual(expected(end - 1, end, dim));
      expect(rows.length).toBe((end - start) * dim);
      // Exactly the offset indexes and pages of the vector column that hold the rows, each page once.
      expect({ start, end, fetched: fetched() }).toEqual({
        start,
        end,
        fetched: pageBytes(chunks, start, end, indexesRead),
      });
      expect(new Set(reads.map(([offset]) => offset)).size).toBe(reads.length);
    }
    reads.length = 0;
    await source.readRows(12_345, 12_350);
    expect(fetched()).toBe(pageBytes(chunks, 12_345, 12_350, indexesRead));
    expect(fetched()).toBeLessThan(bytes.byteLength / 100);
    await source.close();
  });

  it('reads the same vectors as readParquet from a pyarrow file with a dictionary-encoded vector column', async () => {
    const path = join(import.meta.dirname, 'fixtures', 'pyarrow-page-index.parquet');
    const { vectors: all } = await readParquet(path, { idColumn: 'name' });
    const { store, reads } = countingStore('pyarrow');
    await store.put('paged.parquet', new Uint8Array(await readFile(path)));
    const source = await openParquetVectorSource({ store, key: 'paged.parquet' });
    expect({ count: source.count, dim: source.dim }).toEqual({ count: all.n, dim: all.dim });
    const rng = createRng(5);
    for (let k = 0; k < 25; k++) {
      const start = rng.int(all.n);
      const end = start + 1 + rng.int(Math.min(60, all.n - start));
      const rows = await source.readRows(start, end);
      expect({ start, end, rows: [...rows] }).toEqual({
        start,
        end,
        rows: [...all.vectors.subarray(start * all.dim, end * all.dim)],
      });
    }
    expect(reads.length).toBeGreaterThan(25);
    await source.close();
  });
});
