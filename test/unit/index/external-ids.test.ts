import { describe, expect, it } from 'vitest';
import { searchResponse } from '../../../functions/coordinator/search-response.ts';
import { emptyPathStats } from '../../../functions/wire/path-stats.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { IndexFormatError, InvalidInputError } from '../../../shared/errors/index.ts';
import { ExternalIds } from '../../../shared/format/index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { generateDataset, generateQueries } from '../../../shared/synthetic/index.ts';

const count = 800;
const dim = 8;
const data = generateDataset({ count, dim, seed: 4, clusters: 4, attributes: false });
const queries = generateQueries({ count: 5, dim, seed: 5, fromDataset: { seed: 4, clusters: 4 } });
const options = { partitions: 4, bitsPerDim: 4, metric: 'l2' as const, seed: 1, kmeansIterations: 5 };
const input = { vectors: data.vectors, count, dim };

async function openWith(ids: readonly (string | number)[]) {
  const store = new MemoryBlobStore();
  await buildIndex({ ...input, ids }, store, options);
  return LocalSearch.open(store);
}

describe('external ids', () => {
  it('string ids come back with every hit, by ordinal', async () => {
    const ids = Array.from({ length: count }, (_, i) => `doc-${(i * 7919) % 100_003}`);
    const search = await openWith(ids);
    expect(search.reader.manifest.externalIdKind).toBe('string');
    const results = await search.search([{ vector: queries.vectors.subarray(0, dim) }], {
      k: 5,
      exact: true,
    });
    for (const hit of results[0]!.hits) expect(hit.externalId).toBe(ids[hit.id]);
  });

  it('integer ids read back as numbers', async () => {
    const ids = Array.from({ length: count }, (_, i) => 1_000_000_000 + i * 3);
    const search = await openWith(ids);
    expect(search.reader.manifest.externalIdKind).toBe('integer');
    const results = await search.search([{ vector: queries.vectors.subarray(0, dim) }], { k: 3 });
    for (const hit of results[0]!.hits) expect(hit.externalId).toBe(ids[hit.id]);
  });

  it('an index without ids answers with ordinals only', async () => {
    const store = new MemoryBlobStore();
    await buildIndex(input, store, options);
    const search = await LocalSearch.open(store);
    const results = await search.search([{ vector: queries.vectors.subarray(0, dim) }], { k: 3 });
    expect(results[0]!.hits.every((hit) => hit.externalId === undefined)).toBe(true);
    expect(await search.reader.externalIds()).toBeUndefined();
  });

  const bad: [string, unknown[], RegExp][] = [
    ['a duplicate', ['a', 'b', 'a'], /row 2: id "a" is given twice/],
    ['a missing id', ['a', undefined, 'c'], /row 1: id missing is not valid/],
    ['mixed kinds', ['a', 2, 'c'], /row 1: id 2 is not valid/],
    ['the wrong count', ['a'], /1 ids for 3 vectors/],
  ];
  for (const [what, ids, message] of bad) {
    it(`rejects ${what} before writing anything`, async () => {
      const store = new MemoryBlobStore();
      const three = { vectors: data.vectors.subarray(0, 3 * dim), count: 3, dim };
      const build = buildIndex({ ...three, ids: ids as string[] }, store, { ...options, partitions: 1 });
      await expect(build).rejects.toThrow(InvalidInputError);
      await expect(build).rejects.toThrow(message);
      expect(await store.list('')).toEqual([]);
    });
  }

  it('encode/decode round-trips; a truncated section is an IndexFormatError', () => {
    const ids = ['a', 'ü-ß', '', 'long id with spaces'].slice(0, 3).concat(['x']);
    const bytes = ExternalIds.encode(ids);
    const decoded = ExternalIds.decode(bytes, ids.length, 'string', 'ids.bin');
    expect(Array.from({ length: ids.length }, (_, i) => decoded.get(i))).toEqual(ids);
    expect(() => ExternalIds.decode(bytes.subarray(0, 10), ids.length, 'string', 'ids.bin')).toThrow(
      IndexFormatError,
    );
    expect(() =>
      ExternalIds.decode(bytes.subarray(0, bytes.length - 1), ids.length, 'string', 'ids.bin'),
    ).toThrow(/past the end/);
  });

  it('the coordinator answers with the input ids', async () => {
    const ids = Array.from({ length: count }, (_, i) => `doc-${i}`);
    const search = await openWith(ids);
    const externalIds = (await search.reader.externalIds())!;
    const stats = {
      plan: 'exact' as const,
      partitionsVisited: 1,
      rounds: 1,
      matchesEstimated: 1,
      vectorsScanned: 1,
      missingPartitions: [],
    };
    const response = searchResponse(
      'docs',
      { version: 1, sequence: 0 },
      [
        {
          position: 0,
          hits: [
            { id: 17, distance: 1.5 },
            { id: 3, distance: 2 },
          ],
          stats,
        },
      ],
      emptyPathStats(),
      1,
      externalIds,
    );
    expect(response.results[0]!.hits).toEqual([
      { id: 'doc-17', distance: 1.5 },
      { id: 'doc-3', distance: 2 },
    ]);
  });
});
