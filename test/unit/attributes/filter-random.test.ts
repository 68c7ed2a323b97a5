import { describe, expect, it } from 'vitest';
import {
  AttributeQuantizer,
  AttributeTable,
  type CompiledFilter,
  compileFilter,
  parseFilter,
} from '../../../shared/attributes/index.ts';
import { createRng } from '../../../shared/random.ts';
import {
  evaluateFilter,
  exactAttributes,
  FilterGenerator,
  generateRows,
  type Row,
  schema,
} from './random-attributes.ts';

const N = 3000;
const rows = generateRows(7, N);
const table = AttributeTable.fromRows(schema, rows);
const quantizer = AttributeQuantizer.train(table);
const codes = quantizer.encode(table);

function compile(filter: Row): CompiledFilter {
  return compileFilter(parseFilter(filter, schema), schema, quantizer, table.dictionaries);
}

function candidateSet(compiled: CompiledFilter, attributeCodes: Uint8Array, n: number): Uint32Array {
  const out = new Uint32Array(n);
  const count = compiled.candidates(attributeCodes, n, out);
  expect(compiled.countCandidates(attributeCodes, n)).toBe(count);
  return out.slice(0, count);
}

describe('filters on seeded random data', () => {
  it('exact matches agree with an independent evaluator; quantized candidates are a superset', () => {
    const generator = new FilterGenerator(11, rows);
    let exactTotal = 0;
    let candidateTotal = 0;
    for (let f = 0; f < 600; f++) {
      const filter = generator.filter();
      const compiled = compile(filter);
      const expected = rows.map((row) => evaluateFilter(filter, row));
      const mask = compiled.exactMask(table);
      const candidates = candidateSet(compiled, codes, N);
      const isCandidate = new Uint8Array(N);
      for (const row of candidates) isCandidate[row] = 1;
      for (let row = 0; row < N; row++) {
        const want = expected[row]!;
        if (
          compiled.matches(table, row) !== want ||
          mask[row] !== (want ? 1 : 0) ||
          (want && !isCandidate[row])
        ) {
          throw new Error(
            `filter ${JSON.stringify(filter)} on row ${row} ${JSON.stringify(rows[row])}: expected ${want}, ` +
              `matches ${compiled.matches(table, row)}, mask ${mask[row]}, candidate ${isCandidate[row]}`,
          );
        }
        exactTotal += want ? 1 : 0;
      }
      candidateTotal += candidates.length;
      // Candidates are ascending, distinct rows.
      expect(candidates.every((row, i) => i === 0 || row > candidates[i - 1]!)).toBe(true);
    }
    // The generator produces selective and unselective filters alike, and the superset stays close.
    expect(exactTotal).toBeGreaterThan(0.2 * 600 * N);
    expect(exactTotal).toBeLessThan(0.8 * 600 * N);
    expect(candidateTotal).toBeLessThan(1.08 * exactTotal);
  });

  it('is exact on the quantized codes for point cells, small dictionaries and few tags', () => {
    const generator = new FilterGenerator(12, rows, exactAttributes);
    for (let f = 0; f < 400; f++) {
      const filter = generator.filter();
      const compiled = compile(filter);
      const expected = rows.reduce((count, row) => count + (evaluateFilter(filter, row) ? 1 : 0), 0);
      const count = compiled.countCandidates(codes, N);
      if (count !== expected) {
        throw new Error(`filter ${JSON.stringify(filter)}: ${count} candidates, ${expected} exact matches`);
      }
    }
  });

  it('category $eq/$in on a small dictionary selects exactly the matching rows', () => {
    for (const filter of [{ color: 'red' }, { color: { $in: ['blue', 'Ünïcode', 'purple'] } }]) {
      const compiled = compile(filter);
      const expected = rows.flatMap((row, i) => (evaluateFilter(filter, row) ? [i] : []));
      expect([...candidateSet(compiled, codes, N)]).toEqual(expected);
    }
  });

  it('a number range has false positives only in the cells holding its bounds', () => {
    const rng = createRng(5);
    const cellRows = Math.ceil(N / 255) + 1;
    for (let t = 0; t < 50; t++) {
      const low = 20 + rng.next() * 30;
      const filter = { price: { $gt: low, $lte: low + rng.next() * 30 } };
      const compiled = compile(filter);
      const exact = rows.filter((row) => evaluateFilter(filter, row)).length;
      const count = compiled.countCandidates(codes, N);
      expect(count).toBeGreaterThanOrEqual(exact);
      expect(count - exact).toBeLessThanOrEqual(2 * cellRows);
    }
  });

  it('gives the same answers on a selected, encoded and decoded partition', () => {
    const members = Uint32Array.from({ length: 700 }, (_, i) => (i * 7 + 3) % N).sort();
    const part = AttributeTable.decode(table.select(members).encode(), schema, table.dictionaries);
    const partCodes = quantizer.encode(part);
    const gathered = new Uint8Array(partCodes.length);
    for (let a = 0; a < schema.attributes.length; a++) {
      for (let i = 0; i < members.length; i++) gathered[a * members.length + i] = codes[a * N + members[i]!]!;
    }
    expect(partCodes).toEqual(gathered);
    const generator = new FilterGenerator(13, rows);
    for (let f = 0; f < 100; f++) {
      const filter = generator.filter();
      const compiled = compile(filter);
      const candidates = new Set(candidateSet(compiled, partCodes, members.length));
      const expected = [...members].map((row) => evaluateFilter(filter, rows[row]!));
      expect(expected.map((_, i) => compiled.matches(part, i))).toEqual(expected);
      expect(expected.filter((want, i) => want && !candidates.has(i))).toEqual([]);
    }
  });

  it('without a filter, matches everything', () => {
    const compiled = compileFilter(null, schema, quantizer, table.dictionaries);
    expect(compiled.matchesAll).toBe(true);
    expect(compiled.countCandidates(codes, N)).toBe(N);
    expect(compiled.matches(table, 0)).toBe(true);
    expect(compile({}).matchesAll).toBe(true);
  });

  it('folds a filter that cannot match on the codes to zero without reading them', () => {
    const compiled = compile({ color: 'purple' });
    expect(compiled.countCandidates(new Uint8Array(0), N)).toBe(0);
    expect(
      compile({ $or: [{ color: 'purple' }, { brand: 'zzz' }] }).countCandidates(new Uint8Array(0), N),
    ).toBe(0);
    // …and still checks the codes' size when it has to read them.
    expect(() => compile({ color: 'red' }).countCandidates(new Uint8Array(10), N)).toThrow(
      /attribute codes hold 10 bytes/,
    );
  });
});
