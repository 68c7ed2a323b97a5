/**
 * Attribute rows as `squash build` reads them, shared by the commands that take the same files (build,
 * upsert, delete --ids-file): JSON Lines (.jsonl) or CSV with a header (.csv, typed by the schema when
 * one is given, else by its cells), one row per vector. An `id` field is reserved: it is the vector's id
 * in answers, not an attribute, so it is taken out of the rows and returned beside them.
 */
import { readFile } from 'node:fs/promises';
import {
  type AttributeSchema,
  AttributeTable,
  AttributeTableBuilder,
  inferSchema,
  parseSchema,
  SchemaInference,
} from '../../shared/attributes/index.ts';
import { readCsvAttributes, readJsonLines, readJsonLinesArray } from '../../shared/data/index.ts';
import { InvalidInputError } from '../../shared/errors/index.ts';

export interface AttributeRows {
  /** The rows without their `id` field. */
  readonly rows: Record<string, unknown>[];
  /** One per row (`undefined` where a row has none) when any row carries an `id`; else absent. */
  readonly ids?: unknown[];
}

export async function readAttributeRows(path: string, schema?: AttributeSchema): Promise<AttributeRows> {
  const rows = path.toLowerCase().endsWith('.csv')
    ? await readCsvAttributes(path, schema)
    : await readJsonLinesArray(path);
  const carriesIds = rows.some((row) => row.id !== undefined);
  if (!carriesIds) return { rows };
  const ids = rows.map((row) => row.id);
  for (const row of rows) delete row.id;
  return { rows, ids };
}

/**
 * The attribute table of a build, and the rows' ids when they carry an `id` field. JSON Lines are
 * streamed straight into the columnar table (twice when the schema is inferred: once to infer it), so
 * memory holds the table, not the rows as objects; CSV is parsed whole.
 */
export async function readAttributeTable(
  path: string,
  declared: AttributeSchema | undefined,
): Promise<{ attributes: AttributeTable; ids?: unknown[] }> {
  if (path.toLowerCase().endsWith('.csv')) {
    const { rows, ids } = await readAttributeRows(path, declared);
    const attributes = AttributeTable.fromRows(declared ?? inferSchema(rows), rows);
    return ids ? { attributes, ids } : { attributes };
  }
  let schema = declared;
  if (!schema) {
    const inference = new SchemaInference();
    for await (const { id: _id, ...values } of readJsonLines(path)) inference.add(values);
    schema = inference.schema();
  }
  const builder = new AttributeTableBuilder(schema);
  const ids: unknown[] = [];
  let carriesIds = false;
  for await (const { id, ...values } of readJsonLines(path)) {
    builder.add(values, `${path} row ${builder.count}`);
    ids.push(id);
    carriesIds ||= id !== undefined;
  }
  return carriesIds ? { attributes: builder.finish(), ids } : { attributes: builder.finish() };
}

/** `--schema FILE.json`: attribute kinds (number, category, tags). */
export async function readSchemaFile(path: string): Promise<AttributeSchema> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseSchema(json);
}
