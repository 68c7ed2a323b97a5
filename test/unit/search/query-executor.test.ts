import { beforeAll, describe, expect, it } from 'vitest';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { IndexReader } from '../../../shared/index/index-reader.ts';
import { prepareQuery } from '../../../shared/metric.ts';
import type { PartitionData } from '../../../shared/search/partition-data.ts';
import {
  type PartitionQuery,
  partitionSearchOptions,
  searchPartition,
} from '../../../shared/search/partition-search.ts';
import {
  defaultQueryOptions,
  type ExecutorQuery,
  executeQueries,
  type RoundOrder,
} from '../../../shared/search/query-executor.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';

const count = 4000;
const dim = 24;
const dataset = generateDataset({ count, dim, seed: 3, clusters: 10 });
const queries = generateQueries({ count: 30, dim, seed: 4, fromDataset: { seed: 3, clusters: 10 } });
const filters = [undefined, { u: { $lt: 0.3 } }, { category: 'red' }, { u: { $lt: 0.02 } }];

let reader: IndexReader;
let partitions: PartitionData[];

beforeAll(async () => {
  const store = new MemoryBlobStore();
  const attributes = new AttributeTable(SYNTHETIC_SCHEMA, count, dataset.attributes!.columns());
  await buildIndex({ vectors: dataset.vectors, count, dim, attributes }, store, {
    partitions: 8,
    bitsPerDim: 4,
    metric: 'l2',
    seed: 1,
    kmeansIterations: 8,
  });
  reader = await IndexReader.open(store);
  partitions = await Promise.all(Array.from({ length: 8 }, (_, p) => reader.loadPartition(p)));
});

function prepared(filter: unknown): ExecutorQuery[] {
  return Array.from({ length: queries.count }, (_, q) => ({
    vector: prepareQuery(reader.space, queries.vectors.subarray(q * dim, (q + 1) * dim)),
    filter: reader.compileFilter(filter),
  }));
}

async function run(filter: unknown, exact: boolean, order: RoundOrder) {
  const options = { ...defaultQueryOptions, k: 10, exact };
  const partitionOptions = partitionSearchOptions(options);
  return executeQueries(
    reader.layout,
    prepared(filter),
    options,
    async (p, requests) =>
      requests.map((request) => searchPartition(partitions[p]!, request.query, partitionOptions)),
    order,
  );
}

describe('round order', () => {
  for (const filter of filters) {
    for (const exact of [false, true]) {
      it(`nearest-first returns the same hits as parallel (${JSON.stringify(filter)}, exact ${exact})`, async () => {
        const parallel = await run(filter, exact, 'parallel');
        const nearestFirst = await run(filter, exact, 'nearest-first');
        expect(nearestFirst.map((outcome) => outcome.hits)).toEqual(parallel.map((outcome) => outcome.hits));
        expect(parallel.some((outcome) => outcome.hits.length === 10)).toBe(true);
      });
    }
  }
});

describe('a bounded partition search', () => {
  for (const mode of ['exact', 'approximate'] as const) {
    it(`keeps exactly the unbounded hits within the bound (${mode})`, () => {
      const options = partitionSearchOptions(defaultQueryOptions);
      let bounded = 0;
      for (const query of prepared({ u: { $lt: 0.5 } })) {
        for (const data of partitions) {
          const unbounded: PartitionQuery = { vector: query.vector, filter: query.filter, k: 10, mode };
          const all = searchPartition(data, unbounded, options).hits;
          if (all.length < 4) continue;
          const bound = all[3]!.distance;
          const within = searchPartition(data, { ...unbounded, bound }, options).hits;
          expect(within).toEqual(all.filter((hit) => hit.distance <= bound));
          bounded++;
        }
      }
      expect(bounded).toBeGreaterThan(100);
    });
  }
});
