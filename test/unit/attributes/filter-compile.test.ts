import { describe, expect, it } from 'vitest';
import {
  AttributeQuantizer,
  type AttributeSchema,
  AttributeTable,
  compileFilter,
  parseFilter,
} from '../../../shared/attributes/index.ts';
import { IndexFormatError, InvalidInputError } from '../../../shared/errors/index.ts';
import { schema } from './small-schema.ts';

const rows = [
  { price: 5, color: 'red', tags: ['a', 'b'] }, // 0
  { price: 15, color: 'blue', tags: ['b'] }, // 1
  { price: 25, tags: [] }, // 2
  { color: 'red' }, // 3
  { price: 15, color: 'green', tags: ['c'] }, // 4
];
const table = AttributeTable.fromRows(schema, rows);
const quantizer = AttributeQuantizer.train(table);
const codes = quantizer.encode(table);

function matching(filter: unknown): number[] {
  const compiled = compileFilter(parseFilter(filter, schema), schema, quantizer, table.dictionaries);
  const exact = rows.flatMap((_, row) => (compiled.matches(table, row) ? [row] : []));
  // Every attribute here is quantized exactly (point cells, small dictionaries), so both tests agree.
  const out = new Uint32Array(rows.length);
  expect([...out.subarray(0, compiled.candidates(codes, rows.length, out))]).toEqual(exact);
  return exact;
}

describe('filter semantics (Mongo-like)', () => {
  it.each<[unknown, number[]]>([
    [{ price: 15 }, [1, 4]],
    [{ price: { $gte: 15 } }, [1, 2, 4]],
    [{ price: { $gt: 5, $lt: 25 } }, [1, 4]],
    [{ price: { $lt: 100 } }, [0, 1, 2, 4]], // comparisons on a missing value are false
    [{ price: { $ne: 15 } }, [0, 2, 3]], // $ne matches missing
    [{ price: { $nin: [5, 25] } }, [1, 3, 4]], // $nin matches missing
    [{ price: { $not: { $gt: 10 } } }, [0, 3]], // $not matches missing
    [{ price: { $exists: false } }, [3]],
    [{ color: 'red' }, [0, 3]],
    [{ color: { $in: ['blue', 'purple'] } }, [1]],
    [{ color: 'purple' }, []], // a value absent from the dictionary matches nothing
    [{ color: { $ne: 'purple' } }, [0, 1, 2, 3, 4]],
    [{ tags: 'b' }, [0, 1]], // contains
    [{ tags: { $in: ['a', 'c'] } }, [0, 4]], // contains any
    [{ tags: { $ne: 'b' } }, [2, 3, 4]], // contains none; [] and absent are "no tags"
    [{ tags: { $nin: ['a', 'c'] } }, [1, 2, 3]],
    [{ tags: { $exists: true } }, [0, 1, 4]],
    [{ $or: [{ color: 'red' }, { price: { $gt: 20 } }] }, [0, 2, 3]],
    [{ $not: { $or: [{ color: 'red' }, { price: { $gt: 20 } }] } }, [1, 4]],
    [{ $and: [{ color: { $exists: true } }, { $not: { tags: 'a' } }] }, [1, 3, 4]],
  ])('%j matches rows %j', (filter, expected) => {
    expect(matching(filter)).toEqual(expected);
  });

  it('checks the exact filter against the dictionaries of the table it is given', () => {
    const compiled = compileFilter(
      parseFilter({ color: 'green' }, schema),
      schema,
      quantizer,
      table.dictionaries,
    );
    const other = AttributeTable.fromRows(schema, [{ color: 'green' }, { color: 'aqua' }, { color: 'red' }]);
    expect([0, 1, 2].map((row) => compiled.matches(other, row))).toEqual([true, false, false]);
    expect([...compiled.exactMask(other)]).toEqual([1, 0, 0]);
  });

  it('refuses a quantizer or dictionaries from another index', () => {
    const ast = parseFilter({ color: 'red' }, schema);
    expect(() => compileFilter(ast, schema, quantizer, [[], ['red'], ['a', 'b', 'c']])).toThrow(
      IndexFormatError,
    );
    expect(() => compileFilter(ast, schema, quantizer, [[], ['red'], ['a', 'b', 'c']])).toThrow(
      'compileFilter: `color` has a dictionary of 1 entries; the quantizer was trained with 3',
    );
    const otherSchema: AttributeSchema = { attributes: [{ name: 'color', kind: 'category' }] };
    expect(() => compileFilter(ast, otherSchema, quantizer, [['red']])).toThrow(InvalidInputError);
  });

  it('refuses an output buffer too small for n rows', () => {
    const compiled = compileFilter(
      parseFilter({ color: 'red' }, schema),
      schema,
      quantizer,
      table.dictionaries,
    );
    expect(() => compiled.candidates(codes, rows.length, new Uint32Array(2))).toThrow(
      'candidates: output holds 2 rows; expected room for 5',
    );
  });
});
