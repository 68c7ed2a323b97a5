/**
 * Attribute names that are also Object.prototype members (`__proto__`, `constructor`, `toString`) are
 * ordinary names: inferred, stored, filtered on and returned like any other (issue 9). Before, a hit's
 * attributes object dropped `__proto__` without a word (`values["__proto__"] = …` sets the prototype).
 */
import { describe, expect, it } from 'vitest';
import {
  AttributeQuantizer,
  AttributeTable,
  compileFilter,
  inferSchema,
  parseFilter,
} from '../../../shared/attributes/index.ts';

const rows = [0, 1, 2, 3].map((i) =>
  JSON.parse(`{"__proto__": ["t${i % 2}"], "constructor": "c${i % 2}", "toString": ${i}}`),
);
const schema = inferSchema(rows);
const table = AttributeTable.fromRows(schema, rows);

describe('attributes named like Object.prototype members', () => {
  it('are inferred, stored and returned as own properties', () => {
    expect(schema.attributes.map(({ name, kind }) => `${name}:${kind}`)).toEqual([
      '__proto__:tags',
      'constructor:category',
      'toString:number',
    ]);
    const values = table.rowValues(1);
    expect(Object.keys(values)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(JSON.parse(JSON.stringify(values))).toEqual(
      JSON.parse('{"__proto__": ["t1"], "constructor": "c1", "toString": 1}'),
    );
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
  });

  it('are filtered on exactly, and pollute nothing', () => {
    const quantizer = AttributeQuantizer.train(table);
    const filter = JSON.parse('{"__proto__": "t1", "constructor": {"$in": ["c1"]}, "toString": {"$gte": 3}}');
    const compiled = compileFilter(parseFilter(filter, schema), schema, quantizer, table.dictionaries);
    expect(Array.from(compiled.exactMask(table))).toEqual([0, 0, 0, 1]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).t1).toBeUndefined();
  });
});
