/**
 * A damaged index through the coordinator: the search fails with a 5xx whose body names the damaged
 * object, never a 200 with different answers (docs/robustness.md "Damaged data").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MemoryBlobStore } from '../../../shared/store/index.ts';
import { buildTestStore, createTestStack, INDEX, queryVector, type TestStack } from './test-stack.ts';

let store: MemoryBlobStore;
let stack: TestStack;
beforeAll(async () => {
  store = await buildTestStore();
  stack = createTestStack(store);
});

const query = { vector: Array.from(queryVector(0)), filter: { category: { $nin: ['red'] } } };

/** A copy of the test index under `name`, with `key` edited by `edit`. */
async function damagedCopy(name: string, key: string, edit: (bytes: Uint8Array) => Uint8Array) {
  for (const source of await store.list(`${INDEX}/`)) {
    const relative = source.slice(INDEX.length + 1);
    const bytes = await store.get(source);
    await store.put(`${name}/${relative}`, relative === key ? edit(bytes) : bytes);
  }
}

describe('a damaged index through the coordinator', () => {
  it('answers 200 on the undamaged copy', async () => {
    await damagedCopy('intact', 'none', (bytes) => bytes);
    expect((await stack.search({ index: 'intact', k: 5, queries: [query] })).status).toBe(200);
  });

  it('answers 500 INDEX_FORMAT naming the manifest when one letter of a category value changed', async () => {
    await damagedCopy('renamed-category', 'v1/manifest.json', (bytes) => {
      const text = new TextDecoder().decode(bytes);
      expect(text).toContain('"red"');
      return new TextEncoder().encode(text.replace('"red"', '"rod"'));
    });
    const response = await stack.search({ index: 'renamed-category', k: 5, queries: [query] });
    expect(response.status).toBe(500);
    expect(response.body.code).toBe('INDEX_FORMAT');
    expect(response.body.message).toMatch(/`v1\/manifest\.json`/);
  });

  it('fails the search, naming the partition, when a partition byte flipped', async () => {
    await damagedCopy('flipped-partition', 'v1/partitions/2.bin', (bytes) => {
      const damaged = bytes.slice();
      damaged[damaged.byteLength - 3]! ^= 0x10;
      return damaged;
    });
    // An exact search visits every partition (an approximate one might not read the damaged one at all).
    const response = await stack.search({
      index: 'flipped-partition',
      k: 5,
      queries: [query],
      options: { exact: true },
    });
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(response.body)).toContain('v1/partitions/2.bin');
  });
});
