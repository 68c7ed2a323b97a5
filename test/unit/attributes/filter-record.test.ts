/**
 * `CompiledFilter.matchesRecord` (the exact filter on a plain record: a write-log row) and
 * `checkAttributeRow` (one incoming row checked and normalised as a table would store it):
 * - properties under fast-check: on every row a table holds, `matchesRecord(table.rowValues(r))` equals
 *   `exactMask(table)[r]` — for the seeded rows and filters of `random-attributes.ts` and for random
 *   schemas (attribute names such as `__proto__` and `constructor` included) with random rows and
 *   filters; and a filter compiled against the dictionaries of a PART of the rows still answers exactly
 *   on the rows whose values those dictionaries lack;
 * - examples: values outside the dictionaries, missing attributes, numbers at range edges, errors.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AttributeKind,
  AttributeQuantizer,
  type AttributeSchema,
  AttributeTable,
  type AttributeValue,
  attributeRowProblem,
  type CompiledFilter,
  checkAttributeRow,
  compileFilter,
  parseFilter,
} from '../../../shared/attributes/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { fuzzRuns, fuzzSeed } from '../../support/fuzz-settings.ts';
import {
  evaluateFilter,
  FilterGenerator,
  generateRows,
  type Row,
  schema as randomSchema,
} from './random-attributes.ts';
import { schema as smallSchema } from './small-schema.ts';

const seed = fuzzSeed('filter record');
const counts = { filters: 0, recordsChecked: 0, outsideDictionaries: 0, decidedByOutsideValues: 0 };
afterAll(() => console.log(`filter record: ${JSON.stringify(counts)}`));

function compile(filter: unknown, schema: AttributeSchema, table: AttributeTable): CompiledFilter {
  return compileFilter(
    parseFilter(filter, schema),
    schema,
    AttributeQuantizer.train(table),
    table.dictionaries,
  );
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/**
 * Same keys in the same order, own data properties, values equal by Object.is (-0 is not 0). Not
 * toStrictEqual: it also compares `.constructor`, which is a value here for an attribute so named.
 */
function sameRecord(a: Record<string, AttributeValue>, b: Record<string, AttributeValue>): boolean {
  const keys = Object.keys(a);
  if (keys.join('\u0000') !== Object.keys(b).join('\u0000')) return false;
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) {
    return false;
  }
  return keys.every((key) => {
    const x = a[key]!;
    const y = b[key]!;
    if (!Array.isArray(x) || !Array.isArray(y)) return Object.is(x, y);
    return x.length === y.length && x.every((tag, i) => tag === y[i]);
  });
}

/** The record without the values `table`'s dictionaries lack: what a code-based evaluation could see. */
function withinDictionaries(
  values: Record<string, AttributeValue>,
  schema: AttributeSchema,
  table: AttributeTable,
): Record<string, AttributeValue> {
  const entries: [string, AttributeValue][] = [];
  schema.attributes.forEach(({ name, kind }, a) => {
    if (!Object.hasOwn(values, name)) return;
    const value = values[name]!;
    const known = new Set(table.dictionaries[a]);
    if (kind === 'category' && !known.has(value as string)) return;
    if (kind === 'tags') {
      const tags = (value as string[]).filter((tag) => known.has(tag));
      if (tags.length > 0) entries.push([name, tags]);
      return;
    }
    entries.push([name, value]);
  });
  return Object.fromEntries(entries);
}

/**
 * Checks, for every row of `rows` and every filter: the exact mask of the table of all rows equals
 * `matchesRecord` of the filter compiled on that table (on `rowValues` and on the normalised raw row),
 * and `matchesRecord` of the filter compiled on the table of the first `baseCount` rows only.
 */
