import { describe, expect, it } from 'vitest';
import type { ModelConfiguration } from '../../../scripts/model/configuration.ts';
import { configuration } from '../../../scripts/model/configuration.ts';
import { awsEnvironment } from '../../../scripts/model/environment.ts';
import { limitFlags } from '../../../scripts/model/limit-flags.ts';
import { DEFAULT_INPUTS, type MeasuredInputs } from '../../../scripts/model/measured-inputs.ts';
import { predictQueries } from '../../../scripts/model/predict-queries.ts';

function codes(config: ModelConfiguration, inputs: MeasuredInputs = DEFAULT_INPUTS) {
  return limitFlags(config, inputs, predictQueries(config, inputs, awsEnvironment())).map((f) => f.code);
}

const fine = configuration({ vectors: 1_000_000, dim: 128, partitions: 64, batchSize: 10 });

describe('limitFlags', () => {
  it('flags nothing for a small index at the defaults', () => {
    expect(codes(fine)).toEqual([]);
  });

  it('flags a search request over 6 MB', () => {
    // 1,000 queries of 2,048 dims: ≈ 10.9 KB each as base64.
    const flags = limitFlags(
      { ...fine, dim: 2048, batchSize: 1000 },
      DEFAULT_INPUTS,
      predictQueries({ ...fine, dim: 2048, batchSize: 1000 }, DEFAULT_INPUTS, awsEnvironment()),
    );
    expect(flags[0]?.code).toBe('payload');
    expect(flags[0]?.message).toMatch(
      /^the search request of 1000 queries takes 10\.\d MiB, over Lambda's 6\.0 MiB$/,
    );
  });

  it('flags peak concurrency over the account default of 1,000', () => {
    expect(codes({ ...fine, batchSize: 1, concurrentRequests: 400 })).toEqual(['concurrency']);
  });

  it('flags the deployed timeout, then Lambda’s 15 minutes', () => {
    expect(codes(fine, { ...DEFAULT_INPUTS, processorCallMs: 20_000 })).toContain('deployed-timeout');
    expect(codes(fine, { ...DEFAULT_INPUTS, processorCallMs: 1_000_000 })).toContain('timeout');
  });

  it('flags memory outside 128–10,240 MiB', () => {
    expect(codes({ ...fine, memoryMiB: { ...fine.memoryMiB, processor: 12_000 } })).toContain('memory');
  });

  it('flags partitions and allocator data too large for the cache at 1 B vectors', () => {
    const huge = { ...fine, vectors: 1e9, dim: 768, batchSize: 1, selectivity: 0.1 };
    const flags = codes(huge);
    expect(flags).toContain('partition-memory');
    expect(flags).toContain('allocator-memory');
    expect(
      codes({
        ...huge,
        partitions: 4096,
        memoryMiB: { coordinator: 10_240, allocator: 10_240, processor: 3008 },
      }),
    ).toEqual([]);
  });
});
