/**
 * What each top-level column of a Parquet file holds, from its schema alone (before any data is read),
 * in the terms a build needs: a scalar or a list of numbers or strings, or something else that squash
 * cannot use (booleans, dates and timestamps, binary, JSON, structs, maps, nested lists). Lists are the
 * standard 3-level LIST (Arrow's `list` and `fixed_size_list` are both written so; tested), or a legacy
 * 2-level list or bare repeated field (classified alike, but no test file has one: hyparquet-writer
 * cannot write them). Numbers are INT32, INT64, FLOAT, DOUBLE, DECIMAL and FLOAT16 (integers of
 * every width and signedness); strings are BYTE_ARRAY columns that are UTF-8/ENUM or not annotated at all
 * (many writers leave strings unannotated, and hyparquet reads those as UTF-8).
 */
import type { SchemaElement, SchemaTree } from 'hyparquet';

export type ParquetValueType = 'number' | 'string';

export type ParquetColumnType =
  | { readonly shape: 'scalar' | 'list'; readonly value: ParquetValueType; readonly description: string }
  | { readonly shape: 'unsupported'; readonly description: string };

export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetColumnType;
}

/** The file's top-level columns, in file order. */
export function parquetColumns(schema: SchemaTree): ParquetColumn[] {
  return schema.children.map((node) => ({ name: node.element.name, type: columnType(node) }));
}

/** "embedding (list of FLOAT)" */
export function describeColumn(column: ParquetColumn): string {
  return `\`${column.name}\` (${column.type.description})`;
}

/** A number list: the kind of column a vector column is. */
export function isNumberList(column: ParquetColumn): boolean {
  return column.type.shape === 'list' && column.type.value === 'number';
}

function columnType(node: SchemaTree): ParquetColumnType {
  const { element } = node;
  if (node.children.length === 0) {
    const value = valueType(element);
    const description = describeElement(element);
    if (element.repetition_type === 'REPEATED') {
      return value
        ? { shape: 'list', value, description: `list of ${description}` }
        : { shape: 'unsupported', description: `list of ${description}` };
    }
    return value ? { shape: 'scalar', value, description } : { shape: 'unsupported', description };
  }
  if (isList(element)) {
    const item = listItem(node);
    if (!item) return { shape: 'unsupported', description: 'list of structs' };
    if (item.children.length > 0) {
      return {
        shape: 'unsupported',
        description: isList(item.element) ? 'list of lists' : 'list of structs',
      };
    }
    const value = valueType(item.element);
    const description = `list of ${describeElement(item.element)}`;
    return value ? { shape: 'list', value, description } : { shape: 'unsupported', description };
  }
  if (element.converted_type === 'MAP' || element.logical_type?.type === 'MAP') {
    return { shape: 'unsupported', description: 'map' };
  }
  if (element.logical_type?.type === 'VARIANT') return { shape: 'unsupported', description: 'variant' };
  return { shape: 'unsupported', description: `struct of ${node.children.length} fields` };
}

function isList(element: SchemaElement): boolean {
  return element.converted_type === 'LIST' || element.logical_type?.type === 'LIST';
}

/** The element of a LIST group: 3-level `list.element`, or the repeated field itself (2-level). */
function listItem(node: SchemaTree): SchemaTree | undefined {
  const repeated = node.children[0];
  if (node.children.length !== 1 || !repeated) return undefined;
  if (repeated.children.length === 0) return repeated;
  if (repeated.children.length === 1) return repeated.children[0];
  return undefined;
}

const UNSUPPORTED_ANNOTATIONS = new Set([
  'DATE',
  'TIME',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'INTERVAL',
  'JSON',
  'BSON',
  'UUID',
  'GEOMETRY',
  'GEOGRAPHY',
  'VARIANT',
  'NULL',
]);

function valueType(element: SchemaElement): ParquetValueType | undefined {
  const annotation = element.logical_type?.type ?? element.converted_type;
  if (annotation !== undefined && UNSUPPORTED_ANNOTATIONS.has(annotation)) return undefined;
  switch (element.type) {
    case 'INT32':
    case 'INT64':
    case 'FLOAT':
    case 'DOUBLE':
      return 'number';
    case 'BYTE_ARRAY':
      return annotation === 'DECIMAL' ? 'number' : 'string';
    case 'FIXED_LEN_BYTE_ARRAY':
      return annotation === 'DECIMAL' || annotation === 'FLOAT16' ? 'number' : undefined;
    default:
      return undefined;
  }
}

/** "FLOAT", "BYTE_ARRAY (STRING)", "INT64 (TIMESTAMP)". */
function describeElement(element: SchemaElement): string {
  const annotation = element.logical_type?.type ?? element.converted_type;
  return annotation === undefined ? String(element.type) : `${element.type} (${annotation})`;
}
