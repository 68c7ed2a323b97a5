/** The body bounds: nesting and value counts, checked without recursion, at the limits exactly. */
import { describe, expect, it } from 'vitest';
import {
  checkJsonBounds,
  MAX_JSON_DEPTH,
  MAX_JSON_VALUES,
} from '../../../functions/coordinator/json-bounds.ts';

const nested = (depth: number) => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`);

describe('checkJsonBounds', () => {
  it('accepts nesting up to the limit and rejects one level more, naming it', () => {
    expect(() => checkJsonBounds(nested(MAX_JSON_DEPTH), 'body')).not.toThrow();
    expect(() => checkJsonBounds(nested(MAX_JSON_DEPTH + 1), 'body')).toThrow(
      `body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; the limit is ${MAX_JSON_DEPTH}`,
    );
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(() => checkJsonBounds(nested(100_000), 'body')).toThrow('the limit is 128');
  });

  it('counts every value: the limit exactly passes, one more fails', () => {
    expect(() => checkJsonBounds(new Array(MAX_JSON_VALUES - 1).fill(0), 'body')).not.toThrow();
    expect(() => checkJsonBounds(new Array(MAX_JSON_VALUES).fill(0), 'body')).toThrow(
      `body holds more than ${MAX_JSON_VALUES} JSON values; the limit is ${MAX_JSON_VALUES}`,
    );
    expect(() => checkJsonBounds({ a: { b: [1, 2, { c: null }] } }, 'body')).not.toThrow();
    expect(() => checkJsonBounds('text', 'body')).not.toThrow();
  });
});
