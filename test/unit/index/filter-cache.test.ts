/** The compiled filters a reader keeps across calls: once per distinct filter, never stale, bounded. */
import { describe, expect, it } from 'vitest';
import type { CompiledFilter } from '../../../shared/attributes/index.ts';
import { FilterCache } from '../../../shared/index/filter-cache.ts';

/** A cache over a compiler that records what it compiled (its "compiled filter" is the JSON it got). */
function counting(capacity?: number) {
  const compiled: string[] = [];
  const cache = new FilterCache((json) => {
    if (JSON.stringify(json)?.includes('bad')) throw new Error(`bad filter ${JSON.stringify(json)}`);
    compiled.push(JSON.stringify(json ?? null));
    return { json: structuredClone(json) } as unknown as CompiledFilter;
  }, capacity);
  const jsonOf = (filter: CompiledFilter) => (filter as unknown as { json: unknown }).json;
  return { cache, compiled, jsonOf };
}

describe('FilterCache', () => {
  it('compiles each distinct filter once, however often it comes back', () => {
    const { cache, compiled } = counting();
    const a = cache.compile({ u: { $gte: 0.1, $lt: 0.5 } });
    expect(cache.compile({ u: { $lt: 0.5, $gte: 0.1 } })).toBe(a); // the last one, in another key order
    const b = cache.compile({ c: 'x' });
    expect(cache.compile({ c: 'x' })).toBe(b);
    expect(cache.compile({ u: { $gte: 0.1, $lt: 0.5 } })).toBe(a);
    expect(cache.compile(null)).toBe(cache.compile(undefined));
    expect(compiled).toEqual(['{"u":{"$gte":0.1,"$lt":0.5}}', '{"c":"x"}', 'null']);
  });

  it('answers for what the object holds now, when the caller changed it since the last call', () => {
    const { cache, jsonOf } = counting();
    const filter = { u: { $lt: 0.5 } };
    expect(jsonOf(cache.compile(filter))).toEqual({ u: { $lt: 0.5 } });
    filter.u.$lt = 0.25;
    expect(jsonOf(cache.compile(filter))).toEqual({ u: { $lt: 0.25 } });
    filter.u.$lt = 0.5;
    expect(jsonOf(cache.compile(filter))).toEqual({ u: { $lt: 0.5 } });
  });

  it('keeps at most its capacity, the least recently used going first', () => {
    const { cache, compiled } = counting(2);
    const a = cache.compile({ n: 1 });
    cache.compile({ n: 2 });
    expect(cache.compile({ n: 1 })).toBe(a); // {n: 1} is now the most recent
    cache.compile({ n: 3 }); // evicts {n: 2}
    expect(cache.size).toBe(2);
    expect(cache.compile({ n: 1 })).toBe(a);
    cache.compile({ n: 2 });
    expect(compiled).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":2}']);
  });

  it('keeps no failure: a bad filter fails on every call, and the good ones stay', () => {
    const { cache, compiled } = counting();
    const good = cache.compile({ n: 1 });
    expect(() => cache.compile({ bad: 1 })).toThrow(/bad filter/);
    expect(() => cache.compile({ bad: 1 })).toThrow(/bad filter/);
    expect(cache.compile({ n: 1 })).toBe(good);
    expect(cache.size).toBe(1);
    expect(compiled).toEqual(['{"n":1}']);
  });
});