function checkAgreement(
  schema: AttributeSchema,
  rows: readonly Row[],
  filters: readonly unknown[],
  baseCount: number,
): void {
  const table = AttributeTable.fromRows(schema, rows);
  const base = AttributeTable.fromRows(schema, rows.slice(0, baseCount));
  const records = rows.map((_, r) => table.rowValues(r));
  const normalised = rows.map((row, r) => checkAttributeRow(schema, row, `row ${r}`));
  const outside = records.map((values) => withinDictionaries(values, schema, base));
  for (const [r, values] of records.entries()) {
    if (!sameRecord(normalised[r]!, values)) {
      throw new Error(
        `row ${r} ${JSON.stringify(rows[r])}: checkAttributeRow ${JSON.stringify(normalised[r])}, rowValues ${JSON.stringify(values)}`,
      );
    }
    if (Object.keys(outside[r]!).length !== Object.keys(values).length) counts.outsideDictionaries++;
  }
  for (const filter of filters) {
    const compiled = compile(filter, schema, table);
    const onBase = compile(filter, schema, base);
    const mask = compiled.exactMask(table);
    counts.filters++;
    for (let r = 0; r < rows.length; r++) {
      const want = mask[r] === 1;
      const got = [
        compiled.matchesRecord(records[r]!),
        compiled.matchesRecord(normalised[r]!),
        onBase.matchesRecord(records[r]!),
      ];
      counts.recordsChecked++;
      if (got.some((answer) => answer !== want)) {
        throw new Error(
          `filter ${JSON.stringify(filter)} on row ${r} ${JSON.stringify(rows[r])}: exact mask ${want}, ` +
            `matchesRecord (rowValues, normalised, compiled on the first ${baseCount} rows) ${got}`,
        );
      }
      if (onBase.matchesRecord(outside[r]!) !== want) counts.decidedByOutsideValues++;
    }
  }
}

// --- random schemas, rows and filters --------------------------------------------------------------

const NAMES = ['__proto__', 'constructor', 'toString', 'price', 'color', 'tags', 'x'];
const NUMBERS = [-0, 0, 1, 1.5, 2, -3, 1e300, 5e-324];
const STRINGS = ['a', 'b', 'c', 'Ü', '', 'purple', '__proto__'];

const schemaArbitrary: fc.Arbitrary<AttributeSchema> = fc
  .uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 4 })
  .chain((names) =>
    fc
      .array(fc.constantFrom<AttributeKind>('number', 'category', 'tags'), {
        minLength: names.length,
        maxLength: names.length,
      })
      .map((kinds) => ({ attributes: names.map((name, a) => ({ name, kind: kinds[a]! })) })),
  );

const ABSENT = Symbol('absent');

function valueArbitrary(kind: AttributeKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'number':
      return fc.oneof(fc.constantFrom(...NUMBERS), fc.integer({ min: -5, max: 5 }));
    case 'category':
      return fc.constantFrom(...STRINGS);
    case 'tags':
      return fc.array(fc.constantFrom(...STRINGS), { maxLength: 4 }); // [] and duplicates included
  }
}

/** Rows as JSON.parse makes them (Object.fromEntries: `__proto__` is an own key); ~1/4 absent or null. */
function rowArbitrary(schema: AttributeSchema): fc.Arbitrary<Row> {
  const cells = schema.attributes.map(({ kind }) =>
    fc.oneof(
      { weight: 6, arbitrary: valueArbitrary(kind) },
      { weight: 1, arbitrary: fc.constant(ABSENT) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
  );
  return fc
    .tuple(...cells)
    .map((values) =>
      Object.fromEntries(
        schema.attributes.flatMap(({ name }, a) => (values[a] === ABSENT ? [] : [[name, values[a]]])),
      ),
    );
}

function operandArbitrary(kind: AttributeKind): fc.Arbitrary<unknown> {
  if (kind !== 'number') return fc.oneof(fc.constantFrom(...STRINGS), fc.string({ maxLength: 3 }));
  return fc.oneof(fc.constantFrom(...NUMBERS), fc.double({ noNaN: true, noDefaultInfinity: true }));
}

function conditionArbitrary(kind: AttributeKind, depth: number): fc.Arbitrary<unknown> {
  const ordering = kind === 'number' ? ['$gt', '$gte', '$lt', '$lte'] : [];
  const operators = ['$eq', '$ne', '$in', '$nin', '$exists', ...ordering, ...(depth < 2 ? ['$not'] : [])];
  const entry = fc.constantFrom(...operators).chain((operator): fc.Arbitrary<[string, unknown]> => {
    switch (operator) {
      case '$in':
      case '$nin':
        return fc
          .array(operandArbitrary(kind), { minLength: 1, maxLength: 4 })
          .map((values) => [operator, values]);
      case '$exists':
        return fc.boolean().map((flag) => [operator, flag]);
      case '$not':
        return conditionArbitrary(kind, depth + 1).map((inner) => [
          operator,
          typeof inner === 'object' && inner !== null ? inner : { $eq: inner },
        ]);
      default:
        return operandArbitrary(kind).map((value) => [operator, value]);
    }
  });
  return fc.oneof(
    operandArbitrary(kind),
    fc.array(entry, { minLength: 1, maxLength: 3 }).map((entries) => Object.fromEntries(entries)),
  );
}

function filterArbitrary(schema: AttributeSchema): fc.Arbitrary<unknown> {
  const field = fc
    .constantFrom(...schema.attributes)
    .chain(({ name, kind }) => conditionArbitrary(kind, 0).map((c): [string, unknown] => [name, c]));
  const { filter } = fc.letrec((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.array(field, { minLength: 1, maxLength: 3 }).map((entries) => Object.fromEntries(entries)),
      fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map((children) => ({ $and: children })),
      fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map((children) => ({ $or: children })),
      tie('filter').map((child) => ({ $not: child })),
      fc.constant({}),
    ),
  }));
  return filter;
}

