/** A batch's vector slots: one view per query into one buffer, kept for the next batch. */
import { describe, expect, it } from 'vitest';
import { VectorSlots } from '../../../shared/index/vector-slots.ts';

describe('VectorSlots', () => {
  it('gives each query its own dim floats of one buffer, and the same views to a batch no larger', () => {
    const slots = new VectorSlots(3);
    const first = slots.slots(4).slice(0, 4);
    expect(first.map((view) => view.length)).toEqual([3, 3, 3, 3]);
    expect(first.map((view) => view.byteOffset)).toEqual([0, 12, 24, 36]);
    expect(new Set(first.map((view) => view.buffer)).size).toBe(1);
    first[2]!.set([7, 8, 9]);
    const again = slots.slots(2);
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);
  });

  it('moves to a larger buffer when a batch needs more, with views of the new one', () => {
    const slots = new VectorSlots(2, 1);
    const small = slots.slots(1)[0]!;
    const large = slots.slots(5).slice(0, 5);
    expect(large[0]).not.toBe(small);
    expect(large.every((view) => view.buffer === large[0]!.buffer && view.length === 2)).toBe(true);
    expect(large[0]!.buffer.byteLength).toBeGreaterThanOrEqual(5 * 2 * 4);
    expect(large[4]!.byteOffset).toBe(4 * 2 * 4);
  });
});
