import { describe, expect, it } from 'vitest';
import {
  AttributeQuantizer,
  type AttributeSchema,
  AttributeTable,
  MISSING_CODE,
} from '../../../shared/attributes/index.ts';
import { IndexFormatError } from '../../../shared/errors/index.ts';
import { createRng } from '../../../shared/random.ts';
import { generateRows, schema as randomSchema } from './random-attributes.ts';

const numberSchema: AttributeSchema = { attributes: [{ name: 'x', kind: 'number' }] };

function quantizeNumbers(values: (number | null)[]): { quantizer: AttributeQuantizer; codes: Uint8Array } {
  const table = AttributeTable.fromRows(
    numberSchema,
    values.map((x) => ({ x })),
  );
  const quantizer = AttributeQuantizer.train(table);
  return { quantizer, codes: quantizer.encode(table) };
}

function histogram(codes: Uint8Array): Uint32Array {
  const counts = new Uint32Array(256);
  for (const code of codes) counts[code] = counts[code]! + 1;
  return counts;
}

describe('AttributeQuantizer: numbers', () => {
  it('gives few distinct values point cells, with the gaps between them on even codes', () => {
    const { quantizer, codes } = quantizeNumbers([3, 1, null, 5, 3, 1]);
    expect(quantizer.toJSON().attributes[0]).toEqual({
      name: 'x',
      kind: 'number',
      points: true,
      cuts: [1, 3, 5],
    });
    expect([...codes]).toEqual([3, 1, MISSING_CODE, 5, 3, 1]);
    // Values never seen at training still land in a cell that covers them (the gaps).
    const table = AttributeTable.fromRows(numberSchema, [{ x: 0 }, { x: 2 }, { x: 4 }, { x: 9 }, { x: 1 }]);
    expect([...quantizer.encode(table)]).toEqual([0, 2, 4, 6, 1]);
  });

  it('gives up to 255 distinct values one interval cell each', () => {
    const values = Array.from({ length: 2000 }, (_, i) => (i * 7) % 200);
    const { quantizer, codes } = quantizeNumbers(values);
    const json = quantizer.toJSON().attributes[0] as { points: boolean; cuts: number[] };
    expect(json.points).toBe(false);
    expect(json.cuts).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect([...codes]).toEqual(values);
  });

  it('cuts many distinct values into 255 equal-population cells, in value order', () => {
    const rng = createRng(1);
    const values = Array.from({ length: 25_500 }, () => rng.normal());
    const { codes } = quantizeNumbers(values);
    const counts = histogram(codes);
    for (let code = 0; code < 255; code++) expect(counts[code]).toBe(100);
    const order = values.map((x, i) => [x, codes[i]!] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < order.length; i++) expect(order[i]![1]).toBeGreaterThanOrEqual(order[i - 1]![1]);
  });

  it('gives a heavy value one cell and spreads the other cells over the rest', () => {
    const rng = createRng(2);
    const values = Array.from({ length: 20_000 }, (_, i) => (i % 10 === 0 ? rng.next() : 0.5));
    const { codes } = quantizeNumbers(values);
    const counts = histogram(codes);
    // The heavy value's interval cell [0.5, next cut) also holds the few values just above it.
    const heavy = codes[1]!;
    expect(counts[heavy]).toBeGreaterThanOrEqual(18_000);
    expect(counts[heavy]).toBeLessThanOrEqual(18_000 + 80);
    const used = counts.filter((count) => count > 0).length;
    expect(used).toBeGreaterThan(240);
    const others = [...counts].filter((count, code) => count > 0 && code !== heavy);
    expect(Math.max(...others)).toBeLessThanOrEqual(12);
  });

  it('handles a column with no values at all', () => {
    const { quantizer, codes } = quantizeNumbers([null, null]);
    expect([...codes]).toEqual([MISSING_CODE, MISSING_CODE]);
    const table = AttributeTable.fromRows(numberSchema, [{ x: 4 }]);
    expect([...quantizer.encode(table)]).toEqual([0]);
  });
});

