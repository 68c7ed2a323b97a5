/**
 * Properties of the filter language under fast-check (hostile input, issue 9):
 * - any JSON value — arbitrary, filter-shaped with hostile keys (`__proto__`, `constructor`, lone
 *   surrogates, megabyte names), or nested thousands of levels deep — either parses to an AST or throws
 *   InvalidQueryError; never RangeError, TypeError or anything else;
 * - for valid generated filters the quantized candidates are a superset of the exact matches, and the
 *   exact matches equal the independent reference evaluator of `random-attributes.ts` (written from the
 *   Mongo-like rules, not from the parser or the AST), row by row.
 * Seeded (see `fuzz-settings.ts`); counts are printed at the end.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AttributeQuantizer,
  AttributeTable,
  compileFilter,
  MAX_FILTER_DEPTH,
  MAX_FILTER_NODES,
  MAX_FILTER_VALUES,
  parseFilter,
} from '../../../shared/attributes/index.ts';
import { InvalidQueryError } from '../../../shared/errors/index.ts';
import { fuzzRuns, fuzzSeed } from '../../support/fuzz-settings.ts';
import { evaluateFilter, generateRows, type Row, schema } from './random-attributes.ts';

const seed = fuzzSeed('filter properties');
const N = 2000;
const rows = generateRows(21, N);
const table = AttributeTable.fromRows(schema, rows);
const quantizer = AttributeQuantizer.train(table);
const codes = quantizer.encode(table);

const counts = { parsed: 0, rejected: 0, compiled: 0, rowsChecked: 0 };
afterAll(() => console.log(`filter properties: ${JSON.stringify(counts)}`));

/** Parses `json`; true if it parsed, false if it was rejected with InvalidQueryError; rethrows anything else. */
function parsesOrRejects(json: unknown): boolean {
  try {
    parseFilter(json, schema);
    counts.parsed++;
    return true;
  } catch (error) {
    if (error instanceof InvalidQueryError) {
      counts.rejected++;
      return false;
    }
    throw error;
  }
}

// --- hostile JSON ------------------------------------------------------------------------------------

const OPERATORS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
  '$not',
  '$and',
  '$or',
];
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  '$',
  '$where',
];
const ODD_STRINGS = ['\ud800', 'Ünïcode', 'a'.repeat(100_000), '\u0000', 'red\u0301', '🙂'];

const key = fc.oneof(
  fc.constantFrom(...schema.attributes.map((a) => a.name), ...OPERATORS, ...HOSTILE_KEYS, ...ODD_STRINGS),
  fc.string(),
);
const scalar = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.MAX_VALUE, -0, 5e-324, Number.POSITIVE_INFINITY, Number.NaN),
  fc.string(),
  fc.constantFrom(...ODD_STRINGS),
  fc.boolean(),
  fc.constant(null),
);
/** Objects are built with Object.fromEntries, so `__proto__` is an own key as JSON.parse makes it. */
const { value: filterShaped } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('object'),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
  object: fc
    .array(fc.tuple(key, tie('value')), { maxLength: 4 })
    .map((entries) => Object.fromEntries(entries)),
}));

type Wrap = (inner: unknown) => unknown;
const WRAPPERS: Record<string, Wrap> = {
  $not: (inner) => ({ $not: inner }),
  $and: (inner) => ({ $and: [inner] }),
  $or: (inner) => ({ $or: [inner, { price: 1 }] }),
  '$in array': (inner) => [inner],
  'field $not': (inner) => ({ $not: inner }),
  'object value': (inner) => ({ price: inner }),
};

function nested(depth: number, wrap: Wrap, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
}

describe('parseFilter on hostile JSON: a FilterAst or InvalidQueryError, nothing else', () => {
  it('arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (json) => {
        parsesOrRejects(json);
      }),
      { seed, numRuns: fuzzRuns(3000) },
    );
  });

  it('filter-shaped values with hostile keys and operands', () => {
    fc.assert(
      fc.property(filterShaped, (json) => {
        parsesOrRejects(json);
        // The prototype of a plain object is never touched by parsing.
        expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      }),
      { seed, numRuns: fuzzRuns(3000) },
    );
  });

  it('nesting up to 20,000 levels: rejected past the depth limit, naming it', () => {
    const wrap = fc.constantFrom(...Object.keys(WRAPPERS));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), wrap, (depth, kind) => {
        const leaf = kind === '$in array' ? 1 : { price: { $gt: 1 } };
        const inner = nested(depth, WRAPPERS[kind]!, leaf);
        const filter =
          kind === '$in array'
            ? { price: { $in: inner } }
            : kind === 'field $not'
              ? { price: nested(depth, WRAPPERS[kind]!, { $gt: 1 }) }
              : inner;
        try {
          parseFilter(filter, schema);
          counts.parsed++;
          expect(depth).toBeLessThanOrEqual(MAX_FILTER_DEPTH + 1);
        } catch (error) {
          if (!(error instanceof InvalidQueryError)) throw error;
          counts.rejected++;
          if (depth > MAX_FILTER_DEPTH + 1 && kind !== '$in array' && kind !== 'object value') {
            expect(error.message).toContain(`nesting deeper than ${MAX_FILTER_DEPTH} levels`);
          }
        }
      }),
      { seed, numRuns: fuzzRuns(300) },
    );
  });

  it('wide filters: past the node or value limits rejected naming the limit; below them parsed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * MAX_FILTER_NODES }), (width) => {
        // {$or: [{price: i}, …]}: one node for $or, then each child is two (its document and its field).
        const filter = { $or: Array.from({ length: width }, (_, i) => ({ price: i })) };
        const nodes = 1 + 2 * width;
        if (nodes <= MAX_FILTER_NODES) expect(parsesOrRejects(filter)).toBe(true);
        else expect(() => parseFilter(filter, schema)).toThrow(`the limit is ${MAX_FILTER_NODES}`);
      }),
      { seed, numRuns: fuzzRuns(60) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * MAX_FILTER_VALUES }), (width) => {
        const filter = { price: { $in: Array.from({ length: width }, (_, i) => i) } };
        if (width <= MAX_FILTER_VALUES) expect(parsesOrRejects(filter)).toBe(true);
        else expect(() => parseFilter(filter, schema)).toThrow(`the limit is ${MAX_FILTER_VALUES}`);
      }),
      { seed, numRuns: fuzzRuns(60) },
    );
  });

  it('messages never echo a huge name back', () => {
    const name = 'x'.repeat(1_000_000);
    expect(() => parseFilter({ [name]: 1 }, schema)).toThrow(
      /unknown attribute `x{64}… \(1000000 characters\)`/,
    );
  });
});

