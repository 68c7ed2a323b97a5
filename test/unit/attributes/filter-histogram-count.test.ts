import { describe, expect, it } from 'vitest';
import {
  AttributeQuantizer,
  AttributeTable,
  compileFilter,
  parseFilter,
} from '../../../shared/attributes/index.ts';
import { createRng } from '../../../shared/random.ts';

describe('countFromHistograms', () => {
  const rng = createRng(12);
  const n = 3000;
  const schema = {
    attributes: [
      { name: 'price', kind: 'number' as const },
      { name: 'color', kind: 'category' as const },
    ],
  };
  const colors = ['red', 'green', 'blue', 'black'];
  const table = AttributeTable.fromRows(
    schema,
    Array.from({ length: n }, () => ({
      price: Math.floor(rng.next() * 1000) / 10,
      color: colors[rng.int(4)]!,
    })),
  );
  const quantizer = AttributeQuantizer.train(table);
  const codes = quantizer.encode(table);
  const histograms = new Uint32Array(2 * 256);
  for (let a = 0; a < 2; a++) for (let i = 0; i < n; i++) histograms[a * 256 + codes[a * n + i]!]!++;
  const compile = (json: unknown) =>
    compileFilter(parseFilter(json, schema), schema, quantizer, table.dictionaries);

  for (const json of [
    { color: 'red' },
    { color: { $in: ['red', 'blue'] } },
    { color: { $ne: 'red' } },
    { price: { $gte: 12.5, $lt: 50 } },
    { $or: [{ price: { $lt: 5 } }, { price: { $gt: 95 } }] },
    { $not: { price: { $lt: 30 } } },
  ]) {
    it(`single-attribute ${JSON.stringify(json)}: equals the pass over the codes`, () => {
      const filter = compile(json);
      expect(filter.countFromHistograms(histograms)).toBe(filter.countCandidates(codes, n));
    });
  }

  it('is undefined for filters over two attributes', () => {
    expect(compile({ color: 'red', price: { $lt: 10 } }).countFromHistograms(histograms)).toBeUndefined();
  });
});
