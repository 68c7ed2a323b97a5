import { describe, expect, it } from 'vitest';
import { configuration } from '../../../scripts/model/configuration.ts';
import { awsEnvironment, localEnvironment } from '../../../scripts/model/environment.ts';
import { DEFAULT_INPUTS, type MeasuredInputs } from '../../../scripts/model/measured-inputs.ts';
import {
  callRequestBytes,
  callResponseBytes,
  queriesRequestBytes,
} from '../../../scripts/model/payload-sizes.ts';
import { predictBuild } from '../../../scripts/model/predict-build.ts';
import { predictQueries } from '../../../scripts/model/predict-queries.ts';
import { DEFAULT_PRICES, lambdaCost } from '../../../scripts/model/prices.ts';

/** Round figures, so the arithmetic can be checked by hand. */
const inputs: MeasuredInputs = {
  ...DEFAULT_INPUTS,
  processorCallMs: 1,
  processorPairMs: 0.5,
  approximatePairMs: 0,
  approximateNsPerRowDim: 0,
  exactNsPerRowDim: 1,
  calibrationDim: 64,
  requestMs: 4,
  coordinatorQueryMs: 0,
  invokeCpuMs: 2,
  allocatorCallMs: 0,
  resultPairMs: 0,
  allocatorNsPerOp: 0,
  invokeMs: 10,
  payloadMsPerMiB: 0,
  partitionsPerQuery: 2,
};
const single = configuration({ vectors: 16_000, dim: 64, partitions: 16, batchSize: 1 });

