import { describe, expect, it } from 'vitest';
import {
  type AttributeSchema,
  AttributeTable,
  AttributeTableBuilder,
  parseDictionaries,
} from '../../../shared/attributes/index.ts';
import { IndexFormatError, InvalidInputError } from '../../../shared/errors/index.ts';
import { generateRows, schema as randomSchema } from './random-attributes.ts';
import { schema } from './small-schema.ts';

const rows = [
  { price: 9.5, color: 'red', tags: ['sale', 'new', 'sale'] },
  { price: null, color: 'blue' },
  { color: null, tags: [] },
  { price: -0.25, tags: ['eco'] },
];

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('AttributeTable.fromRows', () => {
  const table = AttributeTable.fromRows(schema, rows);

  it('stores raw columns with sorted dictionaries and missing markers', () => {
    expect(table.count).toBe(4);
    expect(table.dictionaries).toEqual([[], ['blue', 'red'], ['eco', 'new', 'sale']]);
    const [price, color, tags] = table.columns;
    expect(price).toEqual({ kind: 'number', values: new Float64Array([9.5, Number.NaN, Number.NaN, -0.25]) });
    expect(color).toMatchObject({ kind: 'category', codes: new Int32Array([1, 0, -1, -1]) });
    // Tag sets: ascending codes, duplicates dropped; [] and absent are both "no tags".
    expect(tags).toMatchObject({
      kind: 'tags',
      offsets: new Uint32Array([0, 2, 2, 2, 3]),
      codes: new Int32Array([1, 2, 0]),
    });
  });

  it('returns values for responses', () => {
    expect(table.valueOf(0, 0)).toBe(9.5);
    expect(table.valueOf(1, 0)).toBeUndefined();
    expect(table.valueOf(0, 1)).toBe('red');
    expect(table.valueOf(2, 1)).toBeUndefined();
    expect(table.valueOf(0, 2)).toEqual(['new', 'sale']);
    expect(table.valueOf(2, 2)).toBeUndefined();
    expect(table.rowValues(3)).toEqual({ price: -0.25, tags: ['eco'] });
    expect(table.rowValues(2)).toEqual({});
  });

  it('selects a partition in the given order, sharing the dictionaries', () => {
    const part = table.select(new Uint32Array([3, 0]));
    expect(part.count).toBe(2);
    expect(part.dictionaries).toEqual(table.dictionaries);
    expect([part.rowValues(0), part.rowValues(1)]).toEqual([table.rowValues(3), table.rowValues(0)]);
    expect(thrown(() => table.select(new Uint32Array([4]))).message).toBe(
      "select: row 4 at 0 is outside the table's 4 rows",
    );
  });

  it('makes dictionary codes independent of row order', () => {
    const reversed = AttributeTable.fromRows(schema, [...rows].reverse());
    expect(reversed.dictionaries).toEqual(table.dictionaries);
    expect(reversed.rowValues(3)).toEqual(table.rowValues(0));
  });

  it.each([
    [{ colour: 'red' }, 'row 1: unknown attribute `colour`; known attributes: price, color, tags'],
    [{ price: '12' }, 'row 1: attribute `price` (number) expects a finite number, received string "12"'],
    [{ price: Number.NaN }, 'row 1: attribute `price` (number) expects a finite number, received NaN'],
    [
      { price: Number.POSITIVE_INFINITY },
      'row 1: attribute `price` (number) expects a finite number, received Infinity',
    ],
    [{ color: 3 }, 'row 1: attribute `color` (category) expects a string, received number 3'],
    [{ color: ['red'] }, 'row 1: attribute `color` (category) expects a string, received an array of 1'],
    [{ tags: 'sale' }, 'row 1: attribute `tags` (tags) expects an array of strings, received string "sale"'],
    [
      { tags: ['a', null] },
      'row 1: attribute `tags` (tags) expects an array of strings, received null at index 1',
    ],
    [[1, 2], 'row 1: expected an object of attributes, received an array of 2'],
    [null, 'row 1: expected an object of attributes, received null'],
  ])('rejects %j naming the row, attribute and expectation', (bad, message) => {
    const error = thrown(() =>
      AttributeTable.fromRows(schema, [{ price: 1 }, bad as Record<string, unknown>]),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(message);
  });
});

describe('AttributeTableBuilder', () => {
  it('streams rows, names them as told, and leaves a rejected row out', () => {
    const builder = new AttributeTableBuilder(schema);
    builder.add({ price: 1, color: 'b' });
    expect(() => builder.add({ price: 2, color: 5 }, 'attrs.jsonl line 2')).toThrow(
      'attrs.jsonl line 2: attribute `color` (category) expects a string, received number 5',
    );
    builder.add({ tags: ['x'] });
    const table = builder.finish();
    expect(table.count).toBe(2);
    expect([table.rowValues(0), table.rowValues(1)]).toEqual([{ price: 1, color: 'b' }, { tags: ['x'] }]);
  });

  it('grows past its initial capacity', () => {
    const many = generateRows(3, 5000);
    const table = AttributeTable.fromRows(randomSchema, many);
    expect(table.count).toBe(5000);
    for (const i of [0, 1023, 1024, 4999]) {
      const expected = Object.fromEntries(
        Object.entries(many[i]!).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)),
      );
      const values = table.rowValues(i);
      if (Array.isArray(expected.tags)) expected.tags = [...new Set(expected.tags as string[])].sort();
      if (Array.isArray(expected.labels)) expected.labels = [...new Set(expected.labels as string[])].sort();
      expect(values).toEqual(expected);
    }
  });
});

