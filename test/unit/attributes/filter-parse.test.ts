import { describe, expect, it } from 'vitest';
import { type AttributeSchema, type FilterAst, parseFilter } from '../../../shared/attributes/index.ts';
import { InvalidQueryError } from '../../../shared/errors/index.ts';

const schema: AttributeSchema = {
  attributes: [
    { name: 'price', kind: 'number' },
    { name: 'color', kind: 'category' },
    { name: 'tags', kind: 'tags' },
  ],
};

describe('parseFilter', () => {
  it.each<[unknown, FilterAst]>([
    [{ price: 5 }, { type: 'in', attribute: 0, values: [5] }],
    [{ color: { $in: ['red', 'blue'] } }, { type: 'in', attribute: 1, values: ['red', 'blue'] }],
    [{ tags: { $nin: ['a'] } }, { type: 'not', child: { type: 'in', attribute: 2, values: ['a'] } }],
    [
      { price: { $gt: 1, $lte: 5 } },
      {
        type: 'and',
        children: [
          { type: 'range', attribute: 0, operator: '$gt', value: 1 },
          { type: 'range', attribute: 0, operator: '$lte', value: 5 },
        ],
      },
    ],
    [
      { price: { $ne: 2 }, color: { $exists: false } },
      {
        type: 'and',
        children: [
          { type: 'not', child: { type: 'in', attribute: 0, values: [2] } },
          { type: 'not', child: { type: 'exists', attribute: 1 } },
        ],
      },
    ],
    [
      { $or: [{ color: 'red' }, { $not: { price: { $not: { $lt: 3 } } } }] },
      {
        type: 'or',
        children: [
          { type: 'in', attribute: 1, values: ['red'] },
          {
            type: 'not',
            child: { type: 'not', child: { type: 'range', attribute: 0, operator: '$lt', value: 3 } },
          },
        ],
      },
    ],
    [{ $and: [{ tags: 'x' }] }, { type: 'in', attribute: 2, values: ['x'] }],
    [{}, { type: 'and', children: [] }],
  ])('parses %j', (json, ast) => {
    expect(parseFilter(json, schema)).toEqual(ast);
  });

  it.each<[unknown, string]>([
    [{ colour: 'red' }, 'filter: unknown attribute `colour`; known attributes: price, color, tags'],
    [
      { $or: [{ price: 1 }, { size: 2 }] },
      'filter: unknown attribute `size`; known attributes: price, color, tags (at $or[1])',
    ],
    [{ color: { $gt: 'm' } }, 'filter: `$gt` needs a number attribute; `color` is a category attribute'],
    [{ tags: { $lte: 3 } }, 'filter: `$lte` needs a number attribute; `tags` is a tags attribute'],
    [
      { price: { $lt: Number.NaN } },
      'filter: `price` is a number attribute: $lt needs a finite number, received NaN',
    ],
    [
      { price: Number.POSITIVE_INFINITY },
      'filter: `price` is a number attribute: $eq needs a finite number, received Infinity',
    ],
    [{ price: '5' }, 'filter: `price` is a number attribute: $eq needs a finite number, received string "5"'],
    [
      { price: { $in: [1, Number.NaN] } },
      'filter: `price` is a number attribute: $in needs a finite number, received NaN',
    ],
    [{ color: 3 }, 'filter: `color` is a category attribute: $eq needs a string, received number 3'],
    [
      { color: null },
      'filter: `color` is a category attribute: $eq needs a string, received null (use {"$exists": false} to match a missing value)',
    ],
    [
      { tags: ['a', 'b'] },
      'filter: `tags` is a tags attribute: $eq needs a string, received an array of 2 (use $in to match any of several values)',
    ],
    [{ color: { $in: 'red' } }, 'filter: `$in` on `color` needs a non-empty array, received string "red"'],
    [{ color: { $nin: [] } }, 'filter: `$nin` on `color` needs a non-empty array, received an empty array'],
    [{ color: { $exists: 1 } }, 'filter: `$exists` on `color` needs true or false, received number 1'],
    [
      { color: { $regex: '^r' } },
      'filter: unknown operator `$regex` on `color`; supported: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not',
    ],
    [
      { $nor: [{ price: 1 }] },
      'filter: unknown operator `$nor`; expected an attribute name or one of $and, $or, $not',
    ],
    [{ $gt: 5 }, 'filter: operator `$gt` must be applied to an attribute, as in {"price": {"$gt": …}}'],
    [{ $and: [] }, 'filter: `$and` needs a non-empty array of filters, received an empty array'],
    [{ $or: { price: 1 } }, 'filter: `$or` needs a non-empty array of filters, received an object'],
    [
      { $and: [{ price: 1 }, 'x'] },
      'filter: expected an object such as {"price": {"$lt": 20}}, received string "x" (at $and[1])',
    ],
    [
      { price: { $not: 5 } },
      'filter: `$not` on `price` needs an operator object such as {"$gt": 5}, received number 5',
    ],
    [{ price: {} }, 'filter: `price` has an empty operator object; expected e.g. {"$eq": …}'],
    [
      { price: { min: 1 } },
      'filter: `price` expects a value or an operator object, received an object with key `min` (nested attributes are not supported)',
    ],
    [[{ price: 1 }], 'filter: expected an object such as {"price": {"$lt": 20}}, received an array of 1'],
    [null, 'filter: expected an object such as {"price": {"$lt": 20}}, received null'],
    [
      { $not: { $and: [{ $or: [{ $not: 3 }] }] } },
      'filter: expected an object such as {"price": {"$lt": 20}}, received number 3 (at $not.$and[0].$or[0].$not)',
    ],
  ])('rejects %j', (json, message) => {
    let error: unknown;
    try {
      parseFilter(json, schema);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidQueryError);
    expect((error as InvalidQueryError).code).toBe('INVALID_QUERY');
    expect((error as Error).message).toBe(message);
  });

  it('bounds nesting depth', () => {
    let deep: unknown = { price: 1 };
    for (let i = 0; i < 40; i++) deep = { $not: deep };
    expect(() => parseFilter(deep, schema)).toThrow(
      /^filter: nesting deeper than 32 levels \(at (\$not\.){32}\$not\)$/,
    );
    let shallow: unknown = { price: 1 };
    for (let i = 0; i < 30; i++) shallow = { $not: shallow };
    expect(() => parseFilter(shallow, schema)).not.toThrow();
  });
});
