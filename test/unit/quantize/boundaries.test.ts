import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/errors.ts';
import { cellOf, trainBoundaries } from '../../../shared/quantize/boundaries.ts';
import { createRng } from '../../../shared/random.ts';

function linearCellOf(b: Float32Array, cells: number, x: number): number {
  let cell = 0;
  for (let i = 1; i < cells; i++) if (b[i]! <= x) cell = i;
  return cell;
}

/** Squared error of the values around their cell means, cells found by a linear scan. */
function distortion(values: Float64Array, b: Float32Array, cells: number): number {
  const count = new Float64Array(cells);
  const total = new Float64Array(cells);
  const cellOfValue = values.map((x) => linearCellOf(b, cells, x));
  values.forEach((x, k) => {
    count[cellOfValue[k]!]! += 1;
    total[cellOfValue[k]!]! += x;
  });
  let error = 0;
  values.forEach((x, k) => {
    const c = cellOfValue[k]!;
    error += (x - total[c]! / count[c]!) ** 2;
  });
  return error;
}

const distributions: Record<string, (rng: ReturnType<typeof createRng>) => number> = {
  normal: (rng) => rng.normal(),
  exponential: (rng) => -Math.log(1 - rng.next()),
  lognormal: (rng) => Math.exp(1.5 * rng.normal()),
  bimodal: (rng) => (rng.next() < 0.8 ? rng.normal() * 0.1 : 5 + rng.normal()),
  heavyDuplicates: (rng) => (rng.next() < 0.6 ? 0 : Math.round(rng.normal() * 3)),
};

function sample(name: string, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const draw = distributions[name]!;
  return Float64Array.from({ length: n }, () => draw(rng));
}

function expectValid(b: Float32Array, cells: number, values: Float64Array): void {
  expect(b.length).toBe(cells + 1);
  for (let i = 1; i <= cells; i++) expect(b[i]!).toBeGreaterThanOrEqual(b[i - 1]!);
  expect(b[0]!).toBeLessThanOrEqual(Math.min(...values));
  expect(b[cells]!).toBeGreaterThanOrEqual(Math.max(...values));
}

describe('cellOf', () => {
  it('agrees with a linear scan, including duplicates, exact boundaries and values outside the range', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 200; trial++) {
      const cells = 1 + rng.int(40);
      const offset = rng.int(5);
      const b = new Float32Array(offset + cells + 1).fill(Number.NaN);
      let value = rng.normal();
      for (let i = 0; i <= cells; i++) {
        if (rng.next() > 0.2) value += rng.next();
        b[offset + i] = value;
      }
      const own = b.subarray(offset);
      for (let k = 0; k < 30; k++) {
        const x =
          rng.next() < 0.3
            ? own[rng.int(cells + 1)]!
            : own[0]! - 1 + rng.next() * (own[cells]! - own[0]! + 2);
        expect(cellOf(b, offset, cells, x)).toBe(linearCellOf(own, cells, x));
      }
    }
  });
});

