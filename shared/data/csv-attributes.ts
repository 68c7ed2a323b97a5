/**
 * Attribute rows from a CSV file whose first line names the attributes (DESIGN §1: JSONL or CSV).
 * CSV cells are text, so they are typed here: by the schema when one is given; otherwise a column whose
 * non-empty cells all read as finite numbers is numeric and any other column holds strings (so schema
 * inference makes it a category). An empty cell is a missing value. A `tags` cell lists its values
 * separated by `|` (tags need a schema: without one such a column is a category).
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { AttributeSchema } from '../attributes/index.ts';
import { InvalidInputError } from '../errors/index.ts';

export const TAG_SEPARATOR = '|';

export async function readCsvAttributes(
  path: string,
  schema?: AttributeSchema,
): Promise<Record<string, unknown>[]> {
  let records: Record<string, string>[];
  try {
    records = parse(await readFile(path, 'utf8'), {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    });
  } catch (error) {
    throw new InvalidInputError(`${path} is not valid CSV: ${(error as Error).message}`);
  }
  const columns = records.length > 0 ? Object.keys(records[0]!) : [];
  const kinds = new Map(
    columns.map((name) => [
      name,
      schema?.attributes.find((a) => a.name === name)?.kind ?? inferKind(records, name),
    ]),
  );
  return records.map((record, i) => {
    const row: Record<string, unknown> = {};
    for (const [name, cell] of Object.entries(record)) {
      if (cell === '') continue;
      const kind = kinds.get(name);
      if (kind === 'number') {
        const value = Number(cell);
        if (!Number.isFinite(value)) {
          throw new InvalidInputError(
            `${path} line ${i + 2}: \`${name}\` is ${JSON.stringify(cell)}; expected a finite number`,
          );
        }
        row[name] = value;
      } else if (kind === 'tags') {
        row[name] = cell
          .split(TAG_SEPARATOR)
          .map((tag) => tag.trim())
          .filter((tag) => tag !== '');
      } else row[name] = cell;
    }
    return row;
  });
}

function inferKind(records: readonly Record<string, string>[], name: string): 'number' | 'category' {
  for (const record of records) {
    const cell = record[name] ?? '';
    if (cell !== '' && !Number.isFinite(Number(cell))) return 'category';
  }
  return 'number';
}
