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
 * rows without offset indexes cost memory; parquet-vector-column.ts, shared with the streaming build's
 * Parquet vector source); ids and attributes a row group at a time. The output itself (n × dim float32
 * and the attribute columns) is in memory, as with every other input format today. Compression:
 * uncompressed and Snappy (hyparquet's built-ins; GZIP and ZSTD files are refused with hyparquet's
 * message).
 */
import { type FileMetaData, parquetSchema } from 'hyparquet';
import type { AttributeTable } from '../attributes/index.ts';
import {
  type AttributeKind,
  type AttributeSchema,
  AttributeTableBuilder,
  parseSchema,
} from '../attributes/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import { describeColumn, type ParquetColumn, parquetColumns } from './parquet-columns.ts';
import { openParquetSource, type ParquetLocation, type ParquetSource } from './parquet-source.ts';
import {
  chooseVectorColumn,
  copyVector,
  noSuchColumn,
  ParquetVectorColumn,
  readParquetMetadata,
  readSlice,
  VALUES_PER_READ,
  vectorDim,
} from './parquet-vector-column.ts';
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

export async function readParquet(
  location: ParquetLocation,
  options: ParquetReadOptions = {},
): Promise<ParquetInput> {
  return (await readParquetColumns(location, options, true)) as ParquetInput;
}

/**
 * The ids and attributes of a Parquet file, without its vectors (a streaming build reads those by row
 * range, parquet-vector-source.ts): the vector column is still chosen and checked by name.
 */
export async function readParquetAttributes(
  location: ParquetLocation,
  options: ParquetReadOptions = {},
): Promise<Omit<ParquetInput, 'vectors'>> {
  return readParquetColumns(location, options, false);
}

async function readParquetColumns(
  location: ParquetLocation,
  options: ParquetReadOptions,
  withVectors: boolean,
): Promise<Omit<ParquetInput, 'vectors'> & { vectors?: VectorSet }> {
  const source = await openParquetSource(location);
  try {
    const metadata = await readParquetMetadata(source);
    const plan = planColumns(parquetColumns(parquetSchema(metadata)), options, source.description);
    return await readRows(source, metadata, plan, options, withVectors);
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
  const find = (name: string, flag: string): ParquetColumn => {
    const column = columns.find((c) => c.name === name);
    if (!column) throw noSuchColumn(columns, name, flag, what);
    return column;
  };
  const vector = chooseVectorColumn(columns, options.vectorColumn, what);

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
  withVectors: boolean,
): Promise<Omit<ParquetInput, 'vectors'> & { vectors?: VectorSet }> {
  const what = source.description;
  const n = Number(metadata.num_rows);
  if (n === 0) throw new InvalidInputError(`\`${what}\` has no rows; expected at least one vector`);
  const names = [plan.vector.name, ...(plan.id ? [plan.id.name] : []), ...plan.attributes.map((c) => c.name)];
  const table = plan.attributes.length > 0 ? new AttributeTableBuilder(plan.schema) : undefined;
  const ids: (string | number)[] | undefined = plan.id ? [] : undefined;
  let vectors = new Float32Array(0);
  let dim = 0;

  const vectorColumn = new ParquetVectorColumn(
    source,
    metadata,
    plan.vector.name,
    options.valuesPerRead ?? VALUES_PER_READ,
  );
  const others = names.filter((name) => name !== plan.vector.name);
  let groupStart = 0;
  let done = 0;
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    if (!withVectors) done += groupRows;
    else
      await vectorColumn.read(groupStart, groupStart + groupRows, (first, vectorRows) => {
        if (first === 0) {
          dim = vectorDim(vectorRows[0], plan.vector.name, what);
          vectors = new Float32Array(n * dim);
        }
        for (let r = 0; r < vectorRows.length; r++) {
          copyVector(vectorRows[r], first + r, dim, vectors, first + r, plan.vector.name, what);
        }
        done += vectorRows.length;
        options.onProgress?.('read parquet', done, n);
      });
    // Ids and attributes are scalars or short lists: a whole group of them at a time.
    if (others.length > 0 && groupRows > 0) {
      const column = await readSlice(vectorColumn.file, source, metadata, others, groupStart, groupRows);
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
    groupStart += groupRows;
  }
  if (done !== n) {
    throw new InvalidInputError(
      `\`${what}\` declares ${n} rows, but its row groups hold ${done}; expected them to agree`,
    );
  }
  return {
    ...(withVectors ? { vectors: { vectors, n, dim } } : {}),
    ...(table ? { attributes: table.finish() } : {}),
    ...(ids ? { ids } : {}),
    columns: {
      vector: plan.vector.name,
      ...(plan.id ? { id: plan.id.name } : {}),
      attributes: plan.schema.attributes.map((a) => a.name),
    },
  };
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
