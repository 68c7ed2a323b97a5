/**
 * One row of attributes as it arrives (a JSONL line, an upsert's `attributes`), checked against the
 * schema — `attributeRowProblem`, the one place these checks live (the table builder and
 * `checkAttributeRow` both use it) — and normalised to the plain record a table gives back for it
 * (`checkAttributeRow`, for the write path).
 *
 * Attributes are read as OWN properties: a row without a `constructor` key has no value for an
 * attribute named `constructor` (not `Object.prototype.constructor`), and `__proto__` is an ordinary name.
 */
import { InvalidInputError } from '../errors/index.ts';
import type { AttributeValue } from './attribute-table.ts';
import { checkValue } from './column-builders.ts';
import { describeValue, isPlainObject } from './describe-value.ts';
import { type AttributeSchema, attributeIndex, attributeNames } from './schema.ts';

/** The row's own value of `name`; undefined when it has none (an inherited member is not a value). */
export function ownValue(row: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(row, name) ? row[name] : undefined;
}

/**
 * What is wrong with `row` for `schema` ("unknown attribute `colour`; known attributes: …", "attribute
 * `price` (number) expects a finite number, received string \"12\""), or undefined when it is an object
 * whose keys are all declared attributes and whose values are of their attribute's kind (null/absent =
 * missing). An unknown attribute is reported before a wrong value.
 */
export function attributeRowProblem(schema: AttributeSchema, row: unknown): string | undefined {
  if (!isPlainObject(row)) return `expected an object of attributes, received ${describeValue(row)}`;
  const attributes = schema.attributes;
  let declared = 0;
  let valueProblem: string | undefined;
  for (let a = 0; a < attributes.length; a++) {
    const { name, kind } = attributes[a]!;
    if (!Object.hasOwn(row, name)) continue;
    declared++;
    if (valueProblem !== undefined) continue;
    const problem = checkValue(kind, row[name]);
    if (problem !== undefined) valueProblem = `attribute \`${name}\` (${kind}) ${problem}`;
  }
  // Unknown keys without a per-row Set: only a row with more keys than declared names can hold one (the
  // count includes inherited enumerable keys, which the exact pass below then skips).
  let keys = 0;
  for (const _ in row) keys++;
  if (keys !== declared) {
    for (const name in row) {
      if (Object.hasOwn(row, name) && attributeIndex(schema, name) < 0) {
        return `unknown attribute \`${name}\`; known attributes: ${attributeNames(schema)}`;
      }
    }
  }
  return valueProblem;
}

/**
 * Checks `row` (InvalidInputError `${where}: ${attributeRowProblem}`; `where` names the row: "row 17",
 * "vectors[2].attributes") and returns it as a table would give it back (`AttributeTable.rowValues`):
 * own data properties in schema order, missing values (absent, null, no tags) left out, tags without
 * duplicates in ascending UTF-16 order (the dictionaries' order).
 */
export function checkAttributeRow(
  schema: AttributeSchema,
  row: unknown,
  where: string,
): Record<string, AttributeValue> {
  const problem = attributeRowProblem(schema, row);
  if (problem !== undefined) throw new InvalidInputError(`${where}: ${problem}`);
  const entries: [string, AttributeValue][] = [];
  for (const { name, kind } of schema.attributes) {
    const value = ownValue(row as Record<string, unknown>, name);
    if (value === null || value === undefined) continue;
    if (kind === 'tags') {
      const tags = [...new Set(value as string[])].sort();
      if (tags.length > 0) entries.push([name, tags]);
    } else {
      entries.push([name, value as number | string]);
    }
  }
  // Own data properties, as JSON.parse makes them (`values[name] = …` would mishandle `__proto__`).
  return Object.fromEntries(entries);
}
