/**
 * The vector column of a Parquet file, decoded by row range: what both `readParquet` (the whole file,
 * row group by row group) and the streaming build's Parquet `VectorSource` (any range of rows, one
 * chunk at a time) read vectors with, so that both choose the column, bound their memory and refuse bad
 * rows alike.
 *
 * hyparquet decodes a column chunk whole (a list column becomes one JS array per row, about ten times
 * the float32 size) unless the chunk has an offset index: then a range of rows costs only the pages that
 * hold it. So within a row group whose vector chunk has an offset index, rows are decoded in ranges of
 * about `valuesPerRead` values cut at the chunk's page boundaries (no page, the bulk of the bytes, is
 * fetched twice by one read), up to 4 ranges at once; a group without one is fetched and decoded whole
 * for any range of its rows.
 */
import {
  type AsyncBuffer,
  type Awaitable,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  type RowGroup,
  readOffsetIndex,
} from 'hyparquet';
import { InvalidInputError, SquashError } from '../errors/index.ts';
import { describeColumn, isNumberList, type ParquetColumn } from './parquet-columns.ts';
import type { ParquetSource } from './parquet-source.ts';

/**
 * Vector values decoded per read within a row group whose chunks have offset indexes.
 * @default 262,144 (2,048 rows of 128 dimensions: fewer costs more reads, more leaves more garbage)
 */
export const VALUES_PER_READ = 1 << 18;

/** Ranges of a row group's vector column read at once (4 × ~1 MB of pages, and their decoded arrays). */
const READS_IN_FLIGHT = 4;

/** Bytes fetched from the end of the file first: the footer of most files, without the data before it. */
const FOOTER_FETCH_BYTES = 64 << 10;

/** The footer; hyparquet's errors as InvalidInputError naming the file. */
export function readParquetMetadata(source: ParquetSource): Promise<FileMetaData> {
  return parquetMetadataAsync(source.file, { initialFetchSize: FOOTER_FETCH_BYTES }).catch(
    (error: unknown) => {
      throw notReadable(source, error);
    },
  );
}

/** The error for a column name the file does not have, listing the columns it has. */
export function noSuchColumn(
  columns: readonly ParquetColumn[],
  name: string,
  flag: string,
  what: string,
): InvalidInputError {
  const listed = columns.map(describeColumn).join(', ') || '(none)';
  return new InvalidInputError(`\`${what}\` has no column \`${name}\` (${flag}); its columns are ${listed}`);
}

/** `vectorColumn`, which must be a list of numbers, else the file's only list-of-numbers column. */
export function chooseVectorColumn(
  columns: readonly ParquetColumn[],
  vectorColumn: string | undefined,
  what: string,
): ParquetColumn {
  if (vectorColumn !== undefined) {
    const vector = columns.find((c) => c.name === vectorColumn);
    if (!vector) throw noSuchColumn(columns, vectorColumn, 'vector column', what);
    if (!isNumberList(vector)) {
      throw new InvalidInputError(
        `\`${what}\`: vector column ${describeColumn(vector)} is not a list of numbers; expected a list or fixed-size list of FLOAT, DOUBLE or integers`,
      );
    }
    return vector;
  }
  const candidates = columns.filter(isNumberList);
  if (candidates.length !== 1) {
    const found =
      candidates.length === 0
        ? 'no list-of-numbers column'
        : `${candidates.length} list-of-numbers columns (${candidates.map(describeColumn).join(', ')})`;
    throw new InvalidInputError(
      `\`${what}\` has ${found}; expected exactly one to read vectors from, or one named as the vector column (--vector-column). Its columns are ${columns.map(describeColumn).join(', ') || '(none)'}`,
    );
  }
  return candidates[0]!;
}

/** A Parquet file's vector column, read by row range (see the header). */
export class ParquetVectorColumn {
  /** The file, with the column's offset indexes kept once read (for reads of other columns too). */
  readonly file: AsyncBuffer;
  private readonly cache: RangeCache;

  constructor(
    private readonly source: ParquetSource,
    private readonly metadata: FileMetaData,
    readonly name: string,
    private readonly valuesPerRead = VALUES_PER_READ,
  ) {
    this.cache = new RangeCache(source.file);
    this.file = this.cache.file;
    for (const group of metadata.row_groups) {
      const chunk = vectorChunk(group, name);
      if (chunk?.offset_index_offset === undefined || chunk.offset_index_length === undefined) continue;
      const start = Number(chunk.offset_index_offset);
      this.cache.keep(start, start + chunk.offset_index_length);
    }
  }

