import { describe, expect, it } from 'vitest';
import { ALLOCATOR_WORK_TARGET } from '../../../functions/coordinator/search.ts';
import { configuration } from '../../../scripts/model/configuration.ts';
import { DEFAULT_INPUTS } from '../../../scripts/model/measured-inputs.ts';
import { callRequestBytes, queryBytes } from '../../../scripts/model/payload-sizes.ts';
import {
  COALESCE_MAX_ROWS,
  distinctPartitions,
  functionsTouched,
  processorCalls,
} from '../../../scripts/model/processor-calls.ts';
import { queryWork } from '../../../scripts/model/query-work.ts';
import { allocatorOpsPerQuery, stepOpsPerQuery, treeFor } from '../../../scripts/model/tree-sizing.ts';

const small = configuration({ vectors: 20_000, dim: 64, partitions: 16, batchSize: 1 });

describe('treeFor (the coordinator sizing the allocator tree)', () => {
  it('runs the step in the coordinator below two ALLOCATOR_WORK_TARGETs of work', () => {
    expect(treeFor({ ...small, batchSize: 1000 })).toBeUndefined();
    const perQuery = allocatorOpsPerQuery({ ...small, selectivity: 0.1 });
    expect(perQuery).toBe(16 * 64 + 20_000 * 4);
    const batch = Math.ceil((2 * ALLOCATOR_WORK_TARGET) / perQuery);
    expect(treeFor({ ...small, selectivity: 0.1, batchSize: batch })?.allocators).toBe(2);
    expect(treeFor({ ...small, selectivity: 0.1, batchSize: batch - 1 })).toBeUndefined();
  });

  it('follows maxAllocators within the deployed (b, l) and the batch', () => {
    expect(treeFor({ ...small, batchSize: 400, maxAllocators: 0 })).toBeUndefined();
    expect(treeFor({ ...small, batchSize: 400, maxAllocators: 2 })?.allocators).toBe(2);
    expect(treeFor({ ...small, batchSize: 400, maxAllocators: 19 })?.allocators).toBe(4);
    const deep = treeFor({ ...small, batchSize: 400, maxAllocators: 20 });
    expect([deep?.allocators, deep?.depth]).toEqual([20, 2]);
    expect(treeFor({ ...small, batchSize: 3, maxAllocators: 20 })?.allocators).toBe(3);
  });

  it('counts a one-attribute filter from histograms, several attributes from every row', () => {
    expect(stepOpsPerQuery(small)).toBe(16 * 64);
    expect(stepOpsPerQuery({ ...small, selectivity: 0.5 })).toBe(16 * 64 + 16 * 256);
    expect(stepOpsPerQuery({ ...small, selectivity: 0.5, filterAttributes: 2 })).toBe(16 * 64 + 20_000 * 2);
  });
});

describe('processorCalls', () => {
  it('sends a single approximate query one call per partition it visits', () => {
    const work = queryWork(small, { ...DEFAULT_INPUTS, partitionsPerQuery: 3 });
    expect(work.plan).toBe('approximate');
    expect(work.partitionsVisited).toBe(3);
    const group = processorCalls(small, DEFAULT_INPUTS, work, 1);
    expect(group.calls).toBeCloseTo(3, 9);
    expect(group.pairs).toBeCloseTo(1, 9);
  });

  it('touches every partition with a large approximate batch, each call carrying its share of pairs', () => {
    const work = queryWork(small, { ...DEFAULT_INPUTS, partitionsPerQuery: 2 });
    const group = processorCalls(small, DEFAULT_INPUTS, work, 400);
    expect(group.calls).toBeCloseTo(16, 6);
    expect(group.pairs).toBeCloseTo((400 * 2) / 16, 6);
    expect(group.requestBytes).toBe(callRequestBytes(small, 1, group.pairs, group.queries));
  });

  it('coalesces exact-plan partitions into one call per processor function', () => {
    const selective = { ...small, selectivity: 0.002 };
    const work = queryWork(selective, DEFAULT_INPUTS);
    expect(work.plan).toBe('exact');
    const group = processorCalls(selective, DEFAULT_INPUTS, work, 200);
    expect(work.partitionsVisited).toBeGreaterThan(8);
    expect(group.calls).toBe(8);
    expect(group.queries).toBe(200);
  });

  it('splits a coalesced call past COALESCE_MAX_ROWS rows', () => {
    // 1,000 matches over 16 partitions, 1,000 queries: 125,000 rows per function, two calls each.
    const big = { ...small, vectors: 10_000_000, selectivity: 0.0001, dim: 8, rerank: 50 };
    const work = queryWork(big, DEFAULT_INPUTS);
    expect(work.plan).toBe('exact');
    const rowsPerFunction = (1000 * work.partitionsVisited * work.rowsPerVisit) / 8;
    expect(rowsPerFunction).toBeGreaterThan(COALESCE_MAX_ROWS);
    expect(rowsPerFunction).toBeLessThan(2 * COALESCE_MAX_ROWS);
    const group = processorCalls(big, DEFAULT_INPUTS, work, 1000);
    expect(group.calls).toBe(8 * 2);
  });

  it('expects distinct partitions and functions as the draws say', () => {
    expect(distinctPartitions(16, 2, 1)).toBeCloseTo(2, 12);
    expect(distinctPartitions(16, 16, 1)).toBe(16);
    expect(functionsTouched(16, 8, 16)).toBe(8);
    expect(functionsTouched(16, 8, 1)).toBeCloseTo(1, 12);
    // Two of 16 partitions share a function with probability 1/15.
    expect(functionsTouched(16, 8, 2)).toBeCloseTo(2 - 1 / 15, 12);
  });
});

describe('payload sizes', () => {
  it('sizes a query as its base64 vector and envelope', () => {
    expect(queryBytes(small)).toBe(48 + 4 * Math.ceil(256 / 3));
    expect(queryBytes({ ...small, selectivity: 0.1 })).toBe(48 + 4 * Math.ceil(256 / 3) + 24);
  });
});
