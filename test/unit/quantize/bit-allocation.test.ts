import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/errors.ts';
import { allocateBits } from '../../../shared/quantize/bit-allocation.ts';
import { createRng } from '../../../shared/random.ts';

const sum = (bits: Uint8Array): number => bits.reduce((s, b) => s + b, 0);

describe('allocateBits', () => {
  it('follows the greedy: highest energy first, first index on ties, energy / 4 per bit', () => {
    expect(Array.from(allocateBits(Float64Array.of(16, 4, 1), 3))).toEqual([2, 1, 0]);
    // 16→d1, tie 4/4→d1, 4→d3, tie 1/1/1/1→d0, then d1 (1) beats d0 (0.25).
    expect(Array.from(allocateBits(Float64Array.of(1, 16, 1, 4), 5))).toEqual([1, 3, 0, 1]);
  });

  it('allocates exactly min(B, 8·D) bits for many budgets, never more than 8 per dimension', () => {
    const rng = createRng(5);
    const dims = 24;
    const energies = Float64Array.from({ length: dims }, (_, d) => (1000 * rng.next()) / (d + 1) ** 2);
    for (const budget of [0, 1, 7, 24, 96, 150, 8 * dims - 1, 8 * dims, 8 * dims + 1, 1000]) {
      const bits = allocateBits(energies, budget);
      expect(sum(bits)).toBe(Math.min(budget, 8 * dims));
      expect(Math.max(...bits)).toBeLessThanOrEqual(8);
    }
  });

  it('does not charge the budget for a saturated dimension (reference bug B2)', () => {
    // Dimension 0 would keep winning after 8 bits (1e6 / 4^8 ≈ 15 > 1); its bits must go elsewhere.
    expect(Array.from(allocateBits(Float64Array.of(1e6, 1, 1), 12))).toEqual([8, 2, 2]);
    expect(Array.from(allocateBits(Float64Array.of(1e9, 0, 0), 24))).toEqual([8, 8, 8]);
  });

  it('gives at least as many bits to a higher-energy dimension', () => {
    const rng = createRng(9);
    const energies = Float64Array.from({ length: 50 }, () => rng.next() ** 3);
    const bits = allocateBits(energies, 180);
    for (let a = 0; a < 50; a++) {
      for (let b = 0; b < 50; b++)
        if (energies[a]! > energies[b]!) expect(bits[a]!).toBeGreaterThanOrEqual(bits[b]!);
    }
  });

  it('caps cells at maxCells (the vector count) and bits at maxBitsPerDim', () => {
    const energies = Float64Array.from({ length: 10 }, (_, d) => 10 - d);
    const fewVectors = allocateBits(energies, 80, { maxCells: 20 }); // 16 cells ≤ 20 < 32: 4 bits
    expect(sum(fewVectors)).toBe(40);
    expect(Math.max(...fewVectors)).toBe(4);
    expect(sum(allocateBits(energies, 80, { maxCells: 1 }))).toBe(0);
    const threeBits = allocateBits(energies, 25, { maxBitsPerDim: 3 });
    expect(sum(threeBits)).toBe(25);
    expect(Math.max(...threeBits)).toBe(3);
  });

  it('rejects bad budgets, energies and options with InvalidInputError', () => {
    const e = Float64Array.of(1, 2);
    expect(() => allocateBits(e, 2.5)).toThrow(
      new InvalidInputError('bit budget must be a non-negative integer, got 2.5'),
    );
    expect(() => allocateBits(Float64Array.of(1, -1), 2)).toThrow(
      'energy of dimension 1 must be finite and ≥ 0, got -1',
    );
    expect(() => allocateBits(Float64Array.of(Number.NaN), 2)).toThrow(InvalidInputError);
    expect(() => allocateBits(e, 2, { maxBitsPerDim: 9 })).toThrow(
      'maxBitsPerDim must be an integer in 0..8, got 9',
    );
    expect(() => allocateBits(e, 2, { maxCells: 0 })).toThrow('maxCells must be at least 1, got 0');
  });
});
