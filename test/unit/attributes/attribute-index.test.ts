/**
 * `matchingRows` / `countMatchingRows` over the attribute index (issue 11) against the ground truth,
 * `CompiledFilter.exactMask`:
 * - the seeded rows and filters of `random-attributes.ts` (missing values, skewed categories, tags),
 *   on the whole table and on partitions `select`ed from it;
 * - fast-check: random schemas, rows drawn from small pools (equal values, -0/0, extreme numbers, empty
 *   tags, ~1/4 missing) and filters whose operands include the table's min/max and values absent from
 *   the dictionaries;
 * - examples: exact row lists, the index's own layout, caching, and that a selective filter never
 *   falls back to a full `exactMask` pass.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { allRows, attributeIndex } from '../../../shared/attributes/attribute-index.ts';
import { countMatchingRows, matchingRows } from '../../../shared/attributes/filter-rows.ts';
import {
  type AttributeKind,
  AttributeQuantizer,
  type AttributeSchema,
  AttributeTable,
  type CompiledFilter,
  compileFilter,
  parseFilter,
} from '../../../shared/attributes/index.ts';
import { createRng } from '../../../shared/random.ts';
import { fuzzRuns, fuzzSeed } from '../../support/fuzz-settings.ts';
import { FilterGenerator, generateRows, type Row, schema as randomSchema } from './random-attributes.ts';
import { schema as smallSchema } from './small-schema.ts';

const seed = fuzzSeed('attribute index');
const counts = { filters: 0, empty: 0, all: 0, some: 0, rows: 0 };
afterAll(() => console.log(`attribute index: ${JSON.stringify(counts)}`));

function compile(filter: unknown, schema: AttributeSchema, table: AttributeTable): CompiledFilter {
  return compileFilter(
    parseFilter(filter, schema),
    schema,
    AttributeQuantizer.train(table),
    table.dictionaries,
  );
}

function maskRows(mask: Uint8Array): number[] {
  const rows: number[] = [];
  mask.forEach((bit, row) => {
    if (bit) rows.push(row);
  });
  return rows;
}

/** Throws, naming the filter, unless the index answers exactly as `exactMask` on `table`. */
function checkFilter(filter: unknown, compiled: CompiledFilter, table: AttributeTable): void {
  const expected = maskRows(compiled.exactMask(table));
  // Count first: on a fresh (filter, table) it takes the path that does not build the rows.
  const count = countMatchingRows(compiled, table);
  const rows = matchingRows(compiled, table);
  if (
    count !== expected.length ||
    rows.length !== expected.length ||
    rows.some((r, i) => r !== expected[i])
  ) {
    throw new Error(
      `filter ${JSON.stringify(filter)} on ${table.count} rows: matchingRows ${JSON.stringify([...rows].slice(0, 20))} ` +
        `(${rows.length}), countMatchingRows ${count}; expected ${JSON.stringify(expected.slice(0, 20))} (${expected.length})`,
    );
  }
  expect(matchingRows(compiled, table)).toBe(rows); // cached
  expect(countMatchingRows(compiled, table)).toBe(rows.length);
  counts.filters++;
  counts.rows += table.count;
  if (rows.length === 0) counts.empty++;
  else if (rows.length === table.count) counts.all++;
  else counts.some++;
}

describe('matchingRows equals the exact mask', () => {
  it('for the seeded rows and filters of random-attributes.ts, on a table and on its partitions', () => {
    const rows = generateRows(3, 4000);
    const table = AttributeTable.fromRows(randomSchema, rows);
    const rng = createRng(4);
    // Partitions as the index builds them: rows of the global table, in their order, sharing its dictionaries.
    const partitions = [0, 1, 2].map(() => {
      const picked = Array.from({ length: 4000 }, (_, i) => i).filter(() => rng.next() < 0.3);
      return table.select(Uint32Array.from(picked));
    });
    const generator = new FilterGenerator(5, rows);
    const before = counts.filters;
    for (let f = 0; f < 500; f++) {
      const filter = generator.filter();
      const compiled = compile(filter, randomSchema, table);
      checkFilter(filter, compiled, table);
      checkFilter(filter, compiled, partitions[f % 3]!);
    }
    expect(counts.filters - before).toBe(1000);
    // Selective and broad filters alike: both the sorted and the byte-map unions ran.
    expect(counts.some).toBeGreaterThan(500);
    expect(counts.empty).toBeGreaterThan(10);
  }, 120_000);

  it('for random schemas, rows and filters (edge numbers, equal values, absent dictionary values)', () => {
    const before = { ...counts };
    const input = schemaArbitrary.chain((schema) =>
      fc.record({
        schema: fc.constant(schema),
        rows: fc.array(rowArbitrary(schema), { minLength: 0, maxLength: 300, size: 'medium' }),
        filters: fc.array(filterArbitrary(schema), { minLength: 1, maxLength: 8 }),
      }),
    );
    fc.assert(
      fc.property(input, ({ schema, rows, filters }) => {
        const table = AttributeTable.fromRows(schema, rows);
        for (const filter of filters) checkFilter(filter, compile(filter, schema, table), table);
      }),
      { seed, numRuns: fuzzRuns(400) },
    );
    expect(counts.filters - before.filters).toBeGreaterThan(1000);
    expect(counts.empty - before.empty).toBeGreaterThan(50);
    expect(counts.all - before.all).toBeGreaterThan(50);
    expect(counts.some - before.some).toBeGreaterThan(400);
  }, 120_000);
});

