/**
 * Issue 10 acceptance 1, over real HTTP on the stack (Function URL → coordinator → allocators →
 * processors, S3 on the stack's server): a search right after an acknowledged upsert finds it (distance
 * 0, its own attributes), after a delete never returns it (exact and default options), and after a
 * replace matches the new attributes' filters and not the old ones. Finally every answer of a set of
 * exact searches equals brute force over `snapshotContent` of the same objects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteUrl,
  type SearchResponse,
  searchUrl,
  upsertUrl,
  type WriteAnswer,
} from '../../../scripts/client/index.ts';
import type { AttributeValue } from '../../../shared/attributes/index.ts';
import type { ExternalId } from '../../../shared/format/index.ts';
import type { BlobStore } from '../../../shared/store/index.ts';
import { snapshotContent } from '../../../shared/writes/snapshot-content.ts';
import { type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import {
  baseContent,
  baseVector,
  buildWriteIndex,
  contentAsRows,
  contentDifferences,
  exactTop,
  numbers,
  type Row,
  table,
  writeVector,
} from './write-fixture.ts';

const index = 'writes-visibility';
const k = 10;

interface WrittenRow {
  readonly id: ExternalId;
  readonly vector: Float32Array;
  readonly attributes: Record<string, AttributeValue>;
}

type SearchOptions = { exact?: boolean; includeAttributes?: boolean; maxAllocators?: number };
/** Each check runs with the default options, exactly, and through a one-allocator tree. */
const optionSets: SearchOptions[] = [{}, { exact: true }, { maxAllocators: 1 }];