  /**
   * Rows [start, end) of the file, handed to `visit` in row order, a range at a time: `rows[r]` is
   * row `first + r` as hyparquet decodes it (an array or typed array of numbers, or null).
   */
  async read(start: number, end: number, visit: (first: number, rows: unknown[]) => void): Promise<void> {
    let groupStart = 0;
    for (const group of this.metadata.row_groups) {
      const groupRows = Number(group.num_rows);
      const from = Math.max(start, groupStart) - groupStart;
      const to = Math.min(end, groupStart + groupRows) - groupStart;
      if (from < to) await this.readGroup(group, groupStart, from, to, visit);
      groupStart += groupRows;
      if (groupStart >= end) break;
    }
  }

  private async readGroup(
    group: RowGroup,
    groupStart: number,
    from: number,
    to: number,
    visit: (first: number, rows: unknown[]) => void,
  ): Promise<void> {
    const { ranges, dictionary } = await this.readRanges(group, groupStart, from, to).catch(
      (error: unknown) => {
        throw notReadable(this.source, error);
      },
    );
    // Up to READS_IN_FLIGHT ranges are read ahead, so that S3's latency overlaps the decoding.
    const reads: Promise<(name: string) => unknown[]>[] = [];
    const readAhead = (k: number) => {
      const range = ranges[k];
      if (!range || reads[k]) return;
      reads[k] = readSlice(this.file, this.source, this.metadata, [this.name], range.first, range.count);
      // Awaited below; a read after a failed one must not be an unhandled rejection meanwhile.
      reads[k].catch(() => {});
    };
    for (let k = 0; k < ranges.length; k++) {
      for (let ahead = k; ahead < k + READS_IN_FLIGHT; ahead++) readAhead(ahead);
      const column = await reads[k]!;
      delete reads[k];
      visit(ranges[k]!.first, column(this.name));
    }
    if (dictionary) this.cache.release(...dictionary);
  }

  /**
   * The ranges of rows, relative to the file, in which to decode rows [from, to) of `group` (relative
   * to the group): the whole range unless the vector chunk has an offset index, and then ranges of
   * about `valuesPerRead` values that start and end on its page boundaries (and at `from` and `to`).
   */
  private async readRanges(
    group: RowGroup,
    groupStart: number,
    from: number,
    to: number,
  ): Promise<{ ranges: { first: number; count: number }[]; dictionary?: [number, number] }> {
    const rows = Number(group.num_rows);
    const whole = { ranges: [{ first: groupStart + from, count: to - from }] };
    const vector = vectorChunk(group, this.name);
    if (vector?.offset_index_offset === undefined || vector.offset_index_length === undefined) return whole;
    const start = Number(vector.offset_index_offset);
    const index = readOffsetIndex({
      view: new DataView(await this.file.slice(start, start + vector.offset_index_length)),
      offset: 0,
    });
    const firstPage = index.page_locations[0];
    if (!firstPage) return whole;
    const valuesPerRow = Math.max(1, Number(vector.meta_data?.num_values ?? rows) / Math.max(1, rows));
    const rowsPerRead = Math.max(1, Math.floor(this.valuesPerRead / valuesPerRow));
    const ranges: { first: number; count: number }[] = [];
    let first = from;
    for (const page of index.page_locations.slice(1)) {
      const boundary = Number(page.first_row_index);
      if (boundary - first >= rowsPerRead && boundary < to) {
        ranges.push({ first: groupStart + first, count: boundary - first });
        first = boundary;
      }
    }
    if (first < to) ranges.push({ first: groupStart + first, count: to - first });
    // A dictionary page sits before the first data page; hyparquet asks for exactly this range each time.
    const meta = vector.meta_data;
    const chunkStart = Number(meta?.dictionary_page_offset ?? meta?.data_page_offset ?? firstPage.offset);
    if (ranges.length < 2 || chunkStart >= Number(firstPage.offset)) return { ranges };
    const dictionary: [number, number] = [chunkStart, Number(firstPage.offset)];
    this.cache.keep(...dictionary);
    return { ranges, dictionary };
  }
}

function vectorChunk(group: RowGroup, name: string) {
  return group.columns.find((chunk) => chunk.meta_data?.path_in_schema[0] === name);
}

/**
 * The file, with chosen byte ranges kept once read: the offset indexes (small, a few bytes per page) and
 * a row group's vector dictionary page, which hyparquet fetches again for every range of rows it reads.
 */
class RangeCache {
  readonly file: AsyncBuffer;
  private readonly kept = new Set<string>();
  private readonly cache = new Map<string, Awaitable<ArrayBuffer>>();