// --- random schemas, rows and filters --------------------------------------------------------------

const NUMBERS = [-0, 0, 1, 1.5, 2, -3, 1e300, -1e300, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE];
const STRINGS = ['a', 'b', 'c', 'Ü', '', 'purple'];
/** Operands only: never in a row, so never in a dictionary. */
const ABSENT_STRINGS = ['zzz', 'A'];
const ABSENT_NUMBERS = [0.5, -1e-300, 3];

const schemaArbitrary: fc.Arbitrary<AttributeSchema> = fc
  .array(fc.constantFrom<AttributeKind>('number', 'category', 'tags'), { minLength: 1, maxLength: 4 })
  .map((kinds) => ({ attributes: kinds.map((kind, a) => ({ name: `${kind}${a}`, kind })) }));

const ABSENT = Symbol('absent');

function valueArbitrary(kind: AttributeKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'number':
      return fc.oneof(fc.constantFrom(...NUMBERS), fc.integer({ min: -3, max: 3 }));
    case 'category':
      return fc.constantFrom(...STRINGS);
    case 'tags':
      return fc.array(fc.constantFrom(...STRINGS), { maxLength: 4 }); // [] (missing) and duplicates
  }
}

/** ~1/4 of the values missing, as an absent key or null. */
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
  if (kind !== 'number') return fc.constantFrom(...STRINGS, ...ABSENT_STRINGS);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NUMBERS, ...ABSENT_NUMBERS) },
    { weight: 2, arbitrary: fc.integer({ min: -4, max: 4 }) },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  );
}

function conditionArbitrary(kind: AttributeKind, depth: number): fc.Arbitrary<unknown> {
  const ordering = kind === 'number' ? ['$gt', '$gte', '$lt', '$lte'] : [];
  const operators = ['$eq', '$ne', '$in', '$nin', '$exists', ...ordering, ...(depth < 2 ? ['$not'] : [])];
  const entry = fc.constantFrom(...operators).chain((operator): fc.Arbitrary<[string, unknown]> => {
    switch (operator) {
      case '$in':
      case '$nin':
        return fc
          .array(operandArbitrary(kind), { minLength: 1, maxLength: 5 })
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
      fc.array(tie('filter'), { minLength: 1, maxLength: 4 }).map((children) => ({ $and: children })),
      fc.array(tie('filter'), { minLength: 1, maxLength: 4 }).map((children) => ({ $or: children })),
      tie('filter').map((child) => ({ $not: child })),
      fc.constant({}),
    ),
  }));
  return filter;
}

// --- examples ----------------------------------------------------------------------------------------

