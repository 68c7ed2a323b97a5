import { describe, expect, it } from 'vitest';
import { LruCache, retainedBytes } from '../../../shared/cache/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';

describe('LruCache', () => {
  it('evicts least recently used entries until the new one fits the byte budget', () => {
    const cache = new LruCache<string>(100);
    expect(cache.set('a', 'A', 40)).toBe(true);
    expect(cache.set('b', 'B', 40)).toBe(true);
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    expect(cache.set('c', 'C', 30)).toBe(true); // 110 > 100: evict b (least recent)
    expect(cache.keys()).toEqual(['a', 'c']);
    expect(cache.usedBytes).toBe(70);
    expect(cache.set('d', 'D', 100)).toBe(true); // evicts everything else
    expect(cache.keys()).toEqual(['d']);
    expect(cache.usedBytes).toBe(100);
  });

  it('does not keep an entry larger than the budget, and replacing a key re-charges it', () => {
    const cache = new LruCache<string>(100);
    cache.set('a', 'A', 60);
    expect(cache.set('huge', 'H', 101)).toBe(false);
    expect(cache.keys()).toEqual(['a']);
    cache.set('a', 'A2', 10);
    expect(cache.get('a')).toBe('A2');
    expect(cache.usedBytes).toBe(10);
    cache.delete('a');
    expect(cache.size).toBe(0);
    expect(cache.usedBytes).toBe(0);
    expect(() => cache.set('x', 'X', -1)).toThrow(InvalidInputError);
    expect(() => new LruCache(1.5)).toThrow(
      'cache budget must be a non-negative integer of bytes, received 1.5',
    );
  });

  it('getOrLoad loads once for concurrent callers, caches the result and retries after a failure', async () => {
    const cache = new LruCache<number>(1000);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { value: 42, bytes: 10 };
    };
    const [first, second] = await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
    expect(first).toEqual({ value: 42, loaded: true });
    expect(second).toEqual({ value: 42, loaded: false });
    expect(await cache.getOrLoad('k', load)).toEqual({ value: 42, loaded: false });
    expect(loads).toBe(1);

    await expect(cache.getOrLoad('bad', () => Promise.reject(new Error('store down')))).rejects.toThrow(
      'store down',
    );
    expect(cache.has('bad')).toBe(false);
    expect(await cache.getOrLoad('bad', load)).toEqual({ value: 42, loaded: true });
  });
});

describe('retainedBytes', () => {
  it('sums the distinct buffers reachable through typed arrays, once each', () => {
    const shared = new ArrayBuffer(1000);
    const value = {
      a: new Uint8Array(shared, 0, 10),
      nested: { b: new Float32Array(shared, 16, 4), c: new Float64Array(8) },
      list: [new Uint32Array(5), 'text', 7],
      map: new Map([['x', new Int32Array(3)]]),
    };
    (value.nested as Record<string, unknown>).cycle = value;
    expect(retainedBytes(value)).toBe(1000 + 64 + 20 + 12);
    expect(retainedBytes(null)).toBe(0);
  });
});