describe('AttributeTable encode/decode', () => {
  const table = AttributeTable.fromRows(schema, rows);
  const bytes = table.encode();

  it('round-trips through a compact binary form', () => {
    // 16-byte header, 3 × 16 attribute headers, f64 × 4, i32 × 4, u32 × 5 (+4 pad), i32 × 3 (+4 pad).
    expect(bytes.length).toBe(16 + 48 + 32 + 16 + 24 + 16);
    expect([...bytes.subarray(0, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('SQAT');
    const decoded = AttributeTable.decode(bytes, schema, table.dictionaries);
    expect(decoded.columns).toEqual(table.columns);
    expect(decoded.encode()).toEqual(bytes);
  });

  it('decodes from an unaligned view of a larger buffer', () => {
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const decoded = AttributeTable.decode(shifted.subarray(3), schema, table.dictionaries);
    expect([0, 1, 2, 3].map((row) => decoded.rowValues(row))).toEqual(
      [0, 1, 2, 3].map((row) => table.rowValues(row)),
    );
  });

  it('round-trips a large random table', () => {
    const big = AttributeTable.fromRows(randomSchema, generateRows(4, 2000));
    const again = AttributeTable.decode(big.encode(), randomSchema, big.dictionaries);
    expect(again.columns).toEqual(big.columns);
  });

  it('rejects every truncation with IndexFormatError', () => {
    for (let length = 0; length < bytes.length; length++) {
      const error = thrown(() => AttributeTable.decode(bytes.slice(0, length), schema, table.dictionaries));
      expect(error).toBeInstanceOf(IndexFormatError);
      expect(error.message).toMatch(/^attribute table: /);
    }
    expect(thrown(() => AttributeTable.decode(bytes.slice(0, 40), schema, table.dictionaries)).message).toBe(
      'attribute table: truncated: 40 bytes, expected at least 64 of headers',
    );
    expect(thrown(() => AttributeTable.decode(bytes.slice(0, 100), schema, table.dictionaries)).message).toBe(
      'attribute table: truncated in `color` codes: needs bytes 96..112, received 100 bytes',
    );
  });

  it('rejects corrupted or mismatched input with IndexFormatError saying what was expected', () => {
    const corrupt = (offset: number, value: number): Uint8Array => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setInt32(offset, value, true);
      return copy;
    };
    const cases: [Uint8Array, AttributeSchema, readonly (readonly string[])[], string][] = [
      [corrupt(0, 0), schema, table.dictionaries, 'attribute table: bad magic; expected "SQAT"'],
      [
        corrupt(4, 2),
        schema,
        table.dictionaries,
        'attribute table: format version 2; this reader supports 1',
      ],
      [
        corrupt(96, 7),
        schema,
        table.dictionaries,
        'attribute table: `color` code 7 at 0 is outside -1..1 (dictionary of 2)',
      ],
      [
        corrupt(112, 3),
        schema,
        table.dictionaries,
        'attribute table: `tags` offsets run 3..3; expected 0..3',
      ],
      [
        corrupt(16, 3),
        schema,
        table.dictionaries,
        'attribute table: attribute 0 has kind code 3; the schema declares `price` as number (1)',
      ],
      [
        bytes,
        schema,
        [[], ['blue', 'green', 'red'], ['eco', 'new', 'sale']],
        'attribute table: `color` was written with a dictionary of 2 entries; the given one has 3',
      ],
      [
        bytes,
        { attributes: schema.attributes.slice(0, 2) },
        [[], []],
        'attribute table: holds 3 attributes, the schema declares 2',
      ],
      [
        new Uint8Array([...bytes, 0, 0, 0, 0, 0, 0, 0, 0]),
        schema,
        table.dictionaries,
        'attribute table: 160 bytes, expected 152 for 4 rows',
      ],
    ];
    for (const [input, inputSchema, dictionaries, message] of cases) {
      const error = thrown(() => AttributeTable.decode(input, inputSchema, dictionaries));
      expect(error).toBeInstanceOf(IndexFormatError);
      expect(error.message).toBe(message);
    }
    const infinite = bytes.slice();
    new DataView(infinite.buffer).setFloat64(64, Number.POSITIVE_INFINITY, true);
    expect(thrown(() => AttributeTable.decode(infinite, schema, table.dictionaries)).message).toBe(
      'attribute table: `price` row 0 is Infinity; expected a finite number or NaN',
    );
  });
});

describe('parseDictionaries', () => {
  it('accepts the manifest form and rejects unsorted or misplaced dictionaries', () => {
    expect(parseDictionaries([[], ['a', 'b'], []], schema)).toEqual([[], ['a', 'b'], []]);
    const cases: [unknown, string][] = [
      [[[], ['b', 'a'], []], 'manifest: dictionary of `color` is not sorted and unique at entry 1 ("a")'],
      [[[], ['a', 'a'], []], 'manifest: dictionary of `color` is not sorted and unique at entry 1 ("a")'],
      [[['x'], [], []], 'manifest: number attribute `price` has a dictionary; expected none'],
      [[[], []], 'manifest: 2 attribute dictionaries for 3 attributes'],
      [{ color: [] }, 'manifest: attribute dictionaries must be an array of string arrays'],
    ];
    for (const [json, message] of cases) {
      const error = thrown(() => parseDictionaries(json, schema));
      expect(error).toBeInstanceOf(IndexFormatError);
      expect(error.message).toBe(message);
    }
  });
});
