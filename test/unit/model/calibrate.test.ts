import { describe, expect, it } from 'vitest';
import { effectiveCores, fitOther, type Observation } from '../../../scripts/model/calibrate.ts';
import { configuration } from '../../../scripts/model/configuration.ts';
import { DEFAULT_INPUTS } from '../../../scripts/model/measured-inputs.ts';

const base = configuration({ vectors: 20_000, dim: 64, partitions: 16, batchSize: 1 });

/** An observation whose other-process CPU is `otherMs` (allocator step costs 0: allocatorNsPerOp 0). */
function observed(
  batchSize: number,
  maxAllocators: number,
  allocators: number,
  calls: number,
  otherMs: number,
  latencyMs = 100,
  pairs = 0,
): Observation {
  return {
    label: `${batchSize}/${maxAllocators}`,
    config: { ...base, batchSize, maxAllocators },
    latencyMs,
    processorMs: 0,
    cpuMs: { processor: 0, other: otherMs },
    processorInvocations: calls,
    allocatorInvocations: allocators,
    approximatePairs: pairs,
    exactPairs: 0,
    exactQueries: 0,
  };
}

describe('fitOther', () => {
  it('recovers request, per-query (per tree level), per-invocation, per-allocator and per-result costs', () => {
    const truth = {
      requestMs: 6,
      coordinatorQueryMs: 0.15,
      invokeCpuMs: 0.9,
      allocatorCallMs: 4,
      resultPairMs: 0.01,
    };
    // [batch, maxAllocators, allocators, processor calls, query–partition results]; 3 allocators make
    // a depth-1 tree (each query handled by the coordinator and by one allocator), 20 a depth-2 tree.
    const kinds: [number, number, number, number, number][] = [
      [1, 0, 0, 2.5, 2.5],
      [20, 0, 0, 15, 40],
      [200, 0, 0, 16, 600],
      [200, 0, 0, 8, 3200],
      [100, 3, 3, 48, 260],
      [100, 20, 20, 189, 260],
    ];
    const observations = kinds.map(([q, max, allocators, calls, pairs]) => {
      const levels = max === 20 ? 2 : max > 0 ? 1 : 0;
      const other =
        truth.requestMs +
        truth.coordinatorQueryMs * q * (1 + levels) +
        truth.invokeCpuMs * (allocators + calls) +
        truth.allocatorCallMs * allocators +
        truth.resultPairMs * pairs;
      return observed(q, max, allocators, calls, other, 100, pairs);
    });
    const fitted = fitOther(observations, { ...DEFAULT_INPUTS, allocatorNsPerOp: 0 });
    for (const [key, value] of Object.entries(truth)) {
      expect(fitted[key as keyof typeof fitted], key).toBeCloseTo(value, 9);
    }
  });
});

describe('effectiveCores', () => {
  it("is the batches' CPU over their wall time, below one core when others took the rest", () => {
    const batches = [observed(200, 0, 0, 16, 30, 100), observed(50, 0, 0, 16, 30, 100)];
    // 60 ms of CPU over 200 ms: the stack had 0.3 of a core; single queries do not count.
    expect(effectiveCores([...batches, observed(1, 0, 0, 2, 5, 100)], 1)).toBeCloseTo(0.3, 12);
    expect(effectiveCores([observed(200, 0, 0, 16, 500, 100)], 2)).toBe(2);
  });
});