describe('predictQueries', () => {
  it('puts a single query on the critical path request → hop → processor call (AWS)', () => {
    const p = predictQueries(single, inputs, awsEnvironment());
    expect(p.allocators).toBe(0);
    expect(p.processorInvocations).toBeCloseTo(2, 9);
    expect(p.invocations).toBeCloseTo(3, 9);
    // 4 ms request on a 1,024 MiB coordinator (0.58 vCPU) + AWS's hop (15 ms and the payload at 20 ms
    // per MiB) + (1 + 0.5) ms handler at a full vCPU.
    const payload = callRequestBytes(single, 1, 1, 1) + callResponseBytes(single, 1, 1);
    expect(p.criticalPathMs).toBeCloseTo(4 / (1024 / 1769) + 15 + (payload / 2 ** 20) * 20 + 1.5, 9);
    expect(p.latencyMs).toBe(p.criticalPathMs);
    const cost =
      lambdaCost(DEFAULT_PRICES, 1024, p.latencyMs, 1) +
      lambdaCost(DEFAULT_PRICES, 1769, 2 * 1.5, 2) +
      2 * DEFAULT_PRICES.s3Get;
    expect(p.costPerRequest).toBeCloseTo(cost, 15);
    expect(p.costPerMillionQueries).toBeCloseTo(cost * 1e6, 9);
  });

  it('bounds a batch on the local stack by its work over the cores', () => {
    const batch = { ...single, batchSize: 200, maxAllocators: 0 };
    const p = predictQueries(batch, inputs, localEnvironment(inputs, 2));
    expect(p.processorInvocations).toBeCloseTo(16, 6);
    // Work: request 4 + 16 calls × (2 invoke CPU + 1 + 25 pairs × 0.5).
    const work = 4 + 16 * (2 + 1 + 25 * 0.5);
    expect(p.workMs).toBeCloseTo(work, 6);
    expect(p.latencyMs).toBeCloseTo(Math.max(p.criticalPathMs, work / 2), 9);
    expect(p.latencyMs).toBeCloseTo(work / 2, 6);
  });

  it('adds a hop per tree level and counts every allocator', () => {
    const flat = predictQueries({ ...single, batchSize: 400, maxAllocators: 4 }, inputs, awsEnvironment());
    const deep = predictQueries({ ...single, batchSize: 400, maxAllocators: 20 }, inputs, awsEnvironment());
    expect([flat.allocators, deep.allocators]).toEqual([4, 20]);
    expect(flat.processorInvocations).toBeCloseTo(4 * 16, 3);
    expect(deep.invocations).toBeCloseTo(1 + 20 + deep.processorInvocations, 9);
    // Three hops of 15 ms on AWS (coordinator → level 1 → level 2 → processor) against two: the extra
    // hop costs more than the smaller slices save (every handler here is under 8 ms).
    expect(deep.criticalPathMs).toBeGreaterThan(3 * 15);
    expect(deep.criticalPathMs).toBeGreaterThan(flat.criticalPathMs);
    expect(flat.bytes.allocatorRequest).toBe(queriesRequestBytes(single, 100));
  });

  it("charges each allocator's fixed CPU once per allocator, on its node's path and in the work", () => {
    const config = { ...single, batchSize: 400, maxAllocators: 20 };
    const local = localEnvironment(inputs, 1);
    const without = predictQueries(config, inputs, local);
    const withFixed = predictQueries(config, { ...inputs, allocatorCallMs: 3 }, local);
    expect(withFixed.workMs - without.workMs).toBeCloseTo(20 * 3, 9);
    // Level 1 and level 2 each add it to the critical path; the billed time counts all 20.
    expect(withFixed.criticalPathMs - without.criticalPathMs).toBeCloseTo(2 * 3, 9);
    const aws = awsEnvironment();
    const billed =
      predictQueries(config, { ...inputs, allocatorCallMs: 3 }, aws).billedMs.allocators -
      predictQueries(config, inputs, aws).billedMs.allocators;
    // Each node's billed time holds its own 3 ms and its children's (1024 MiB: 0.58 vCPU).
    expect(billed).toBeCloseTo(((16 + 4 * 2) * 3) / (1024 / 1769), 6);
  });

  it('charges the caller for every query–partition result it merges, on the path and in the work', () => {
    const batch = { ...single, batchSize: 200, maxAllocators: 0 };
    const local = localEnvironment(inputs, 1);
    const without = predictQueries(batch, inputs, local);
    const withMerge = predictQueries(batch, { ...inputs, resultPairMs: 0.01 }, local);
    // 200 queries × 2 partitions each = 400 results, merged by the coordinator (a full core locally).
    expect(withMerge.workMs - without.workMs).toBeCloseTo(400 * 0.01, 9);
    expect(withMerge.criticalPathMs - without.criticalPathMs).toBeCloseTo(400 * 0.01, 9);
  });

  it('multiplies peak concurrency by the requests in flight', () => {
    const p = predictQueries({ ...single, concurrentRequests: 7 }, inputs, awsEnvironment());
    expect(p.peakConcurrency).toBeCloseTo(7 * 3, 9);
  });

  it('charges cold partition loads: S3 GETs and load time on the critical path', () => {
    const warm = predictQueries(single, inputs, awsEnvironment());
    const cold = predictQueries({ ...single, warmShare: 0 }, inputs, awsEnvironment());
    const loadMs =
      2 * inputs.s3FirstByteMs + ((1000 * (4 * 64 + 32 + 8 + 40)) / 2 ** 20 / inputs.s3MiBps) * 1000;
    expect(cold.criticalPathMs - warm.criticalPathMs).toBeCloseTo(loadMs, 6);
    expect(cold.costPerRequest - warm.costPerRequest).toBeGreaterThan(2 * 2 * DEFAULT_PRICES.s3Get);
  });
});

describe('predictBuild', () => {
  it('counts invocations, objects and requests of the fan-out build', () => {
    const config = configuration({ vectors: 2_500_000, dim: 128, partitions: 64, batchSize: 1 });
    const b = predictBuild(config, { ...inputs, buildNsPerRowDim: 100 });
    // 3008 MiB holds chunks of ⌊(3008 − 160) MiB / (4·(128 + 256 + 1) + 160) B⌋ = 1,756,673 rows: 2 chunks.
    const chunks = 2;
    const tasks = chunks + 1 + chunks + 64;
    expect(b.invocations).toBe(tasks);
    expect(b.puts).toBe(tasks + 2 * chunks + 3 + 1 + 64 + 5);
    expect(b.gets).toBe(2 * chunks + chunks + chunks + 2 * chunks * 64 + 64 + 2 * tasks);
    // 3008 MiB is more than one vCPU: the single-threaded build runs at one.
    expect(b.computeSeconds).toBeCloseTo((2_500_000 * 128 * 100) / 1e9, 9);
    expect(b.flags).toEqual([]);
  });

  it('flags a partition build past 15 minutes', () => {
    const config = configuration({ vectors: 1e9, dim: 768, partitions: 8, batchSize: 1 });
    const b = predictBuild(config, DEFAULT_INPUTS);
    expect(b.flags.map((f) => f.code)).toEqual(['timeout']);
    expect(b.flags[0]!.message).toContain("over Lambda's 900 s");
  });
});
