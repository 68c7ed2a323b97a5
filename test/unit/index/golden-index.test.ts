/**
 * A small real index of format version 2, built by the real builder and committed under
 * test/fixtures/index-v2/ with the answers it gave (STYLE §8): every later version of the reader and
 * search must still open it and give the same answers. Regenerate only for a deliberate format change:
 *   UPDATE_GOLDEN=1 npx vitest run test/unit/index/golden-index.test.ts
 * test/fixtures/index-v1/ is the same build in format version 1 (no manifest checksum): readers refuse
 * it with a message saying to rebuild; its recorded answers must equal version 2's.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { IndexReader } from '../../../shared/index/index-reader.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { LocalDirectoryStore } from '../../../shared/store/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';

const GOLDEN = join(import.meta.dirname, '../../fixtures/index-v2');
const EXPECTED = join(GOLDEN, 'expected-answers.json');
const GOLDEN_V1 = join(import.meta.dirname, '../../fixtures/index-v1');
const dim = 12;
const queries = generateQueries({ count: 8, dim, seed: 77, fromDataset: { seed: 76, clusters: 4 } });
const filters = [undefined, { category: { $in: ['red', 'green'] } }, { u: { $lt: 0.3 }, tags: 'common' }];

async function answers(search: LocalSearch) {
  const all = [];
  for (const filter of filters) {
    const results = await search.search(
      Array.from({ length: queries.count }, (_, q) => ({
        vector: queries.vectors.subarray(q * dim, (q + 1) * dim),
        filter,
      })),
      { k: 5 },
    );
    all.push(results.map((result) => result.hits.map((hit) => [hit.id, Number(hit.distance.toFixed(4))])));
  }
  return all;
}

describe('golden index, format version 2', () => {
  it.runIf(process.env.UPDATE_GOLDEN === '1')('is regenerated on request', async () => {
    await rm(GOLDEN, { recursive: true, force: true });
    await mkdir(GOLDEN, { recursive: true });
    const data = generateDataset({ count: 400, dim, seed: 76, clusters: 4 });
    const attributes = new AttributeTable(SYNTHETIC_SCHEMA, 400, data.attributes!.columns());
    await buildIndex(
      { vectors: data.vectors, count: 400, dim, attributes },
      new LocalDirectoryStore(GOLDEN),
      {
        partitions: 4,
        bitsPerDim: 4,
        metric: 'l2',
        seed: 1,
        kmeansIterations: 10,
      },
    );
    const search = await LocalSearch.open(new LocalDirectoryStore(GOLDEN));
    await writeFile(EXPECTED, `${JSON.stringify(await answers(search))}\n`);
  });

  it('opens and answers exactly as when it was written', async () => {
    expect(existsSync(EXPECTED)).toBe(true);
    const search = await LocalSearch.open(new LocalDirectoryStore(GOLDEN));
    expect(search.reader.manifest).toMatchObject({
      formatVersion: 2,
      version: 1,
      count: 400,
      dim,
      partitions: 4,
    });
    expect(await answers(search)).toEqual(JSON.parse(await readFile(EXPECTED, 'utf8')));
  });
});

describe('golden index, format version 1', () => {
  it('is refused with a message saying to rebuild, and gave the answers version 2 gives', async () => {
    await expect(LocalSearch.open(new LocalDirectoryStore(GOLDEN_V1))).rejects.toThrow(
      /^`CURRENT` in .*index-v1 holds only a version number \(1\): it was published by index format 1, whose manifests carry no checksum \(or the rest of its line was lost\); this build reads format version 2: rebuild the index/,
    );
    await expect(IndexReader.open(new LocalDirectoryStore(GOLDEN_V1), { version: 1 })).rejects.toThrow(
      '`v1/manifest.json` has format version 1, whose manifest carries no checksum',
    );
    expect(JSON.parse(await readFile(join(GOLDEN_V1, 'expected-answers.json'), 'utf8'))).toEqual(
      JSON.parse(await readFile(EXPECTED, 'utf8')),
    );
  });
});
