/**
 * A build's input from one Parquet file (local path or `s3://bucket/key`), read with hyparquet: vectors
 * from one list-of-numbers column, attributes from other columns, external ids from an optional column.
 *
 * Which columns (decided from the schema alone, before any data is read):
 * - vector column: `vectorColumn`, else the file's only list-of-numbers column (a list or fixed-size
 *   list of FLOAT, DOUBLE, integers, FLOAT16 or DECIMAL; several such columns need `vectorColumn`).
 *   Every row must hold a list of the same length, of finite numbers (widened or narrowed to float32);
 * - id column: `idColumn`, else a column named `id` when the file has one (as the `id` field of JSON
 *   Lines attributes), else none and hits are row numbers. Strings or integers, on every row, unique;
 * - attribute columns: `attributeColumns`, else the names a given `schema` declares, else every column
 *   but the vector and id columns, in file order. Numbers → `number`, strings → `category`, lists of
 *   strings → `tags`; a null is a missing value. A `schema` declares the kinds (it must agree with the
 *   column types: it cannot turn numbers into categories) and the attribute order.
 *   Other column types (booleans, dates, timestamps, binary, structs, maps) are refused with a message
 *   that says to leave them out with `attributeColumns`.
 *
 * Only the chosen columns are read, one row group at a time, so the bytes fetched are the footer and
 * those columns' chunks (ranged GETs on S3); the decoded values of one row group at a time are held
 * beside the output. The output itself (n × dim float32 and the attribute columns) is in memory, as
 * with every other input format today. Compression: uncompressed and Snappy (hyparquet's built-ins).
 */
import {
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type RowGroup,
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
  /** The column of external ids. @default `id` when the file has such a column, else none (row numbers) */
  readonly idColumn?: string;
  /** The attribute columns, in this order. @default the schema's names, else every other column */
  readonly attributeColumns?: readonly string[];
  /** Attribute kinds and order (`--schema`). @default inferred from the column types */
  readonly schema?: AttributeSchema;
  /**
   * Vector values decoded per read within a row group whose chunks have offset indexes (bounds the
   * transient JS arrays of a large row group); groups without offset indexes are read whole.
   * @default 1,048,576 (8,192 rows of 128 dimensions)
   */
  readonly valuesPerRead?: number;
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

const VALUES_PER_READ = 1 << 20;

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
  const id = idName === undefined ? undefined : find(idName, 'id column');
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

  let groupStart = 0;
  let done = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const groupEnd = groupStart + groupRows;
    const step = rowsPerRead(group, names, plan.vector.name, options.valuesPerRead ?? VALUES_PER_READ);
    for (let first = groupStart; first < groupEnd; first += step) {
      const count = Math.min(step, groupEnd - first);
      const column = await readSlice(source, metadata, names, first, count, step < groupRows);

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
      if (ids && plan.id) {
        const idRows = column(plan.id.name);
        for (let r = 0; r < count; r++) ids.push(idOf(idRows[r], first + r, plan.id.name, what));
      }
      if (table) {
        const attributeRows = plan.attributes.map((c) => column(c.name));
        for (let r = 0; r < count; r++) {
          const entries: [string, unknown][] = [];
          plan.attributes.forEach((c, a) => {
            const value = attributeValue(attributeRows[a]![r]);
            if (value !== undefined) entries.push([c.name, value]);
          });
          table.add(Object.fromEntries(entries), `\`${what}\` row ${first + r}`);
        }
      }
      done += count;
    }
    groupStart = groupEnd;
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
 * How many rows of `group` to decode at a time. hyparquet decodes a column chunk whole (a list column
 * becomes one JS array per row, about ten times the float32 size), unless the chunk has an offset index:
 * then a range of rows costs only the pages that hold it. So a group is read whole unless every needed
 * chunk has an offset index, and then in reads of about `valuesPerRead` vector values.
 */
function rowsPerRead(
  group: RowGroup,
  names: readonly string[],
  vectorName: string,
  valuesPerRead: number,
): number {
  const rows = Number(group.num_rows);
  const chunks = group.columns.filter((chunk) => names.includes(chunk.meta_data?.path_in_schema[0] ?? ''));
  if (chunks.length === 0 || !chunks.every((chunk) => chunk.offset_index_offset !== undefined)) return rows;
  const vector = chunks.find((chunk) => chunk.meta_data?.path_in_schema[0] === vectorName)?.meta_data;
  const valuesPerRow = vector ? Math.max(1, Number(vector.num_values) / Math.max(1, rows)) : 1;
  return Math.max(1, Math.min(rows, Math.floor(valuesPerRead / valuesPerRow)));
}

/** Rows `first .. first + count` of the named columns; returns each column's values by row. */
async function readSlice(
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
    file: source.file,
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
