/** A reader's filter compiler: one compiled filter per distinct filter, however the queries spell it. */
import { describe, expect, it } from 'vitest';
import { IndexReader } from '../../../shared/index/index-reader.ts';
import { jsonTemplate, sameJson } from '../../../shared/same-json.ts';
import { withPrefix } from '../../../shared/store/index.ts';
import { buildTestStore, INDEX } from '../functions/test-stack.ts';

describe('sameJson', () => {
  it('says yes exactly when the value equals the known JSON value, whatever the order of their keys', () => {
    const cases: [unknown, unknown, boolean][] = [
      [{ u: { $lt: 0.5 } }, { u: { $lt: 0.5 } }, true],
      [{ u: { $lt: 0.5 } }, { u: { $lt: 0.25 } }, false],
      [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
      [{ a: 1, b: 2 }, { a: 1 }, false],
      [{ a: 1 }, { a: 1, b: 2 }, false],
      [{ a: 1, b: 2 }, { a: 1, c: 2 }, false],
      [{ $and: [{ u: 1 }, { category: 'c1' }] }, { $and: [{ u: 1 }, { category: 'c1' }] }, true],
      [{ $and: [{ u: 1 }] }, { $and: [{ u: 1 }, { u: 1 }] }, false],
      [{ tags: ['a', 'b'] }, { tags: ['b', 'a'] }, false],
      [{ u: 1 }, { u: '1' }, false],
      [{ u: null }, { u: null }, true],
      [{ u: undefined }, { u: null }, false],
      [{ u: undefined, v: 1 }, { w: 2, v: 1 }, false],
      [{ u: null }, {}, false],
      [{}, { u: null }, false],
      [[1, 2], { 0: 1, 1: 2 }, false],
      [{ 0: 1, 1: 2 }, [1, 2], false],
      [null, null, true],
      ['x', 'x', true],
      [null, {}, false],
      [{}, null, false],
    ];
    for (const [a, b, same] of cases) {
      expect(sameJson(a, jsonTemplate(b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(same);
    }
  });

  it('says no for a value not built of plain JSON values, even when its keys agree', () => {
    expect(sameJson({ at: new Date(0) }, jsonTemplate({ at: {} }))).toBe(false);
    expect(sameJson(new Map(), jsonTemplate({}))).toBe(false);
    expect(sameJson(Float32Array.of(1), jsonTemplate({ 0: 1 }))).toBe(false);
    expect(sameJson({ u: Number.NaN }, jsonTemplate({ u: Number.NaN }))).toBe(false);
    class Range {
      $lt = 1;
    }
    expect(sameJson({ u: new Range() }, jsonTemplate({ u: { $lt: 1 } }))).toBe(false);
  });
});

describe('filterCompiler', () => {
  it('shares one compiled filter among equal filters, consecutive or not, and keeps different ones apart', async () => {
    const reader = await IndexReader.open(withPrefix(await buildTestStore(), INDEX), { allocator: false });
    const compile = reader.filterCompiler();
    const low = compile({ u: { $lt: 0.1 } });
    expect(compile({ u: { $lt: 0.1 } })).toBe(low);
    const high = compile({ u: { $gte: 0.9 } });
    expect(high).not.toBe(low);
    expect(compile({ u: { $lt: 0.1 } })).toBe(low);
    expect(compile({ u: { $gte: 0.9 } })).toBe(high);
    const both = compile({ u: { $gte: 0.1, $lt: 0.9 } });
    expect(compile({ u: { $lt: 0.9, $gte: 0.1 } })).toBe(both);
    expect(compile(null)).toBe(compile(undefined));
    expect(() => compile({ nope: 1 })).toThrow(/nope/);
    expect(compile({ u: { $lt: 0.1 } })).toBe(low);
  });

  it('keeps its compiled filters across calls, and follows a filter object the caller changed', async () => {
    const reader = await IndexReader.open(withPrefix(await buildTestStore(), INDEX), { allocator: false });
    const filter = { u: { $lt: 0.1 } };
    const low = reader.filterCompiler()(filter);
    expect(reader.filterCompiler()({ u: { $lt: 0.1 } })).toBe(low);
    filter.u.$lt = 0.9;
    const high = reader.filterCompiler()(filter);
    expect(high).not.toBe(low);
    expect(high.matchesRecord({ u: 0.5 })).toBe(true);
    expect(low.matchesRecord({ u: 0.5 })).toBe(false);
  });

  it('refuses a filter that only serialises like a kept one (or not at all) as it would without the cache', async () => {
    const reader = await IndexReader.open(withPrefix(await buildTestStore(), INDEX), { allocator: false });
    const compile = reader.filterCompiler();
    const problem = (run: () => unknown) => {
      try {
        run();
        return 'compiled';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    };
    const cases: [unknown, unknown][] = [
      [{ score: { $lt: 10n } }, { score: { $lt: 10 } }],
      [{ category: new Date(0) }, { category: '1970-01-01T00:00:00.000Z' }],
      [{ category: { toJSON: () => 'c1' } }, { category: 'c1' }],
      [{ score: undefined, category: 'c1' }, { category: 'c1' }],
      [{ score: { $lt: Number.NaN } }, { score: { $lt: null } }],
    ];
    for (const [odd, plain] of cases) {
      const uncached = problem(() => reader.compileFilter(odd));
      expect(uncached).toMatch(/^InvalidQueryError: filter: /);
      problem(() => compile(plain)); // kept, and the last one asked for
      expect(problem(() => compile(odd))).toBe(uncached);
      compile({ u: { $lt: 0.5 } }); // kept only, no longer the last one
      expect(problem(() => compile(odd))).toBe(uncached);
    }
  });
});
