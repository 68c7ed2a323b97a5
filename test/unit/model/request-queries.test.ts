import { describe, expect, it } from 'vitest';
import { requestQueries, type Workload } from '../../../scripts/model/stack-observation.ts';

const kind = (batchSize: number, singles?: number): Workload => ({
  label: 'kind',
  batchSize,
  ...(singles === undefined ? {} : { singles }),
  filter: undefined,
  selectivity: 1,
  maxAllocators: 0,
});

describe('requestQueries', () => {
  it('spreads single queries evenly over the query set', () => {
    expect(requestQueries(kind(1, 4), 400)).toEqual([[0], [100], [200], [300]]);
  });

  it('covers every query once with consecutive batches, the last wrapping around', () => {
    const batches = requestQueries(kind(150), 400);
    expect(batches.map((b) => b.length)).toEqual([150, 150, 150]);
    expect(batches[0]![0]).toBe(0);
    expect(batches[2]!.slice(98, 102)).toEqual([398, 399, 0, 1]);
    expect(new Set(batches.flat()).size).toBe(400);
    expect(requestQueries(kind(400), 400)).toEqual([Array.from({ length: 400 }, (_, q) => q)]);
  });
});
