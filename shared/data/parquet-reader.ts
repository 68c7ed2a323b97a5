/**
 * A build's input from one Parquet file (local path or `s3://bucket/key`), read with hyparquet: vectors
 * from one list-of-numbers column, attributes from other columns, external ids from an optional column.
 *
 * Which columns (decided from the schema alone, before any data is read):
 * - vector column: `vectorColumn`, else the file's only list-of-numbers column (a list or fixed-size
 *   list of FLOAT, DOUBLE, integers, FLOAT16 or DECIMAL; several such columns need `vectorColumn`).
 *   Every row must hold a list of the same length, of finite numbers (widened or narrowed to float32);
 * - id column: `idColumn` (`''` for none), else a column named `id` when the file has one (as the `id`
 *   field of JSON Lines attributes), else none and hits are row numbers. Strings or integers, on every
 *   row, unique;
 * - attribute columns: `attributeColumns`, else the names a given `schema` declares, else every column
 *   but the vector and id columns, in file order. Numbers → `number`, strings → `category`, lists of
 *   strings → `tags`; a null is a missing value. A `schema` declares the kinds (it must agree with the
 *   column types: it cannot turn numbers into categories) and the attribute order.
 *   Other column types (booleans, dates, timestamps, binary, structs, maps) are refused with a message
 *   that says to leave them out with `attributeColumns`.
 *
 * Only the chosen columns are read, so the bytes fetched are the footer and those columns' chunks
 * (ranged GETs on S3). The vector column is decoded in ranges of about 2^18 values cut at its page
 * boundaries, up to 4 ranges read at once, when its chunks have offset indexes, else a row group at a
 * time (hyparquet makes one JS array per row, ~10x the float32 bytes, so row groups of over ~100,000
 * rows without offset indexes cost memory); ids and attributes a row group at a time. The output itself (n × dim float32 and the
 * attribute columns) is in memory, as with every other input format today. Compression: uncompressed
 * and Snappy (hyparquet's built-ins; GZIP and ZSTD files are refused with hyparquet's message).
 */
import {
  type AsyncBuffer,
  type Awaitable,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type RowGroup,
  readOffsetIndex,
} from 'hyparquet';
import type { AttributeTable } from '../attributes/index.ts';
import {
  type AttributeKind,
  type AttributeSchema,
  AttributeTableBuilder,
  parseSchema,
} from '../attributes/index.ts';
import { InvalidInputError, SquashError } from '../errors/index.ts';
import { describeColumn, isNumberList, type ParquetColumn, parquetColumns } from './parquet-columns.ts';
import { openParquetSource, type ParquetLocation, type ParquetSource } from './parquet-source.ts';
import type { VectorSet } from './vector-set.ts';

