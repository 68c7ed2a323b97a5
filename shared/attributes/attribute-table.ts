/**
 * Raw attribute values of n rows, column by column (see `attribute-columns.ts` for the layout and what
 * "missing" means per kind). Built from rows (all at once or streamed through `AttributeTableBuilder`),
 * restricted to a partition with `select`, and stored with `encode`/`decode`. Dictionaries are shared by
 * a table and every table selected from it.
 */
import { InvalidInputError } from '../errors/index.ts';
import { type AttributeColumn, columnLength, gatherColumn } from './attribute-columns.ts';
import { attributeRowProblem, ownValue } from './attribute-row.ts';
import { decodeColumns, encodeColumns } from './attribute-table-codec.ts';
import { type ColumnBuilder, columnBuilder } from './column-builders.ts';
import type { AttributeDictionaries } from './dictionaries.ts';
import type { AttributeSchema } from './schema.ts';

/** One attribute value as it appears in rows and responses. */
export type AttributeValue = number | string | string[];

const NO_DICTIONARY: readonly string[] = Object.freeze([]);

export class AttributeTable {
  /** One per attribute, in schema order; `[]` for numbers. */
  readonly dictionaries: AttributeDictionaries;

  constructor(
    readonly schema: AttributeSchema,
    readonly count: number,
    readonly columns: readonly AttributeColumn[],
  ) {
    if (columns.length !== schema.attributes.length) {
      throw new InvalidInputError(
        `${columns.length} columns for ${schema.attributes.length} schema attributes`,
      );
    }
    columns.forEach((column, a) => {
      const { name, kind } = schema.attributes[a]!;
      if (column.kind !== kind || columnLength(column) !== count) {
        throw new InvalidInputError(
          `column ${a} is ${column.kind} with ${columnLength(column)} rows; expected \`${name}\` ${kind} with ${count}`,
        );
      }
    });
    this.dictionaries = columns.map((column) =>
      column.kind === 'number' ? NO_DICTIONARY : column.dictionary,
    );
  }

  /** Validates every row against the schema; InvalidInputError naming the row, attribute and expectation. */
  static fromRows(schema: AttributeSchema, rows: Iterable<Record<string, unknown>>): AttributeTable {
    const builder = new AttributeTableBuilder(schema);
    for (const row of rows) builder.add(row);
    return builder.finish();
  }

  static decode(
    bytes: Uint8Array,
    schema: AttributeSchema,
    dictionaries: AttributeDictionaries,
  ): AttributeTable {
    const { count, columns } = decodeColumns(bytes, schema, dictionaries);
    return new AttributeTable(schema, count, columns);
  }

  encode(): Uint8Array {
    return encodeColumns(this.count, this.columns);
  }

  column(attribute: number): AttributeColumn {
    const column = this.columns[attribute];
    if (!column) {
      throw new InvalidInputError(`attribute index ${attribute} is outside 0..${this.columns.length - 1}`);
    }
    return column;
  }

  /** The given rows, in that order (a partition's rows). */
  select(rows: Uint32Array): AttributeTable {
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]! >= this.count) {
        throw new InvalidInputError(
          `select: row ${rows[i]} at ${i} is outside the table's ${this.count} rows`,
        );
      }
    }
    return new AttributeTable(
      this.schema,
      rows.length,
      this.columns.map((column) => gatherColumn(column, rows)),
    );
  }

  /** A row's value of one attribute, undefined when missing; tags in dictionary order. */
  valueOf(row: number, attribute: number): AttributeValue | undefined {
    const column = this.column(attribute);
    switch (column.kind) {
      case 'number': {
        const x = column.values[row]!;
        return Number.isNaN(x) ? undefined : x;
      }
      case 'category': {
        const code = column.codes[row]!;
        return code < 0 ? undefined : column.dictionary[code];
      }
      case 'tags': {
        const start = column.offsets[row]!;
        const end = column.offsets[row + 1]!;
        if (start === end) return undefined;
        const tags: string[] = [];
        for (let i = start; i < end; i++) tags.push(column.dictionary[column.codes[i]!]!);
        return tags;
      }
    }
  }

  /** A row's present attributes as an object, for responses. */
  rowValues(row: number): Record<string, AttributeValue> {
    const entries: [string, AttributeValue][] = [];
    this.schema.attributes.forEach(({ name }, a) => {
      const value = this.valueOf(row, a);
      if (value !== undefined) entries.push([name, value]);
    });
    // Own data properties, as JSON.parse makes them: `values[name] = …` would set the prototype of the
    // object for an attribute named `__proto__` and drop its value from answers without a word.
    return Object.fromEntries(entries);
  }
}

/** Streams rows into a table, one at a time, validating each against the schema (`attributeRowProblem`). */
export class AttributeTableBuilder {
  private readonly builders: ColumnBuilder[];
  private rows = 0;

  constructor(readonly schema: AttributeSchema) {
    this.builders = schema.attributes.map(({ kind }) => columnBuilder(kind));
  }

  get count(): number {
    return this.rows;
  }

  /**
   * Appends a row. `where` names it in error messages (a file line, say); the default is its 0-based
   * ordinal, "row 17". A row that fails validation is not appended.
   */
  add(row: Record<string, unknown>, where?: string): void {
    const problem = attributeRowProblem(this.schema, row);
    if (problem !== undefined) throw new InvalidInputError(`${where ?? `row ${this.rows}`}: ${problem}`);
    const attributes = this.schema.attributes;
    for (let a = 0; a < attributes.length; a++) this.builders[a]!.push(ownValue(row, attributes[a]!.name));
    this.rows++;
  }

  finish(): AttributeTable {
    return new AttributeTable(
      this.schema,
      this.rows,
      this.builders.map((builder) => builder.finish()),
    );
  }
}