describe('a write is visible to the next search, over HTTP', () => {
  let target: SearchTarget;
  let store: BlobStore;
  const expected = baseContent();

  beforeAll(async () => {
    target = await startSearchTarget();
    store = await buildWriteIndex(target, index);
  });

  afterAll(async () => {
    await target?.stop();
  });

  const search = (vector: Float32Array, filter: unknown, options: SearchOptions, size = k) =>
    searchUrl(
      target.searchUrl,
      {
        index,
        k: size,
        queries: [{ vector: numbers(vector), ...(filter === undefined ? {} : { filter }) }],
        options: { includeAttributes: true, ...options },
      },
      { sign: target.sign },
    );
  const upsert = (vectors: WrittenRow[]) =>
    upsertUrl(
      target.searchUrl,
      {
        index,
        vectors: vectors.map((row) => ({
          id: row.id,
          vector: numbers(row.vector),
          attributes: row.attributes,
        })),
      },
      { sign: target.sign },
    ).then((answer) => {
      for (const row of vectors) expected.set(row.id, { vector: row.vector, attributes: row.attributes });
      return answer;
    });
  const remove = (ids: ExternalId[]) =>
    deleteUrl(target.searchUrl, { index, ids }, { sign: target.sign }).then((answer) => {
      for (const id of ids) expected.delete(id);
      return answer;
    });

  function hitsOf(response: SearchResponse, answer: WriteAnswer) {
    expect(response.stats.snapshot.sequence).toBeGreaterThanOrEqual(answer.sequence);
    expect(response.results).toHaveLength(1);
    return response.results[0]!.hits;
  }

  it('an upsert is found by the very next search: distance 0, its own attributes, its own filters', async () => {
    const rows: WrittenRow[] = [
      {
        id: 1_000_001,
        vector: writeVector(1),
        attributes: { u: 0.25, category: 'ultraviolet', tags: ['fresh'], score: 0.5 },
      },
      { id: 1_000_002, vector: writeVector(2), attributes: { u: 0.75, category: 'ultraviolet' } },
    ];
    const answer = await upsert(rows);
    expect(answer).toMatchObject({ index, upserted: 2, deleted: 0, replayed: false });
    for (const options of optionSets) {
      const what = JSON.stringify(options);
      const hits = hitsOf(await search(rows[0]!.vector, undefined, options), answer);
      expect(hits, what).toHaveLength(k);
      expect(hits[0], what).toEqual({ id: 1_000_001, distance: 0, attributes: rows[0]!.attributes });
      // Only the two upserted rows carry the new category: a filter on it finds exactly them.
      const violet = hitsOf(await search(rows[1]!.vector, { category: 'ultraviolet' }, options), answer);
      expect(violet, what).toEqual([
        { id: 1_000_002, distance: 0, attributes: rows[1]!.attributes },
        expect.objectContaining({ id: 1_000_001, attributes: rows[0]!.attributes }),
      ]);
      const fresh = hitsOf(
        await search(rows[1]!.vector, { tags: 'fresh', u: { $lt: 0.3 } }, options),
        answer,
      );
      expect(
        fresh.map((hit) => hit.id),
        what,
      ).toEqual([1_000_001]);
    }
  });

  it('a deleted row, upserted or built, is never returned again', async () => {
    const built = 42;
    const answer = await remove([1_000_001, built]);
    expect(answer).toMatchObject({ index, upserted: 0, deleted: 2, replayed: false });
    for (const options of optionSets) {
      const what = JSON.stringify(options);
      for (const [vector, id] of [
        [writeVector(1), 1_000_001],
        [baseVector(built), built],
      ] as const) {
        const hits = hitsOf(await search(vector, undefined, options), answer);
        expect(hits, what).toHaveLength(k);
        expect(
          hits.map((hit) => hit.id),
          what,
        ).not.toContain(id);
        expect(hits[0]!.distance, what).toBeGreaterThan(0);
      }
      const violet = hitsOf(await search(writeVector(1), { category: 'ultraviolet' }, options), answer);
      expect(
        violet.map((hit) => hit.id),
        what,
      ).toEqual([1_000_002]);
      const own = table.rowValues(built);
      const sameCategory = hitsOf(
        await search(baseVector(built), { category: own.category }, options),
        answer,
      );
      expect(sameCategory, what).toHaveLength(k);
      expect(
        sameCategory.map((hit) => hit.id),
        what,
      ).not.toContain(built);
    }
  });

  it('a replace matches the filters of its new attributes, not those of the old ones', async () => {
    const built = 7;
    const old = table.rowValues(built);
    expect(old.category).not.toBe('infrared');
    const replacement = { id: built, vector: writeVector(7), attributes: { category: 'infrared', u: 0.5 } };
    // A log row replaced in turn: its first attributes must stop matching too.
    const logRow = { id: 1_000_002, vector: writeVector(3), attributes: { category: 'infrared', u: 0.125 } };
    const answer = await upsert([replacement, logRow]);
    expect(answer).toMatchObject({ upserted: 2, deleted: 0, replayed: false });
    for (const options of optionSets) {
      const what = JSON.stringify(options);
      const infrared = hitsOf(await search(replacement.vector, { category: 'infrared' }, options), answer);
      expect(infrared, what).toEqual([
        { id: built, distance: 0, attributes: replacement.attributes },
        expect.objectContaining({ id: 1_000_002, attributes: logRow.attributes }),
      ]);
      // The old row's vector with its old category: the replaced row is gone from that filter.
      const oldCategory = hitsOf(
        await search(baseVector(built), { category: old.category }, options),
        answer,
      );
      expect(oldCategory, what).toHaveLength(k);
      expect(
        oldCategory.map((hit) => hit.id),
        what,
      ).not.toContain(built);
      // Nobody is ultraviolet any more (1_000_001 deleted, 1_000_002 replaced).
      expect(
        hitsOf(await search(writeVector(2), { category: 'ultraviolet' }, options), answer),
        what,
      ).toEqual([]);
      // u: 0.5 now, so not below 0.3 even though the old row may have been; its vector matches exactly.
      const low = hitsOf(await search(replacement.vector, { u: { $lt: 0.3 } }, options), answer);
      expect(
        low.map((hit) => hit.id),
        what,
      ).not.toContain(built);
      const unfiltered = hitsOf(await search(replacement.vector, undefined, options), answer);
      expect(unfiltered[0], what).toEqual({ id: built, distance: 0, attributes: replacement.attributes });
    }
  });

  it('exact answers equal brute force over snapshotContent of the same objects, which equals what was written', async () => {
    const content = await snapshotContent(store);
    expect(contentDifferences(content, expected)).toEqual([]);
    const rows = contentAsRows(content);
    const filters: [unknown, (row: Row) => boolean][] = [
      [undefined, () => true],
      [{ category: 'infrared' }, (row) => row.attributes.category === 'infrared'],
      [{ u: { $lt: 0.3 } }, (row) => (row.attributes.u as number) < 0.3],
      [
        { category: { $in: ['red', 'infrared'] } },
        (row) => ['red', 'infrared'].includes(row.attributes.category as string),
      ],
    ];
    for (let q = 0; q < 12; q++) {
      const [filter, keep] = filters[q % filters.length]!;
      const query = writeVector(100 + q);
      const response = await search(query, filter, { exact: true, includeAttributes: false });
      expect(response.stats.snapshot).toEqual({ version: content.version, sequence: content.sequence });
      const hits = response.results[0]!.hits;
      const truth = exactTop(rows, query, k, keep);
      expect(
        hits.map((hit) => hit.id),
        `query ${q}`,
      ).toEqual(truth.map((hit) => hit.id));
      hits.forEach((hit, i) => {
        expect(hit.distance).toBeCloseTo(truth[i]!.distance, 4);
      });
    }
  });
});