export interface ParquetReadOptions {
  /** The column of vectors. @default the only list-of-numbers column */
  readonly vectorColumn?: string;
  /** The column of external ids; `''` for none. @default `id` when the file has such a column, else none (row numbers) */
  readonly idColumn?: string;
  /** The attribute columns, in this order. @default the schema's names, else every other column */
  readonly attributeColumns?: readonly string[];
  /** Attribute kinds and order (`--schema`). @default inferred from the column types */
  readonly schema?: AttributeSchema;
  /**
   * Vector values decoded per read within a row group whose chunks have offset indexes (bounds the
   * transient JS arrays of a large row group); groups without offset indexes are read whole.
   * @default 262,144 (2,048 rows of 128 dimensions: fewer costs more reads, more leaves more garbage)
   */
  readonly valuesPerRead?: number;
  /** Called as rows are read: `('read parquet', rows read, rows in the file)`. */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface ParquetInput {
  readonly vectors: VectorSet;
  /** Absent when no attribute column is read. */
  readonly attributes?: AttributeTable;
  /** One per row when an id column is read. */
  readonly ids?: (string | number)[];
  /** The columns that were read. */
  readonly columns: { readonly vector: string; readonly id?: string; readonly attributes: string[] };
}

const VALUES_PER_READ = 1 << 18;

/** Ranges of a row group's vector column read at once (4 × ~1 MB of pages, and their decoded arrays). */
const READS_IN_FLIGHT = 4;

/** Bytes fetched from the end of the file first: the footer of most files, without the data before it. */
const FOOTER_FETCH_BYTES = 64 << 10;

export async function readParquet(
  location: ParquetLocation,
  options: ParquetReadOptions = {},
): Promise<ParquetInput> {
  const source = await openParquetSource(location);
  try {
    const metadata = await parquetMetadataAsync(source.file, { initialFetchSize: FOOTER_FETCH_BYTES }).catch(
      (error: unknown) => {
        throw notReadable(source, error);
      },
    );
    const plan = planColumns(parquetColumns(parquetSchema(metadata)), options, source.description);
    return await readRows(source, metadata, plan, options);
  } finally {
    await source.close();
  }
}

interface ColumnPlan {
  readonly vector: ParquetColumn;
  readonly id?: ParquetColumn;
  readonly attributes: readonly ParquetColumn[];
  readonly schema: AttributeSchema;
}

/** Chooses and checks the columns (see the header); every refusal names the file and its columns. */
export function planColumns(
  columns: readonly ParquetColumn[],
  options: ParquetReadOptions,
  what: string,
): ColumnPlan {
  const listed = () => columns.map(describeColumn).join(', ') || '(none)';
  const find = (name: string, flag: string): ParquetColumn => {
    const column = columns.find((c) => c.name === name);
    if (!column) {
      throw new InvalidInputError(
        `\`${what}\` has no column \`${name}\` (${flag}); its columns are ${listed()}`,
      );
    }
    return column;
  };

  let vector: ParquetColumn;
  if (options.vectorColumn !== undefined) {
    vector = find(options.vectorColumn, 'vector column');
    if (!isNumberList(vector)) {
      throw new InvalidInputError(
        `\`${what}\`: vector column ${describeColumn(vector)} is not a list of numbers; expected a list or fixed-size list of FLOAT, DOUBLE or integers`,
      );
    }
  } else {
    const candidates = columns.filter(isNumberList);
    if (candidates.length !== 1) {
      const found =
        candidates.length === 0
          ? 'no list-of-numbers column'
          : `${candidates.length} list-of-numbers columns (${candidates.map(describeColumn).join(', ')})`;
      throw new InvalidInputError(
        `\`${what}\` has ${found}; expected exactly one to read vectors from, or one named as the vector column (--vector-column). Its columns are ${listed()}`,
      );
    }
    vector = candidates[0]!;
  }

  const idName = options.idColumn ?? (columns.some((c) => c.name === 'id') ? 'id' : undefined);
  const id = idName === undefined || idName === '' ? undefined : find(idName, 'id column');
  if (id && (id.type.shape !== 'scalar' || id.name === vector.name)) {
    throw new InvalidInputError(
      `\`${what}\`: id column ${describeColumn(id)} cannot hold ids; expected a column of strings or integers`,
    );
  }

  const declared = options.schema?.attributes;
  const names =
    options.attributeColumns ??
    declared?.map((a) => a.name) ??
    columns.filter((c) => c !== vector && c !== id).map((c) => c.name);
  if (declared && options.attributeColumns) {
    const same = declared.length === names.length && declared.every((a) => names.includes(a.name));
    if (!same) {
      throw new InvalidInputError(
        `the attribute columns (${names.join(', ') || 'none'}) differ from the schema's attributes (${declared.map((a) => a.name).join(', ') || 'none'}); expected the same names, or only one of the two`,
      );
    }
  }
  const attributes = names.map((name) => {
    const column = find(name, 'attribute column');
    if (column === vector || column === id) {
      throw new InvalidInputError(
        `\`${what}\`: column \`${name}\` is the ${column === vector ? 'vector' : 'id'} column; it cannot also be an attribute`,
      );
    }
    return column;
  });
  if (new Set(names).size !== names.length) {
    throw new InvalidInputError(
      `attribute columns ${names.join(', ')} name a column twice; expected each once`,
    );
  }
  const kinds = attributes.map((column) => {
    const inferred = kindOf(column);
    const kind = declared?.find((a) => a.name === column.name)?.kind ?? inferred;
    if (inferred === undefined || kind !== inferred) {
      const wanted = kind === inferred ? '' : ` for the schema's kind ${kind}`;
      throw new InvalidInputError(
        `\`${what}\`: attribute column ${describeColumn(column)} cannot be read${wanted}; expected numbers (number), strings (category) or lists of strings (tags). Leave it out with --attribute-columns`,
      );
    }
    return { name: column.name, kind };
  });
  const order = declared ? declared.map((a) => kinds.find((k) => k.name === a.name)!) : kinds;
  const schema = parseSchema({ attributes: order });
  return {
    vector,
    ...(id ? { id } : {}),
    attributes: schema.attributes.map((a) => attributes.find((c) => c.name === a.name)!),
    schema,
  };
}

function kindOf(column: ParquetColumn): AttributeKind | undefined {
  const { type } = column;
  if (type.shape === 'scalar') return type.value === 'number' ? 'number' : 'category';
  if (type.shape === 'list' && type.value === 'string') return 'tags';
  return undefined;
}

async function readRows(
  source: ParquetSource,
  metadata: FileMetaData,
  plan: ColumnPlan,
  options: ParquetReadOptions,
): Promise<ParquetInput> {
  const what = source.description;
  const n = Number(metadata.num_rows);
  if (n === 0) throw new InvalidInputError(`\`${what}\` has no rows; expected at least one vector`);
  const names = [plan.vector.name, ...(plan.id ? [plan.id.name] : []), ...plan.attributes.map((c) => c.name)];
  const table = plan.attributes.length > 0 ? new AttributeTableBuilder(plan.schema) : undefined;
  const ids: (string | number)[] | undefined = plan.id ? [] : undefined;
  let vectors = new Float32Array(0);
  let dim = 0;

  const cache = new RangeCache(source.file);
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      if (chunk.offset_index_offset === undefined || chunk.offset_index_length === undefined) continue;
      const start = Number(chunk.offset_index_offset);
      cache.keep(start, start + chunk.offset_index_length);
    }
  }
  const file = cache.file;
  const others = names.filter((name) => name !== plan.vector.name);
  let groupStart = 0;
  let done = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const { ranges, dictionary } = await readRanges(
      cache,
      group,
      groupStart,
      plan.vector.name,
      options.valuesPerRead ?? VALUES_PER_READ,
    ).catch((error: unknown) => {
      throw notReadable(source, error);
    });
    // Up to READS_IN_FLIGHT ranges are read ahead, so that S3's latency overlaps the decoding.
    const reads: Promise<(name: string) => unknown[]>[] = [];
    const readAhead = (k: number) => {
      const range = ranges[k];
      if (!range || reads[k]) return;
      reads[k] = readSlice(
        file,
        source,
        metadata,
        [plan.vector.name],
        range.first,
        range.count,
        ranges.length > 1,
      );
      // Awaited below; a read after a failed one must not be an unhandled rejection meanwhile.
      reads[k].catch(() => {});
    };
    for (let k = 0; k < ranges.length; k++) {
      for (let ahead = k; ahead < k + READS_IN_FLIGHT; ahead++) readAhead(ahead);
      const { first, count } = ranges[k]!;
      const column = await reads[k]!;
      delete reads[k];
      const vectorRows = column(plan.vector.name);
      if (first === 0) {
        dim = listLength(vectorRows[0], 0, plan.vector.name, what);
        if (dim === 0) {
          throw new InvalidInputError(
            `\`${what}\` row 0: vector column \`${plan.vector.name}\` holds an empty list; expected at least one number`,
          );
        }
        vectors = new Float32Array(n * dim);
      }
      for (let r = 0; r < count; r++) {
        copyVector(vectorRows[r], first + r, dim, vectors, plan.vector.name, what);
      }
      done += count;
      options.onProgress?.('read parquet', done, n);
    }
    // Ids and attributes are scalars or short lists: a whole group of them at a time.
    if (others.length > 0 && groupRows > 0) {
      const column = await readSlice(file, source, metadata, others, groupStart, groupRows, false);
      if (ids && plan.id) {
        const idRows = column(plan.id.name);
        for (let r = 0; r < groupRows; r++) ids.push(idOf(idRows[r], groupStart + r, plan.id.name, what));
      }
      if (table) {
        const attributeRows = plan.attributes.map((c) => column(c.name));
        for (let r = 0; r < groupRows; r++) {
          const entries: [string, unknown][] = [];
          plan.attributes.forEach((c, a) => {
            const value = attributeValue(attributeRows[a]![r]);
            if (value !== undefined) entries.push([c.name, value]);
          });
          table.add(Object.fromEntries(entries), `\`${what}\` row ${groupStart + r}`);
        }
      }
    }
    if (dictionary) cache.release(...dictionary);
    groupStart += groupRows;
  }
  if (done !== n) {
    throw new InvalidInputError(
      `\`${what}\` declares ${n} rows, but its row groups hold ${done}; expected them to agree`,
    );
  }
  return {
    vectors: { vectors, n, dim },
    ...(table ? { attributes: table.finish() } : {}),
    ...(ids ? { ids } : {}),
    columns: {
      vector: plan.vector.name,
      ...(plan.id ? { id: plan.id.name } : {}),
      attributes: plan.schema.attributes.map((a) => a.name),
    },
  };
}