describe('matchesRecord equals the exact mask on every row a table holds', () => {
  it('for the seeded rows and filters of random-attributes.ts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 400 }),
        (rowSeed, filterSeed, baseCount) => {
          const rows = generateRows(rowSeed, 400);
          const generator = new FilterGenerator(filterSeed, rows);
          const filters = Array.from({ length: 10 }, () => generator.filter());
          checkAgreement(randomSchema, rows, filters, baseCount);
          // And the independent evaluator of the Mongo-like rules, on the raw rows.
          const table = AttributeTable.fromRows(randomSchema, rows);
          for (const filter of filters) {
            const compiled = compile(filter, randomSchema, table);
            rows.forEach((row, r) => {
              expect(compiled.matchesRecord(table.rowValues(r))).toBe(evaluateFilter(filter, row));
            });
          }
        },
      ),
      { seed, numRuns: fuzzRuns(40) },
    );
    // Some rows held values the partial dictionaries lacked, and those values decided some answers.
    expect(counts.outsideDictionaries).toBeGreaterThan(0);
    expect(counts.decidedByOutsideValues).toBeGreaterThan(0);
  }, 120_000);

  it('for random schemas (names like __proto__ and constructor), rows and filters', () => {
    const before = { ...counts };
    const input = schemaArbitrary.chain((schema) =>
      fc.record({
        schema: fc.constant(schema),
        rows: fc.array(rowArbitrary(schema), { minLength: 1, maxLength: 40 }),
        filters: fc.array(filterArbitrary(schema), { minLength: 1, maxLength: 6 }),
        baseFraction: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(input, ({ schema, rows, filters, baseFraction }) => {
        checkAgreement(schema, rows, filters, Math.floor(baseFraction * rows.length));
      }),
      { seed, numRuns: fuzzRuns(500) },
    );
    expect(counts.filters - before.filters).toBeGreaterThan(500);
    expect(counts.decidedByOutsideValues - before.decidedByOutsideValues).toBeGreaterThan(0);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  }, 120_000);
});

// --- examples ----------------------------------------------------------------------------------------