describe('matchingRows examples', () => {
  const rows: Row[] = [
    { price: 10, color: 'red', tags: ['a', 'b'] }, // 0
    { price: -0, color: 'blue' }, // 1
    { price: 0, tags: ['b'] }, // 2
    { color: 'red', tags: [] }, // 3: no price, no tags
    { price: 10, color: null, tags: ['c', 'a'] }, // 4
    { price: -5, color: 'green', tags: ['a'] }, // 5
    { price: 10, color: 'blue' }, // 6
    {}, // 7
  ];
  const table = AttributeTable.fromRows(smallSchema, rows);
  const rowsOf = (filter: unknown): number[] => [...matchingRows(compile(filter, smallSchema, table), table)];

  it.each([
    [{ price: 10 }, [0, 4, 6]],
    [{ price: 0 }, [1, 2]],
    [{ price: { $in: [-0, 10, 10, 7] } }, [0, 1, 2, 4, 6]],
    [{ price: { $gte: -5 } }, [0, 1, 2, 4, 5, 6]], // the minimum
    [{ price: { $gt: 10 } }, []], // above the maximum
    [{ price: { $gte: 10 } }, [0, 4, 6]], // the maximum
    [{ price: { $lt: -5 } }, []],
    [{ price: { $lte: -5 } }, [5]],
    [{ price: { $gt: -0, $lt: 11 } }, [0, 4, 6]],
    [{ price: { $ne: 10 } }, [1, 2, 3, 5, 7]], // missing prices included
    [{ price: { $nin: [0, 10] } }, [3, 5, 7]],
    [{ price: { $exists: false } }, [3, 7]],
    [{ price: { $not: { $gt: 0 } } }, [1, 2, 3, 5, 7]],
    [{ color: 'red' }, [0, 3]],
    [{ color: 'purple' }, []], // absent from the dictionary
    [{ color: { $in: ['purple', 'blue', 'blue'] } }, [1, 6]],
    [{ color: { $ne: 'purple' } }, [0, 1, 2, 3, 4, 5, 6, 7]],
    [{ color: { $nin: ['red', 'blue'] } }, [2, 4, 5, 7]],
    [{ color: { $exists: true } }, [0, 1, 3, 5, 6]],
    [{ tags: 'a' }, [0, 4, 5]],
    [{ tags: { $in: ['a', 'b', 'zzz'] } }, [0, 2, 4, 5]], // overlapping posting lists
    [{ tags: { $nin: ['a', 'b'] } }, [1, 3, 6, 7]],
    [{ tags: { $exists: false } }, [1, 3, 6, 7]], // [] is missing
    [{ $and: [{ tags: 'a' }, { color: { $ne: 'red' } }, { price: { $gte: 0 } }] }, [4]],
    [{ $or: [{ color: 'green' }, { tags: 'c' }, { price: 0 }] }, [1, 2, 4, 5]],
    [{ $or: [{ color: 'green' }, { $not: { tags: { $exists: true } } }] }, [1, 3, 5, 6, 7]],
    [{ $not: { $or: [{ price: 10 }, { color: 'red' }] } }, [1, 2, 5, 7]],
    [{ $and: [{ color: 'red' }, { color: 'blue' }] }, []],
    [{}, [0, 1, 2, 3, 4, 5, 6, 7]],
  ])('%j matches rows %j', (filter, expected) => {
    expect(rowsOf(filter)).toEqual(expected);
    const compiled = compile(filter, smallSchema, table);
    expect(maskRows(compiled.exactMask(table))).toEqual(expected);
    expect(countMatchingRows(compiled, table)).toBe(expected.length);
  });

  it('indexes numbers in value order (ties by row, -0 with 0, missing left out) and codes as posting lists', () => {
    const price = attributeIndex(table, 0);
    expect(price.kind).toBe('number');
    if (price.kind !== 'number') return;
    expect([...price.values]).toEqual([-5, -0, 0, 10, 10, 10]);
    expect([...price.rows]).toEqual([5, 1, 2, 0, 4, 6]);
    expect([...price.present]).toEqual([0, 1, 2, 4, 5, 6]);
    const color = attributeIndex(table, 1); // dictionary: blue, green, red
    expect(color.kind === 'category' && [...color.offsets]).toEqual([0, 2, 3, 5]);
    expect([...color.rows]).toEqual([1, 6, 5, 0, 3]);
    const tags = attributeIndex(table, 2); // dictionary: a, b, c
    expect(tags.kind === 'tags' && [...tags.offsets]).toEqual([0, 3, 5, 6]);
    expect([...tags.rows]).toEqual([0, 4, 5, 0, 2, 4]);
    expect([...tags.present]).toEqual([0, 2, 4, 5]);
    expect(attributeIndex(table, 2)).toBe(tags); // built once per table
  });

  it('sorts numbers of every sign and magnitude', () => {
    const rng = createRng(9);
    const values = Array.from({ length: 2000 }, () => {
      const r = rng.next();
      if (r < 0.1) return NUMBERS[rng.int(NUMBERS.length)]!;
      if (r < 0.4) return rng.int(7) - 3;
      return (rng.next() - 0.5) * 10 ** (rng.int(40) - 20);
    });
    const numbers = AttributeTable.fromRows(
      smallSchema,
      values.map((price) => ({ price })),
    );
    const order = attributeIndex(numbers, 0);
    const expected = values
      .map((value, row) => ({ value, row }))
      .sort((a, b) => a.value - b.value || a.row - b.row);
    expect(order.kind === 'number' && [...order.values]).toEqual(expected.map(({ value }) => value));
    expect([...order.rows]).toEqual(expected.map(({ row }) => row));
  });

  it('caches the rows per filter and table, and every row for match-all once per table', () => {
    const compiled = compile({ tags: 'a' }, smallSchema, table);
    expect(matchingRows(compiled, table)).toBe(matchingRows(compiled, table));
    const other = table.select(Uint32Array.of(5, 0, 4));
    expect([...matchingRows(compiled, other)]).toEqual([0, 1, 2]);
    const everything = compile({}, smallSchema, table);
    expect(everything.ast).toBeNull();
    expect(matchingRows(everything, table)).toBe(allRows(table));
    expect(matchingRows(compile({}, smallSchema, table), table)).toBe(matchingRows(everything, table));
    expect(countMatchingRows(everything, other)).toBe(3);
  });

  it('answers on an empty table', () => {
    const empty = AttributeTable.fromRows(smallSchema, []);
    for (const filter of [
      {},
      { price: { $lt: 3 } },
      { color: { $ne: 'red' } },
      { tags: { $exists: false } },
    ]) {
      const compiled = compile(filter, smallSchema, table);
      expect([...matchingRows(compiled, empty)]).toEqual([]);
      expect(countMatchingRows(compiled, empty)).toBe(0);
    }
  });

  it('orders rows the same whichever way (sort, merge, byte map) the sizes pick', () => {
    const rng = createRng(8);
    const big = AttributeTable.fromRows(
      smallSchema,
      Array.from({ length: 20_000 }, () => ({
        price: rng.int(1000) / 1000,
        color: `c${rng.int(100)}`,
        tags: Array.from({ length: rng.int(4) }, () => `t${rng.int(rng.next() < 0.5 ? 4 : 40)}`),
      })),
    );
    const colors = (k: number) => Array.from({ length: k }, (_, i) => `c${i}`);
    const tags = (k: number, from = 0) => Array.from({ length: k }, (_, i) => `t${from + i}`);
    const filters = [
      { price: { $lt: 0.01 } }, // 200 rows of a run: sorted
      { price: { $gte: 0.6 } }, // 8,000 rows: byte map
      { price: { $in: [0.5, 0.25, 0.125] } }, // equal-value runs, merged
      { color: { $in: colors(2) } }, // two lists of ~200: merged
      { color: { $in: colors(9) } }, // ~1,800 rows in 9 lists: sorted
      { color: { $in: colors(60) } }, // ~12,000 rows in 60 lists: byte map
      { tags: { $in: tags(3) } }, // three long overlapping lists: merged
      { tags: { $in: tags(30, 4) } }, // many short overlapping lists
      { $or: [{ price: { $lt: 0.05 } }, { tags: 't2' }, { color: { $nin: colors(95) } }] },
      { $and: [{ tags: { $in: tags(2) } }, { price: { $gte: 0.5 } }, { color: { $ne: 'c3' } }] },
    ];
    for (const filter of filters) checkFilter(filter, compile(filter, smallSchema, big), big);
  });

  it('answers a selective filter from the index, never from a full exact pass', () => {
    const rng = createRng(2);
    const n = 60_000;
    const uniform = AttributeTable.fromRows(
      smallSchema,
      Array.from({ length: n }, (_, i) => ({ price: rng.next(), color: i % 1000 === 0 ? 'rare' : 'common' })),
    );
    const compiled = compile({ $or: [{ price: { $lt: 0.001 } }, { color: 'rare' }] }, smallSchema, uniform);
    const exactMask = vi.spyOn(compiled, 'exactMask');
    const rows = matchingRows(compiled, uniform);
    expect(exactMask).not.toHaveBeenCalled();
    const values = (uniform.columns[0] as { values: Float64Array }).values;
    const expected = Array.from({ length: n }, (_, i) => i).filter(
      (i) => values[i]! < 0.001 || i % 1000 === 0,
    );
    expect([...rows]).toEqual(expected);
  });
});