/**
 * The row ranges, relative to the file, in which to decode `group`. hyparquet decodes a column chunk
 * whole (a list column becomes one JS array per row, about ten times the float32 size) unless the chunk
 * has an offset index: then a range of rows costs only the pages that hold it. So the vector column of
 * a group is read whole unless its chunk has an offset index, and then in ranges of about
 * `valuesPerRead` values that start and end on its page boundaries, so that no vector page (the bulk
 * of the bytes) is fetched twice. (The other columns are read a whole group at a time.)
 */
async function readRanges(
  cache: RangeCache,
  group: RowGroup,
  groupStart: number,
  vectorName: string,
  valuesPerRead: number,
): Promise<{ ranges: { first: number; count: number }[]; dictionary?: [number, number] }> {
  const rows = Number(group.num_rows);
  const whole = { ranges: rows === 0 ? [] : [{ first: groupStart, count: rows }] };
  const vector = group.columns.find((chunk) => chunk.meta_data?.path_in_schema[0] === vectorName);
  if (vector?.offset_index_offset === undefined || vector.offset_index_length === undefined) return whole;
  const start = Number(vector.offset_index_offset);
  const index = readOffsetIndex({
    view: new DataView(await cache.file.slice(start, start + vector.offset_index_length)),
    offset: 0,
  });
  const firstPage = index.page_locations[0];
  if (!firstPage) return whole;
  const valuesPerRow = Math.max(1, Number(vector.meta_data?.num_values ?? rows) / Math.max(1, rows));
  const rowsPerRead = Math.max(1, Math.floor(valuesPerRead / valuesPerRow));
  const ranges: { first: number; count: number }[] = [];
  let first = 0;
  for (const page of index.page_locations.slice(1)) {
    const boundary = Number(page.first_row_index);
    if (boundary - first >= rowsPerRead && boundary < rows) {
      ranges.push({ first: groupStart + first, count: boundary - first });
      first = boundary;
    }
  }
  if (first < rows) ranges.push({ first: groupStart + first, count: rows - first });
  // A dictionary page sits before the first data page; hyparquet asks for exactly this range each time.
  const meta = vector.meta_data;
  const chunkStart = Number(meta?.dictionary_page_offset ?? meta?.data_page_offset ?? firstPage.offset);
  if (ranges.length < 2 || chunkStart >= Number(firstPage.offset)) return { ranges };
  const dictionary: [number, number] = [chunkStart, Number(firstPage.offset)];
  cache.keep(...dictionary);
  return { ranges, dictionary };
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

/** Rows `first .. first + count` of the named columns; returns each column's values by row. */
async function readSlice(
  file: AsyncBuffer,
  source: ParquetSource,
  metadata: FileMetaData,
  names: readonly string[],
  first: number,
  count: number,
  useOffsetIndex: boolean,
): Promise<(name: string) => unknown[]> {
  const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  // onChunk only collects: hyparquet calls it in a `then` whose throw nothing would catch.
  await parquetRead({
    file,
    metadata,
    columns: [...names],
    rowStart: first,
    rowEnd: first + count,
    useOffsetIndex,
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

function listLength(value: unknown, row: number, name: string, what: string): number {
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    return (value as ArrayLike<unknown>).length;
  }
  throw new InvalidInputError(
    `\`${what}\` row ${row}: vector column \`${name}\` is ${value === null || value === undefined ? 'null' : typeof value}; expected a list of numbers on every row`,
  );
}

function copyVector(value: unknown, row: number, dim: number, out: Float32Array, name: string, what: string) {
  const length = listLength(value, row, name, what);
  if (length !== dim) {
    throw new InvalidInputError(
      `\`${what}\` row ${row}: vector column \`${name}\` holds ${length} numbers; expected ${dim}, the length of row 0`,
    );
  }
  const values = value as ArrayLike<unknown>;
  const offset = row * dim;
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

function idOf(value: unknown, row: number, name: string, what: string): string | number {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) return Number(value);
  throw new InvalidInputError(
    `\`${what}\` row ${row}: id column \`${name}\` is ${value === null || value === undefined ? 'null' : String(value)}; expected a string or a safe integer on every row`,
  );
}

/** A cell as an attribute value: null → missing, INT64 → number; lists as plain arrays. */
function attributeValue(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'bigint') return Number(value);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>);
  return value;
}

/** hyparquet's errors (a bad footer, an unknown codec, damaged pages) as InvalidInputError naming the file. */
function notReadable(source: ParquetSource, error: unknown): Error {
  if (error instanceof SquashError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InvalidInputError(`\`${source.description}\` cannot be read as Parquet: ${message}`);
}
