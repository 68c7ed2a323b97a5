/**
 * Parquet test files written with hyparquet-writer, with explicit schema elements so that each column's
 * physical layout is the one named (3-level LIST as pyarrow writes `list`/`fixed_size_list`, INT64, …).
 */
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer';

/** The writer's own schema element type (it depends on its own copy of hyparquet's types). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

export interface FixtureColumn {
  readonly name: string;
  readonly data: unknown[];
  /** Schema elements of the column: one for a scalar, three for a LIST (group, repeated, element). */
  readonly schema: SchemaElement[];
}

export function scalar(name: string, data: unknown[], element: Omit<SchemaElement, 'name'>): FixtureColumn {
  return { name, data, schema: [{ name, repetition_type: 'OPTIONAL', ...element }] };
}

/** A 3-level LIST of `element` (pyarrow's layout for list and fixed_size_list). */
export function list(name: string, data: unknown[], element: Omit<SchemaElement, 'name'>): FixtureColumn {
  return {
    name,
    data,
    schema: [
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', ...element },
    ],
  };
}

export const FLOAT = { type: 'FLOAT' } as const;
export const DOUBLE = { type: 'DOUBLE' } as const;
export const INT32 = { type: 'INT32' } as const;
export const INT64 = { type: 'INT64' } as const;
export const STRING = { type: 'BYTE_ARRAY', converted_type: 'UTF8' } as const;
export const BOOLEAN = { type: 'BOOLEAN' } as const;
export const TIMESTAMP = { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' } as const;

export function parquetBytes(
  columns: readonly FixtureColumn[],
  options: { rowGroupSize?: number; offsetIndex?: boolean; pageSize?: number } = {},
): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: columns.map(
      (c) => ({ name: c.name, data: c.data, offsetIndex: options.offsetIndex ?? true }) as ColumnSource,
    ),
    schema: [{ name: 'root', num_children: columns.length }, ...columns.flatMap((c) => c.schema)],
    ...(options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize }),
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  });
  return new Uint8Array(buffer);
}
