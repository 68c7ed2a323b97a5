import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/random.ts';
import { compareHits, mergeHits, TopK } from '../../../shared/search/top-k.ts';

describe('TopK', () => {
  it('keeps the k smallest (distance, id) pairs in order, ties by id', () => {
    const rng = createRng(7);
    const all = Array.from({ length: 500 }, (_, id) => ({ id, distance: Math.floor(rng.next() * 50) }));
    const top = new TopK(17);
    for (const hit of all) top.push(hit.distance, hit.id);
    expect(top.sorted()).toEqual([...all].sort(compareHits).slice(0, 17));
  });

  it('merging partial lists is independent of their order', () => {
    const rng = createRng(3);
    const lists = Array.from({ length: 6 }, (_, l) =>
      Array.from({ length: 20 }, (_, i) => ({ id: l * 100 + i, distance: Math.floor(rng.next() * 10) })),
    );
    const forward = mergeHits(lists, 10);
    const backward = mergeHits([...lists].reverse(), 10);
    expect(backward).toEqual(forward);
    expect(forward).toEqual(lists.flat().sort(compareHits).slice(0, 10));
  });

  it('drains into arrays in ascending order, and can be reset and reused with another k', () => {
    const rng = createRng(5);
    const top = new TopK(4);
    for (const k of [9, 3, 12]) {
      top.reset(k);
      const all = Array.from({ length: 200 }, (_, id) => ({ id, distance: Math.floor(rng.next() * 30) }));
      for (const hit of all) top.push(hit.distance, hit.id);
      const ids = new Float64Array(k);
      const distances = new Float64Array(k);
      expect(top.drainAscending(ids, distances)).toBe(k);
      const expected = [...all].sort(compareHits).slice(0, k);
      expect(Array.from(ids)).toEqual(expected.map((hit) => hit.id));
      expect(Array.from(distances)).toEqual(expected.map((hit) => hit.distance));
      expect(top.length).toBe(0);
    }
  });

  it('k = 0 keeps nothing', () => {
    const top = new TopK(0);
    top.push(1, 1);
    expect(top.sorted()).toEqual([]);
  });
});