describe('matchesRecord on values outside the dictionaries', () => {
  // The base index knows colors red/blue and tags a/b only.
  const base = AttributeTable.fromRows(smallSchema, [
    { price: 1, color: 'red', tags: ['a'] },
    { price: 2, color: 'blue', tags: ['b'] },
  ]);
  const matches = (filter: unknown, record: Record<string, AttributeValue>) =>
    compile(filter, smallSchema, base).matchesRecord(record);

  it.each([
    [{ color: 'purple' }, { color: 'purple' }, true],
    [{ color: { $eq: 'purple' } }, { color: 'purple' }, true],
    [{ color: { $eq: 'purple' } }, { color: 'red' }, false],
    [{ color: { $ne: 'purple' } }, { color: 'purple' }, false],
    [{ color: { $ne: 'purple' } }, { color: 'pink' }, true],
    [{ color: { $in: ['pink', 'purple'] } }, { color: 'purple' }, true],
    [{ color: { $in: ['pink', 'red'] } }, { color: 'purple' }, false],
    [{ color: { $nin: ['pink', 'purple'] } }, { color: 'purple' }, false],
    [{ color: { $nin: ['pink', 'purple'] } }, { color: 'red' }, true],
    [{ tags: 'rare' }, { tags: ['x', 'rare'] }, true],
    [{ tags: 'rare' }, { tags: ['x', 'a'] }, false],
    [{ tags: { $in: ['a', 'rare'] } }, { tags: ['rare'] }, true],
    [{ tags: { $nin: ['zzz', 'rare'] } }, { tags: ['rare', 'a'] }, false],
    [{ tags: { $nin: ['zzz', 'rare'] } }, { tags: ['a', 'x'] }, true],
    [{ tags: { $ne: 'x' } }, { tags: ['x'] }, false],
    [{ $and: [{ color: 'purple' }, { tags: 'x' }] }, { color: 'purple', tags: ['x'] }, true],
    [{ $or: [{ color: 'red' }, { tags: 'x' }] }, { color: 'purple', tags: ['y'] }, false],
  ])('%j on %j is %s', (filter, record, expected) => {
    expect(matches(filter, record as Record<string, AttributeValue>)).toBe(expected);
  });

  it('agrees with the exact mask of a table whose dictionaries hold the values', () => {
    const records: Record<string, AttributeValue>[] = [
      { color: 'purple', tags: ['rare', 'x'] },
      { color: 'red' },
      { tags: ['b', 'rare'] },
      {},
    ];
    const full = AttributeTable.fromRows(smallSchema, records);
    for (const filter of [{ color: 'purple' }, { tags: { $nin: ['rare'] } }, { color: { $ne: 'purple' } }]) {
      const mask = [...compile(filter, smallSchema, full).exactMask(full)];
      const onBase = compile(filter, smallSchema, base);
      expect(records.map((record) => (onBase.matchesRecord(record) ? 1 : 0))).toEqual(mask);
    }
  });
});

describe('matchesRecord on missing attributes', () => {
  const table = AttributeTable.fromRows(smallSchema, [{ price: 1, color: 'red', tags: ['a'] }]);
  // {} is "no values"; so are null and no tags (as a table stores them).
  const missing = [{}, { tags: [] }, { price: null, color: null, tags: null }] as unknown as Record<
    string,
    AttributeValue
  >[];

  it.each([
    [{ price: { $ne: 1 } }, true],
    [{ color: { $ne: 'red' } }, true],
    [{ tags: { $ne: 'a' } }, true],
    [{ price: { $nin: [1, 2] } }, true],
    [{ color: { $nin: ['red'] } }, true],
    [{ tags: { $nin: ['a'] } }, true],
    [{ price: { $exists: false } }, true],
    [{ tags: { $exists: false } }, true],
    [{ price: { $not: { $gt: 5 } } }, true],
    [{ $not: { color: 'red' } }, true],
    [{ price: { $exists: true } }, false],
    [{ tags: { $exists: true } }, false],
    [{ price: { $gt: -1e9 } }, false],
    [{ price: { $lte: 1e9 } }, false],
    [{ price: { $in: [0, 1] } }, false],
    [{ color: 'red' }, false],
    [{ tags: { $in: ['a'] } }, false],
    [{}, true],
  ])('%j is %s', (filter, expected) => {
    const compiled = compile(filter, smallSchema, table);
    expect(missing.map((record) => compiled.matchesRecord(record))).toEqual([expected, expected, expected]);
  });
});

