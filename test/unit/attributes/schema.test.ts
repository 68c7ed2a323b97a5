import { describe, expect, it } from 'vitest';
import { inferSchema, parseSchema } from '../../../shared/attributes/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';

function inputError(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('parseSchema', () => {
  it('accepts a schema file', () => {
    const json = {
      attributes: [
        { name: 'price', kind: 'number' },
        { name: 'color', kind: 'category' },
        { name: 'tags', kind: 'tags' },
      ],
    };
    expect(parseSchema(JSON.parse(JSON.stringify(json)))).toEqual(json);
    expect(parseSchema({ attributes: [] })).toEqual({ attributes: [] });
  });

  it.each([
    [
      { attributes: [{ name: 'price', kind: 'text' }] },
      /attributes\[0\]\.kind: .*"number"\|"category"\|"tags"/,
    ],
    [
      { attributes: [{ name: '', kind: 'number' }] },
      /attributes\[0\]\.name: attribute names must not be empty/,
    ],
    [
      { attributes: [{ name: '$price', kind: 'number' }] },
      /attributes\[0\]\.name: .*must not start with `\$`/,
    ],
    [
      {
        attributes: [
          { name: 'a', kind: 'number' },
          { name: 'a', kind: 'tags' },
        ],
      },
      /attributes\[1\]\.name: attribute `a` is declared twice/,
    ],
    [{ attributes: [{ name: 'a', kind: 'number', unit: 'kg' }] }, /attributes\[0\]: .*unit/],
    [{ fields: [] }, /attribute schema: /],
    [[1, 2], /attribute schema: \(root\)/],
  ])('rejects %j', (json, message) => {
    const error = inputError(() => parseSchema(json));
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/^attribute schema: /);
  });
});

describe('inferSchema', () => {
  it('infers kinds in first-seen order, skipping missing values', () => {
    const schema = inferSchema([
      { price: null, color: 'red' },
      { price: 3.5, tags: [] },
      { tags: ['a', 'b'], size: 2, color: null },
      {},
    ]);
    expect(schema).toEqual({
      attributes: [
        { name: 'price', kind: 'number' },
        { name: 'color', kind: 'category' },
        { name: 'tags', kind: 'tags' },
        { name: 'size', kind: 'number' },
      ],
    });
  });

  it('treats an attribute seen only as [] as tags', () => {
    expect(inferSchema([{ t: [] }, { t: null }])).toEqual({ attributes: [{ name: 't', kind: 'tags' }] });
  });

  it('accepts any iterable, e.g. a generator over a file', () => {
    function* rows(): Generator<Record<string, unknown>> {
      yield { a: 1 };
      yield { b: 'x' };
    }
    expect(inferSchema(rows()).attributes.map((a) => a.kind)).toEqual(['number', 'category']);
  });

  it.each([
    [
      [{ price: 1 }, { price: 2 }, { price: 'cheap' }],
      'attribute `price` has mixed types: row 2 has string "cheap", but row 0 made it number',
    ],
    [
      [{ color: 'red' }, { color: ['red'] }],
      'attribute `color` has mixed types: row 1 has an array of 1, but row 0 made it category',
    ],
    [
      [{ tags: [] }, { tags: 'a' }],
      'attribute `tags` has mixed types: row 1 has string "a", but row 0 made it tags',
    ],
    [[{ tags: ['a', 3] }], 'row 0: attribute `tags` element 1 is number 3; arrays must hold strings (tags)'],
    [
      [{ ok: true }],
      'row 0: attribute `ok` is boolean true; expected a number, a string or an array of strings',
    ],
    [[{ nested: { a: 1 } }], 'row 0: attribute `nested` is an object'],
    [[{ a: 1 }, { $a: 1 }], 'row 1: invalid attribute name "$a"'],
    [[{ a: 1 }, { b: null }], 'attribute `b` is null in every row'],
    [[{ a: 1 }, [1]], 'row 1: expected an object of attributes, received an array of 1'],
  ])('rejects %j', (rows, message) => {
    expect(inputError(() => inferSchema(rows as Record<string, unknown>[])).message).toContain(message);
  });
});
