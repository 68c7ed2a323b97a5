/** What a cache charges for a partition's workspace bounds what searches make it hold. */
import { describe, expect, it } from 'vitest';
import { retainedBytes } from '../../../shared/cache/index.ts';
import { IndexReader } from '../../../shared/index/index-reader.ts';
import { searchPartition } from '../../../shared/search/partition-search.ts';
import { workspaceBytes, workspaceOf } from '../../../shared/search/partition-workspace.ts';
import { withPrefix } from '../../../shared/store/index.ts';
import { buildTestStore, DIM, INDEX, queryVector } from '../functions/test-stack.ts';

describe('workspaceBytes', () => {
  it('covers the workspace after searches at the largest k, depth and pruning dimensions', async () => {
    const reader = await IndexReader.open(withPrefix(await buildTestStore(), INDEX), { allocator: false });
    const compile = reader.filterCompiler();
    const data = await reader.loadPartition(0);
    const before = retainedBytes(data);
    for (const [k, rerank, hammingKeepPercent] of [
      [10, 5, 100],
      [1000, 100, 30],
      [1000, 100, 100],
    ] as const) {
      for (const mode of ['approximate', 'exact'] as const) {
        const query = { vector: queryVector(k % 7), filter: compile(null), k, mode };
        const found = searchPartition(data, query, {
          rerank,
          hammingKeepPercent,
          hammingFloor: 4,
          pruningDims: DIM,
        });
        expect(found.hits.length).toBe(Math.min(k, data.count));
      }
    }
    const held = retainedBytes([data, workspaceOf(data)]) - before;
    expect(held).toBeGreaterThan(data.count * 12);
    expect(held).toBeLessThanOrEqual(workspaceBytes(data));
  });
});