describe('matchesRecord on numbers at range edges', () => {
  const values = [10, -0, 0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE];
  const table = AttributeTable.fromRows(
    smallSchema,
    values.map((price) => ({ price })),
  );
  const filters: [unknown, number[]][] = [
    [{ price: { $gt: 10 } }, [Number.MAX_VALUE]],
    [{ price: { $gte: 10 } }, [10, Number.MAX_VALUE]],
    [{ price: { $lt: 10 } }, [-0, 0, 5e-324, -5e-324, -Number.MAX_VALUE]],
    [{ price: { $lte: 10 } }, [10, -0, 0, 5e-324, -5e-324, -Number.MAX_VALUE]],
    [{ price: { $gt: 0 } }, [10, 5e-324, Number.MAX_VALUE]],
    [{ price: { $gte: -0 } }, [10, -0, 0, 5e-324, Number.MAX_VALUE]],
    [{ price: { $lt: -0 } }, [-5e-324, -Number.MAX_VALUE]],
    [{ price: 0 }, [-0, 0]],
    [{ price: { $in: [-0, Number.MAX_VALUE] } }, [-0, 0, Number.MAX_VALUE]],
    [{ price: { $gt: 0, $lt: 10 } }, [5e-324]],
    [{ price: { $not: { $gte: 0 } } }, [-5e-324, -Number.MAX_VALUE]],
  ];

  it.each(filters)('%j matches exactly %j, as the exact mask does', (filter, expected) => {
    const compiled = compile(filter, smallSchema, table);
    const matched = values.filter((price) => compiled.matchesRecord({ price }));
    expect(matched).toEqual(expected);
    const mask = compiled.exactMask(table);
    expect(values.filter((_, r) => mask[r] === 1)).toEqual(expected);
  });
});