// --- valid filters: superset and reference -------------------------------------------------------------

/** Operands per attribute: values that occur in the rows plus values that do not. */
function pool(name: string): unknown[] {
  const seen = new Set<unknown>();
  for (const row of rows.slice(0, 200)) {
    const value = row[name];
    if (Array.isArray(value)) for (const v of value) seen.add(v);
    else if (value !== null && value !== undefined) seen.add(value);
  }
  return [...seen];
}

const kindOf = (name: string) => schema.attributes.find((a) => a.name === name)!.kind;

function operand(name: string): fc.Arbitrary<unknown> {
  const values = fc.constantFrom(...pool(name));
  if (kindOf(name) !== 'number')
    return fc.oneof({ weight: 4, arbitrary: values }, fc.string({ maxLength: 6 }));
  return fc.oneof(
    { weight: 4, arbitrary: values },
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -10, max: 300 }),
    fc.constantFrom(-0, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE),
  );
}

function condition(name: string, depth: number): fc.Arbitrary<unknown> {
  const ordering = kindOf(name) === 'number' ? ['$gt', '$gte', '$lt', '$lte'] : [];
  const operators = ['$eq', '$ne', '$in', '$nin', '$exists', ...ordering, ...(depth < 2 ? ['$not'] : [])];
  const entry = fc.constantFrom(...operators).chain((operator): fc.Arbitrary<[string, unknown]> => {
    switch (operator) {
      case '$in':
      case '$nin':
        return fc.array(operand(name), { minLength: 1, maxLength: 5 }).map((values) => [operator, values]);
      case '$exists':
        return fc.boolean().map((flag) => [operator, flag]);
      case '$not':
        return condition(name, depth + 1).map((inner) => [
          operator,
          typeof inner === 'object' && inner !== null ? inner : { $eq: inner },
        ]);
      default:
        return operand(name).map((value) => [operator, value]);
    }
  });
  return fc.oneof(
    operand(name),
    fc.array(entry, { minLength: 1, maxLength: 3 }).map((entries) => Object.fromEntries(entries)),
  );
}

const names = schema.attributes.map((a) => a.name);
const field = fc
  .constantFrom(...names)
  .chain((name) => condition(name, 0).map((c): [string, unknown] => [name, c]));
const { filter: validFilter } = fc.letrec((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.array(field, { minLength: 1, maxLength: 3 }).map((entries) => Object.fromEntries(entries)),
    fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map((children) => ({ $and: children })),
    fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map((children) => ({ $or: children })),
    tie('filter').map((child) => ({ $not: child })),
    fc.constant({}),
  ),
}));

describe('valid filters: quantized candidates ⊇ exact matches = reference evaluation', () => {
  it('holds on every row for generated filters', () => {
    const out = new Uint32Array(N);
    fc.assert(
      fc.property(validFilter, (filter) => {
        const compiled = compileFilter(parseFilter(filter, schema), schema, quantizer, table.dictionaries);
        counts.compiled++;
        const mask = compiled.exactMask(table);
        const count = compiled.candidates(codes, N, out);
        expect(compiled.countCandidates(codes, N)).toBe(count);
        const isCandidate = new Uint8Array(N);
        for (let i = 0; i < count; i++) isCandidate[out[i]!] = 1;
        for (let row = 0; row < N; row++) {
          const want = evaluateFilter(filter as Row, rows[row]!);
          counts.rowsChecked++;
          if (
            mask[row] !== (want ? 1 : 0) ||
            compiled.matches(table, row) !== want ||
            (want && !isCandidate[row])
          ) {
            throw new Error(
              `row ${row} ${JSON.stringify(rows[row])}: reference ${want}, exact mask ${mask[row]}, ` +
                `matches ${compiled.matches(table, row)}, candidate ${isCandidate[row]}`,
            );
          }
        }
      }),
      { seed, numRuns: fuzzRuns(400) },
    );
  });
});
