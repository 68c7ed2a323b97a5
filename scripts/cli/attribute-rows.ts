/**
 * Attribute rows as `squash build` reads them, shared by the commands that take the same files (build,
 * upsert, delete --ids-file): JSON Lines (.jsonl) or CSV with a header (.csv, typed by the schema when
 * one is given, else by its cells), one row per vector. An `id` field is reserved: it is the vector's id
 * in answers, not an attribute, so it is taken out of the rows and returned beside them.
 */
import { readFile } from 'node:fs/promises';
import { type AttributeSchema, parseSchema } from '../../shared/attributes/index.ts';
import { readCsvAttributes, readJsonLinesArray } from '../../shared/data/index.ts';
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