describe('AttributeQuantizer: categories and tags', () => {
  const schema: AttributeSchema = {
    attributes: [
      { name: 'c', kind: 'category' },
      { name: 't', kind: 'tags' },
    ],
  };

  it('uses dictionary codes and tag bits directly for small dictionaries', () => {
    const table = AttributeTable.fromRows(schema, [
      { c: 'b', t: ['z', 'x'] },
      { c: 'a', t: [] },
      { t: ['y'] },
    ]);
    const codes = AttributeQuantizer.train(table).encode(table);
    // Attribute-major: c for rows 0..2, then t for rows 0..2. Tags x=0, y=1, z=2.
    expect([...codes]).toEqual([1, 0, MISSING_CODE, 0b101, 0, 0b010]);
  });

  it('folds large dictionaries into balanced buckets, a frequent value alone in its bucket', () => {
    const rng = createRng(3);
    const rows = Array.from({ length: 6000 }, (_, i) => ({
      c: i % 3 === 0 ? 'frequent' : `v${rng.int(1000)}`,
      t: i % 3 === 0 ? ['common'] : [`t${rng.int(50)}`],
    }));
    const table = AttributeTable.fromRows(schema, rows);
    const quantizer = AttributeQuantizer.train(table);
    const codes = quantizer.encode(table);
    const n = rows.length;
    const categoryCodes = codes.subarray(0, n);
    const frequentBucket = categoryCodes[0]!;
    rows.forEach((row, i) => {
      expect(categoryCodes[i]).toBeLessThan(255);
      if (row.c !== 'frequent') expect(categoryCodes[i]).not.toBe(frequentBucket);
    });
    const counts = histogram(categoryCodes);
    const others = [...counts].filter((count, code) => count > 0 && code !== frequentBucket);
    expect(Math.max(...others) - Math.min(...others)).toBeLessThanOrEqual(6);
    // One bit per row (single tags); the common tag owns its bit.
    const tagMasks = codes.subarray(n);
    const commonBit = tagMasks[0]!;
    rows.forEach((row, i) => {
      expect(tagMasks[i]! & (tagMasks[i]! - 1)).toBe(0);
      expect(tagMasks[i] === commonBit).toBe(row.t[0] === 'common');
    });
  });
});

describe('AttributeQuantizer JSON', () => {
  const rows = generateRows(9, 3000);
  const table = AttributeTable.fromRows(randomSchema, rows);
  const quantizer = AttributeQuantizer.train(table);

  it('round-trips through the manifest and encodes identically', () => {
    const text = JSON.stringify(quantizer);
    const again = AttributeQuantizer.fromJSON(JSON.parse(text), randomSchema);
    expect(again.toJSON()).toEqual(quantizer.toJSON());
    expect(again.encode(table)).toEqual(quantizer.encode(table));
    // Compact: cut values and base64 bucket maps only.
    expect(text.length).toBeLessThan(12_000);
  });

  it('rejects malformed or mismatched JSON with IndexFormatError', () => {
    const good = quantizer.toJSON();
    const withAttribute = (a: number, patch: Record<string, unknown>): unknown => ({
      ...good,
      attributes: good.attributes.map((entry, i) => (i === a ? { ...entry, ...patch } : entry)),
    });
    const cases: [unknown, AttributeSchema, string | RegExp][] = [
      [{ ...good, version: 2 }, randomSchema, /^attribute quantizer: version: /],
      [
        withAttribute(0, { cuts: [2, 1] }),
        randomSchema,
        /`price` needs 1\.\.255 strictly ascending finite cuts; received 2/,
      ],
      [
        withAttribute(1, { cuts: Array.from({ length: 128 }, (_, i) => i) }),
        randomSchema,
        /`rating` needs 0\.\.127 strictly/,
      ],
      [
        withAttribute(4, { buckets: 'AAEC' }),
        randomSchema,
        /`brand` needs a bucket map of 390 bytes below 255; received 3 bytes/,
      ],
      [
        withAttribute(3, { buckets: 'AAEC' }),
        randomSchema,
        /`color` has a bucket map for 6 values; expected none up to 255/,
      ],
      [
        withAttribute(3, { kind: 'tags' }),
        randomSchema,
        /attribute 3 is `color` \(tags\); the schema declares `color` \(category\)/,
      ],
      [good, { attributes: randomSchema.attributes.slice(1) }, /7 attributes; the schema declares 6/],
      [{ attributes: [] }, randomSchema, /^attribute quantizer: version: /],
    ];
    for (const [json, schema, message] of cases) {
      let error: unknown;
      try {
        AttributeQuantizer.fromJSON(json, schema);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(IndexFormatError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
