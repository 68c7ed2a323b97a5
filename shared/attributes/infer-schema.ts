/**
 * Schema inference from the rows themselves: numbers → `number`, strings → `category`, arrays of strings
 * → `tags`. `null`/absent values are missing and say nothing about the kind; an attribute seen only with
 * empty arrays is `tags`. Attributes are listed in the order they are first seen. A value of another type
 * than the attribute's first one is an InvalidInputError naming the attribute and both rows.
 */
import { InvalidInputError } from '../errors/index.ts';
import { describeValue, isPlainObject } from './describe-value.ts';
import { type AttributeKind, type AttributeSchema, attributeNameSchema } from './schema.ts';

interface Seen {
  kind: AttributeKind | undefined;
  /** Row that fixed the kind (or first mentioned the attribute). */
  row: number;
}

export function inferSchema(rows: Iterable<Record<string, unknown>>): AttributeSchema {
  const inference = new SchemaInference();
  for (const values of rows) inference.add(values);
  return inference.schema();
}

/** Inference one row at a time, for rows streamed from a file too large to hold as objects. */
export class SchemaInference {
  private readonly seen = new Map<string, Seen>();
  private row = 0;

  add(values: Record<string, unknown>): void {
    const { row, seen } = this;
    if (!isPlainObject(values)) {
      throw new InvalidInputError(
        `row ${row}: expected an object of attributes, received ${describeValue(values)}`,
      );
    }
    for (const name in values) {
      const value = values[name];
      let entry = seen.get(name);
      if (!entry) {
        const valid = attributeNameSchema.safeParse(name);
        if (!valid.success) {
          throw new InvalidInputError(
            `row ${row}: invalid attribute name ${JSON.stringify(name)}: ${valid.error.issues[0]!.message}`,
          );
        }
        entry = { kind: undefined, row };
        seen.set(name, entry);
      }
      const kind = kindOf(value, name, row);
      if (kind === undefined) continue;
      if (entry.kind === undefined) {
        entry.kind = kind;
        entry.row = row;
      } else if (entry.kind !== kind) {
        throw mixed(name, entry, row, describeValue(value));
      }
    }
    this.row++;
  }

  schema(): AttributeSchema {
    const attributes = [...this.seen].map(([name, entry]) => {
      if (entry.kind === undefined) {
        throw new InvalidInputError(
          `attribute \`${name}\` is null in every row, so its kind cannot be inferred; declare it in a schema file`,
        );
      }
      return { name, kind: entry.kind };
    });
    return { attributes };
  }
}

/** The kind a value implies (`[]` is `tags`), undefined for missing. */
function kindOf(value: unknown, name: string, row: number): AttributeKind | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'category';
  if (Array.isArray(value)) {
    const bad = value.findIndex((element) => typeof element !== 'string');
    if (bad < 0) return 'tags';
    throw new InvalidInputError(
      `row ${row}: attribute \`${name}\` element ${bad} is ${describeValue(value[bad])}; arrays must hold strings (tags)`,
    );
  }
  throw new InvalidInputError(
    `row ${row}: attribute \`${name}\` is ${describeValue(value)}; expected a number, a string or an array of strings`,
  );
}

function mixed(name: string, entry: Seen, row: number, received: string): InvalidInputError {
  const expected =
    entry.kind === 'number' ? 'a number' : entry.kind === 'category' ? 'a string' : 'an array of strings';
  return new InvalidInputError(
    `attribute \`${name}\` has mixed types: row ${row} has ${received}, but row ${entry.row} made it ${entry.kind} (expected ${expected})`,
  );
}
