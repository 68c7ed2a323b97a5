/**
 * Writes through the coordinator's URL entry, searched through the whole tree (coordinator → allocators
 * → processors, JSON payloads) in one process: read-your-writes, one snapshot per search, and the same
 * answers as the in-process search over the same log.
 */
import { describe, expect, it } from 'vitest';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { withPrefix } from '../../../shared/store/index.ts';
import { buildTestStore, createTestStack, DIM, INDEX, queryVector } from './test-stack.ts';

function vectorNear(seed: number): number[] {
  return Array.from({ length: DIM }, (_, j) => Math.sin(seed * 3.7 + j) * 2);
}

const searchBody = (vector: number[], filter: unknown, options: Record<string, unknown> = {}) => ({
  index: INDEX,
  k: 10,
  queries: [{ vector, filter }],
  options,
});

describe('writes through the coordinator', () => {
  it('an upsert is found by the next search, through the tree and in-process, with its attributes', async () => {
    const store = await buildTestStore();
    const stack = createTestStack(store);
    const write = await stack.post('/upsert', {
      index: INDEX,
      vectors: [
        { id: 70_001, vector: vectorNear(1), attributes: { category: 'ultraviolet', u: 0.5 } },
        { id: 70_002, vector: vectorNear(2), attributes: { category: 'ultraviolet', u: 0.9 } },
      ],
      token: 'batch-1',
    });
    expect(write).toEqual({
      status: 200,
      body: { index: INDEX, sequence: 1, upserted: 2, deleted: 0, replayed: false },
    });
    for (const options of [{}, { maxAllocators: 1 }]) {
      const found = await stack.search(
        searchBody(vectorNear(1), { category: 'ultraviolet' }, { ...options, includeAttributes: true }),
      );
      expect(found.status).toBe(200);
      expect(found.body.stats.snapshot).toEqual({ version: 1, sequence: 1 });
      expect(found.body.results[0].hits.map((hit: { id: number }) => hit.id)).toEqual([70_001, 70_002]);
      expect(found.body.results[0].hits[0]).toMatchObject({
        distance: 0,
        attributes: { category: 'ultraviolet', u: 0.5 },
      });
    }
  });

  it('deleted and replaced rows never come back, and answers equal the in-process search at the same snapshot', async () => {
    const store = await buildTestStore();
    const stack = createTestStack(store);
    const ids = Array.from({ length: 900 }, (_, i) => i * 3);
    expect((await stack.post('/delete', { index: INDEX, ids })).body).toMatchObject({
      sequence: 1,
      deleted: 900,
    });
    expect((await stack.post('/delete', { index: INDEX, filter: { u: { $lt: 0.1 } } })).body).toMatchObject({
      sequence: 2,
      deleted: 0,
      deletedByFilter: true,
    });
    const replaced = await stack.post('/upsert', {
      index: INDEX,
      vectors: [{ id: 1, vector: vectorNear(9), attributes: { u: 0.05 } }],
    });
    expect(replaced.body.sequence).toBe(3);
    expect((await stack.get(`/indexes/${INDEX}`)).body.writeLog).toEqual({
      sequence: 3,
      foldedThrough: 0,
      pendingEntries: 3,
    });

    const local = await LocalSearch.open(withPrefix(store, INDEX));
    expect(local.snapshot).toEqual({ version: 1, sequence: 3 });
    for (const [filter, options] of [
      [undefined, {}],
      [{ u: { $lt: 0.2 } }, { maxAllocators: 1 }],
      [{ u: { $lt: 0.2 } }, { exact: true }],
    ] as const) {
      for (let q = 0; q < 6; q++) {
        const vector = Array.from(queryVector(q));
        const answer = await stack.search(searchBody(vector, filter, options));
        expect(answer.status).toBe(200);
        const hits = answer.body.results[0].hits as { id: number; distance: number }[];
        for (const hit of hits) {
          expect(hit.id % 3 === 0 && hit.id < 2700).toBe(false);
        }
        const [expected] = await local.search([{ vector, filter }], { k: 10, ...options });
        expect(hits.map((hit) => hit.id)).toEqual(expected!.hits.map((hit) => hit.externalId ?? hit.id));
      }
    }
    const [replacement] = await local.search([{ vector: vectorNear(9), filter: { u: { $lt: 0.1 } } }], {
      k: 1,
    });
    expect(replacement!.hits[0]).toMatchObject({ id: 3000, externalId: 1, distance: 0 });
  });

  it('refuses bad writes with a 4xx naming the problem, and writes nothing', async () => {
    const store = await buildTestStore();
    const stack = createTestStack(store);
    const bad = [
      [
        { index: INDEX, vectors: [{ id: 1, vector: [1, 2, 3] }] },
        400,
        /vectors\[0\]\.vector has 3 dims, the index expects 16/,
      ],
      [
        { index: INDEX, vectors: [{ id: 1, vector: vectorNear(1), attributes: { colour: 'red' } }] },
        400,
        /unknown attribute `colour`/,
      ],
      [
        {
          index: INDEX,
          vectors: [
            { id: 1, vector: vectorNear(1) },
            { id: 1, vector: vectorNear(2) },
          ],
        },
        400,
        /an id may appear once/,
      ],
      [
        { index: INDEX, vectors: Array.from({ length: 501 }, (_, i) => ({ id: i, vector: vectorNear(i) })) },
        413,
        /at most 500/,
      ],
      [{ index: INDEX, vectors: [{ id: 'x', vector: vectorNear(1) }] }, 400, /expected a safe integer/],
      [{ index: INDEX, vectors: [{ id: 1, vector: vectorNear(1) }], token: 'no spaces' }, 400, /token/],
      [{ index: 'nope', vectors: [{ id: 1, vector: vectorNear(1) }] }, 404, /does not exist/],
    ] as const;
    for (const [body, status, message] of bad) {
      const answer = await stack.post('/upsert', body);
      expect(answer.status).toBe(status);
      expect(answer.body.message).toMatch(message);
    }
    const deletes = [
      [{ index: INDEX, ids: [1], filter: { u: { $lt: 1 } } }, 400, /exactly one of `ids`/],
      [{ index: INDEX, filter: { nope: 1 } }, 400, /nope/],
      [{ index: INDEX, ids: Array.from({ length: 1001 }, (_, i) => i) }, 413, /at most 1000/],
    ] as const;
    for (const [body, status, message] of deletes) {
      const answer = await stack.post('/delete', body);
      expect(answer.status).toBe(status);
      expect(answer.body.message).toMatch(message);
    }
    expect(await withPrefix(store, INDEX).list('log/')).toEqual([]);
  });
});