describe('trainBoundaries', () => {
  it('starts from equal-population quantiles', () => {
    const values = sample('lognormal', 1000, 1);
    const b = trainBoundaries(values, 8, { seed: 1, maxIterations: 0 });
    expectValid(b, 8, values);
    const counts = new Array(8).fill(0);
    for (const x of values) counts[cellOf(b, 0, 8, x)]++;
    expect(counts).toEqual(new Array(8).fill(125));
  });

  for (const name of Object.keys(distributions)) {
    it(`Lloyd–Max never increases distortion and is monotone across iterations (${name})`, () => {
      for (const cells of [2, 5, 16, 64, 256]) {
        const values = sample(name, 3000, cells);
        const initial = trainBoundaries(values, cells, { seed: 7, maxIterations: 0 });
        const history: number[] = [];
        const refined = trainBoundaries(values, cells, {
          seed: 7,
          onIteration: (iteration, d) => history.push(iteration === history.length ? d : Number.NaN),
        });
        expectValid(refined, cells, values);
        expect(history.length).toBeGreaterThan(0);
        expect(history.length).toBeLessThanOrEqual(250);
        const start = distortion(values, initial, cells);
        expect(history[0]!).toBeCloseTo(start, 6);
        for (let i = 1; i < history.length; i++)
          expect(history[i]!).toBeLessThanOrEqual(history[i - 1]! * (1 + 1e-9));
        expect(distortion(values, refined, cells)).toBeLessThanOrEqual(start * (1 + 1e-9));
      }
    });
  }

  it('improves a skewed distribution markedly and converges to the 2-level Lloyd–Max optimum of Exp(1)', () => {
    const values = sample('exponential', 20000, 4);
    const refined = trainBoundaries(values, 2, { seed: 1, relativeTolerance: 0 });
    // Optimum threshold t: t = (E[X | X < t] + E[X | X ≥ t]) / 2 with E[X | X ≥ t] = t + 1.
    let lo = 0.1;
    let hi = 5;
    for (let i = 0; i < 100; i++) {
      const t = (lo + hi) / 2;
      const below = 1 - (t * Math.exp(-t)) / (1 - Math.exp(-t));
      if ((below + t + 1) / 2 > t) lo = t;
      else hi = t;
    }
    expect(refined[1]!).toBeCloseTo(lo, 1);
    const initial = trainBoundaries(values, 2, { seed: 1, maxIterations: 0 });
    expect(initial[1]!).toBeCloseTo(Math.LN2, 1); // the median
    expect(distortion(values, refined, 2)).toBeLessThan(0.95 * distortion(values, initial, 2));
  });

  it('stops after maxIterations and at the relative tolerance', () => {
    const values = sample('normal', 2000, 2);
    let calls = 0;
    trainBoundaries(values, 32, {
      seed: 1,
      maxIterations: 3,
      relativeTolerance: 0,
      onIteration: () => calls++,
    });
    expect(calls).toBe(3);
    const history: number[] = [];
    trainBoundaries(values, 32, { seed: 1, onIteration: (_, d) => history.push(d) });
    const last = history.length - 1;
    expect(last).toBeGreaterThan(0);
    expect((history[last - 1]! - history[last]!) / history[last - 1]!).toBeLessThan(0.005);
    for (let i = 1; i < last; i++)
      expect((history[i - 1]! - history[i]!) / history[i - 1]!).toBeGreaterThanOrEqual(0.005);
  });

  it('re-seeds empty cells deterministically and keeps boundaries valid with few distinct values', () => {
    const values = Float64Array.from({ length: 300 }, (_, k) => k % 3);
    const a = trainBoundaries(values, 16, { seed: 99 });
    expect(trainBoundaries(values, 16, { seed: 99 })).toEqual(a);
    expectValid(a, 16, values);
    expect(distortion(values, a, 16)).toBe(0);
    const constant = trainBoundaries(new Float64Array(10).fill(2.5), 4, { seed: 1 });
    expect(Array.from(constant)).toEqual([2.5, 2.5, 2.5, 2.5, 2.5]);
  });

  it('rounds the outer boundaries outwards to float32', () => {
    const values = Float64Array.of(0.1, 0.2, 0.3);
    for (const cells of [1, 2]) {
      const b = trainBoundaries(values, cells, { seed: 1 });
      expect(b[0]!).toBeLessThanOrEqual(0.1);
      expect(b[cells]!).toBeGreaterThanOrEqual(0.3);
      expect(b[0]!).toBeGreaterThan(0.1 - 1e-7);
      expect(b[cells]!).toBeLessThan(0.3 + 1e-7);
    }
    expect(Array.from(trainBoundaries(Float64Array.of(-1, 0), 1, { seed: 1 }))).toEqual([-1, 0]);
  });

  it('rejects bad input with InvalidInputError', () => {
    expect(() => trainBoundaries(Float64Array.of(1), 0, { seed: 1 })).toThrow(
      new InvalidInputError('boundaries need a positive integer cell count, got 0'),
    );
    expect(() => trainBoundaries(new Float64Array(0), 2, { seed: 1 })).toThrow(
      'boundaries need at least 1 training value, got 0',
    );
    expect(() => trainBoundaries(Float64Array.of(1, Number.NaN), 2, { seed: 1 })).toThrow(
      'training value 1 is not finite: NaN',
    );
    expect(() => trainBoundaries(Float64Array.of(1), 2, { seed: 1, maxIterations: -1 })).toThrow(
      InvalidInputError,
    );
  });
});