  constructor(source: AsyncBuffer) {
    this.file = {
      byteLength: source.byteLength,
      slice: (start, end = source.byteLength) => {
        const range = `${start}-${end}`;
        if (!this.kept.has(range)) return source.slice(start, end);
        let bytes = this.cache.get(range);
        if (bytes === undefined) {
          bytes = source.slice(start, end);
          this.cache.set(range, bytes);
        }
        return bytes;
      },
    };
  }

  keep(start: number, end: number): void {
    this.kept.add(`${start}-${end}`);
  }

  release(start: number, end: number): void {
    this.kept.delete(`${start}-${end}`);
    this.cache.delete(`${start}-${end}`);
  }
}

/**
 * Rows `first .. first + count` of the named columns; returns each column's values by row. A column
 * chunk with an offset index costs only the pages that hold the rows; one without is read whole.
 */
export async function readSlice(
  file: AsyncBuffer,
  source: ParquetSource,
  metadata: FileMetaData,
  names: readonly string[],
  first: number,
  count: number,
): Promise<(name: string) => unknown[]> {
  const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  // onChunk only collects: hyparquet calls it in a `then` whose throw nothing would catch.
  await parquetRead({
    file,
    metadata,
    columns: [...names],
    rowStart: first,
    rowEnd: first + count,
    useOffsetIndex: true,
    onChunk: ({ columnName, columnData, rowStart }) => {
      const list = chunks.get(columnName) ?? [];
      list.push({ rowStart, data: columnData as ArrayLike<unknown> });
      chunks.set(columnName, list);
    },
  }).catch((error: unknown) => {
    throw notReadable(source, error);
  });
  return (name) => rowsOf(chunks.get(name) ?? [], first, count, name, source.description);
}

/** One range of rows of a column, row by row, from the chunks hyparquet handed over. */
function rowsOf(
  chunks: readonly { rowStart: number; data: ArrayLike<unknown> }[],
  first: number,
  count: number,
  name: string,
  what: string,
): unknown[] {
  const rows = new Array<unknown>(count);
  let covered = 0;
  for (const { rowStart, data } of chunks) {
    for (let i = 0; i < data.length; i++) {
      const r = rowStart + i - first;
      if (r >= 0 && r < count) {
        rows[r] = data[i];
        covered++;
      }
    }
  }
  if (covered !== count) {
    throw new InvalidInputError(
      `\`${what}\`: column \`${name}\` gave ${covered} values for rows ${first}..${first + count}; expected ${count}`,
    );
  }
  return rows;
}

/** The number of values of row `row`'s vector; InvalidInputError unless it is a list. */
export function vectorLength(value: unknown, row: number, name: string, what: string): number {
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    return (value as ArrayLike<unknown>).length;
  }
  throw new InvalidInputError(
    `\`${what}\` row ${row}: vector column \`${name}\` is ${value === null || value === undefined ? 'null' : typeof value}; expected a list of numbers on every row`,
  );
}

/** The dimension of a file's vectors: the length of row 0's, which must not be empty. */
export function vectorDim(value: unknown, name: string, what: string): number {
  const dim = vectorLength(value, 0, name, what);
  if (dim === 0) {
    throw new InvalidInputError(
      `\`${what}\` row 0: vector column \`${name}\` holds an empty list; expected at least one number`,
    );
  }
  return dim;
}

/**
 * Row `row`'s vector into `out` at `at × dim`, as float32; InvalidInputError naming the row unless it is
 * a list of `dim` finite numbers (INT64 values come as bigints).
 */
export function copyVector(
  value: unknown,
  row: number,
  dim: number,
  out: Float32Array,
  at: number,
  name: string,
  what: string,
): void {
  const length = vectorLength(value, row, name, what);
  if (length !== dim) {
    throw new InvalidInputError(
      `\`${what}\` row ${row}: vector column \`${name}\` holds ${length} numbers; expected ${dim}, the length of row 0`,
    );
  }
  const values = value as ArrayLike<unknown>;
  const offset = at * dim;
  for (let j = 0; j < dim; j++) {
    const x = values[j];
    const number = typeof x === 'bigint' ? Number(x) : x;
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      throw new InvalidInputError(
        `\`${what}\` row ${row}: vector column \`${name}\` element ${j} is ${String(x)}; expected finite numbers`,
      );
    }
    out[offset + j] = number;
  }
}

/** hyparquet's errors (a bad footer, an unknown codec, damaged pages) as InvalidInputError naming the file. */
export function notReadable(source: ParquetSource, error: unknown): Error {
  if (error instanceof SquashError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InvalidInputError(`\`${source.description}\` cannot be read as Parquet: ${message}`);
}