describe('matchesRecord, other cases', () => {
  const table = AttributeTable.fromRows(smallSchema, [{ price: 1, color: 'red', tags: ['a'] }]);

  it('is true for the match-all filters', () => {
    for (const filter of [{}, null]) {
      const compiled = compileFilter(
        filter === null ? null : parseFilter(filter, smallSchema),
        smallSchema,
        AttributeQuantizer.train(table),
        table.dictionaries,
      );
      expect(compiled.matchesAll).toBe(true);
      expect(compiled.matchesRecord({})).toBe(true);
      expect(compiled.matchesRecord({ color: 'purple' })).toBe(true);
    }
  });

  it('reads own properties only: Object.prototype members are not values', () => {
    const schema: AttributeSchema = {
      attributes: [
        { name: 'constructor', kind: 'category' },
        { name: '__proto__', kind: 'tags' },
        { name: 'toString', kind: 'number' },
      ],
    };
    const rows = [JSON.parse('{"constructor": "c", "__proto__": ["t"], "toString": 2}'), {}];
    const both = AttributeTable.fromRows(schema, rows);
    expect(both.rowValues(1)).toEqual({});
    for (const [filter, expected] of [
      [{ constructor: { $exists: false } }, [false, true]],
      [JSON.parse('{"__proto__": {"$exists": true}}'), [true, false]],
      [JSON.parse('{"__proto__": "t", "toString": {"$gte": 2}}'), [true, false]],
      [{ toString: { $ne: 2 } }, [false, true]],
    ] as const) {
      const compiled = compile(filter, schema, both);
      expect(rows.map((row) => compiled.matchesRecord(row))).toEqual(expected);
      expect([...compiled.exactMask(both)]).toEqual(expected.map(Number));
    }
  });

  it('refuses a value of another kind than its attribute, saying what it received', () => {
    const compiled = compile({ color: 'red' }, smallSchema, table);
    const error = thrown(() => compiled.matchesRecord({ color: 3 }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(
      'filter on a record: attribute `color` (category) expects a string, received number 3',
    );
    expect(
      thrown(() => compile({ tags: 'a' }, smallSchema, table).matchesRecord({ tags: 'a' })).message,
    ).toBe('filter on a record: attribute `tags` (tags) expects an array of strings, received string "a"');
  });
});

describe('checkAttributeRow', () => {
  it('normalises a row as a table would store it', () => {
    const row = { tags: ['sale', 'new', 'sale', 'Ünï', 'b'], color: 'red', price: -0 };
    const values = checkAttributeRow(smallSchema, row, 'row 0');
    expect(values).toStrictEqual({ price: -0, color: 'red', tags: ['Ünï', 'b', 'new', 'sale'].sort() });
    expect(Object.keys(values)).toEqual(['price', 'color', 'tags']); // schema order
    expect(Object.is(values.price, -0)).toBe(true);
    expect(values).toStrictEqual(AttributeTable.fromRows(smallSchema, [row]).rowValues(0));
    expect(checkAttributeRow(smallSchema, { price: null, tags: [] }, 'row 0')).toStrictEqual({});
    expect(row.tags).toEqual(['sale', 'new', 'sale', 'Ünï', 'b']); // the input is left as it was
  });

  it('returns own data properties, `__proto__` included', () => {
    const schema: AttributeSchema = { attributes: [{ name: '__proto__', kind: 'tags' }] };
    const values = checkAttributeRow(schema, JSON.parse('{"__proto__": ["b", "a"]}'), 'row 0');
    expect(Object.getOwnPropertyDescriptor(values, '__proto__')).toMatchObject({
      value: ['a', 'b'],
      enumerable: true,
      writable: true,
    });
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(checkAttributeRow(schema, {}, 'row 0')).toStrictEqual({});
  });

  it('reads own keys only: inherited ones are neither values nor unknown attributes', () => {
    const row = Object.assign(Object.create({ colour: 'red', color: 'blue' }), { price: 1 });
    expect(checkAttributeRow(smallSchema, row, 'row 0')).toStrictEqual({ price: 1 });
  });

  it.each([
    [
      { colour: 'red' },
      'vectors[3].attributes: unknown attribute `colour`; known attributes: price, color, tags',
    ],
    [
      { price: '12', colour: 'red' },
      'vectors[3].attributes: unknown attribute `colour`; known attributes: price, color, tags',
    ],
    [
      { price: 1, constructor: 'x' },
      'vectors[3].attributes: unknown attribute `constructor`; known attributes: price, color, tags',
    ],
    [
      { price: '12' },
      'vectors[3].attributes: attribute `price` (number) expects a finite number, received string "12"',
    ],
    [
      { price: Number.NaN },
      'vectors[3].attributes: attribute `price` (number) expects a finite number, received NaN',
    ],
    [{ color: 3 }, 'vectors[3].attributes: attribute `color` (category) expects a string, received number 3'],
    [
      { color: ['red'] },
      'vectors[3].attributes: attribute `color` (category) expects a string, received an array of 1',
    ],
    [
      { tags: 'sale' },
      'vectors[3].attributes: attribute `tags` (tags) expects an array of strings, received string "sale"',
    ],
    [
      { tags: ['a', 7] },
      'vectors[3].attributes: attribute `tags` (tags) expects an array of strings, received number 7 at index 1',
    ],
    [[1, 2], 'vectors[3].attributes: expected an object of attributes, received an array of 2'],
    [null, 'vectors[3].attributes: expected an object of attributes, received null'],
    ['red', 'vectors[3].attributes: expected an object of attributes, received string "red"'],
  ])('rejects %j, naming the row, attribute and what was received', (bad, message) => {
    const error = thrown(() => checkAttributeRow(smallSchema, bad, 'vectors[3].attributes'));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(message);
    expect(attributeRowProblem(smallSchema, bad)).toBe(message.replace('vectors[3].attributes: ', ''));
    // The table builder says the same, naming the row its own way.
    expect(thrown(() => AttributeTable.fromRows(smallSchema, [{}, bad as Row])).message).toBe(
      message.replace('vectors[3].attributes', 'row 1'),
    );
  });

  it('is the table builder`s check: a row without keys named like Object.prototype members is valid', () => {
    const schema: AttributeSchema = {
      attributes: [
        { name: 'constructor', kind: 'category' },
        { name: 'toString', kind: 'number' },
      ],
    };
    // Before, the builder read row.constructor (Object) and refused the row.
    const table = AttributeTable.fromRows(schema, [{}, { toString: 1 }] as Row[]);
    expect(table.rowValues(0)).toEqual({});
    expect(table.rowValues(1)).toEqual({ toString: 1 });
    expect(thrown(() => AttributeTable.fromRows(schema, [{ constructor: 1 }])).message).toBe(
      'row 0: attribute `constructor` (category) expects a string, received number 1',
    );
  });
});
