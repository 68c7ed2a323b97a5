/**
 * The rows and queries `npm run bench:writes` writes and searches: seeded synthetic vectors (the
 * synthetic attributes `u`, `category`, `tags`, `score`) or Fashion-MNIST (a seeded shuffle of the
 * 60,000 training images, attributes `label` and `u`), both with two filters — about 10 % (a category)
 * and 1 % (`u < 0.01`) — each with its own evaluation on a row's attributes, so an answer can be checked
 * against the exact top k of the content without the index's filter code.
 */
import { AttributeTable, type AttributeValue } from '../../shared/attributes/index.ts';
import type { BuildOptions } from '../../shared/build/build-index.ts';
import { createRng } from '../../shared/random.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../shared/synthetic/index.ts';
import {
  fashionMnistClasses,
  fashionMnistSchema,
  loadFashionMnist,
  uniformAttribute,
} from './fashion-mnist.ts';

export type Attributes = Readonly<Record<string, AttributeValue>>;

export interface Workload {
  readonly name: string;
  /** The search filter of query q (undefined: unfiltered). */
  readonly filterOf: (q: number) => unknown;
  /** The same filter evaluated on a row's own attributes. */
  readonly keepOf: (q: number) => (attributes: Attributes) => boolean;
}

export interface WriteBenchData {
  readonly name: string;
  readonly dim: number;
  /** Rows available: ids 0…rows−1, in the order they are built and written. */
  readonly rows: number;
  vector(row: number): Float32Array;
  attributes(row: number): Attributes;
  /** The first `count` rows as a build input. */
  buildInput(count: number): {
    vectors: Float32Array;
    count: number;
    dim: number;
    attributes: AttributeTable;
  };
  readonly queries: Float32Array;
  readonly queryCount: number;
  readonly workloads: readonly Workload[];
  readonly buildOptions: BuildOptions;
}

const uBelow = (limit: number): Workload => ({
  name: `u < ${limit} (${limit * 100} %)`,
  filterOf: () => ({ u: { $lt: limit } }),
  keepOf: () => (row) => (row.u as number) < limit,
});

const unfiltered: Workload = { name: 'unfiltered', filterOf: () => undefined, keepOf: () => () => true };

/** `count` rows of 128-D (or `dim`) seeded synthetic vectors with the synthetic attributes. */
export function syntheticData(options: {
  count: number;
  dim: number;
  queries: number;
  partitions: number;
}): WriteBenchData {
  const { count, dim } = options;
  const data = generateDataset({ count, dim, seed: 1 });
  const attributes = data.attributes!;
  const queries = generateQueries({ count: options.queries, dim, seed: 2, fromDataset: { seed: 1 } });
  return {
    name: `synthetic ${dim}-D (seed 1)`,
    dim,
    rows: count,
    vector: (row) => data.vectors.subarray(row * dim, (row + 1) * dim),
    attributes: (row) => attributes.row(row),
    buildInput: (n) => ({
      vectors: data.vectors.subarray(0, n * dim),
      count: n,
      dim,
      attributes: AttributeTable.fromRows(
        SYNTHETIC_SCHEMA,
        Array.from({ length: n }, (_, row) => attributes.row(row)),
      ),
    }),
    queries: queries.vectors,
    queryCount: options.queries,
    workloads: [
      unfiltered,
      {
        name: 'category = red (10 %)',
        filterOf: () => ({ category: 'red' }),
        keepOf: () => (row) => row.category === 'red',
      },
      uBelow(0.01),
    ],
    buildOptions: {
      partitions: options.partitions,
      bitsPerDim: 4,
      metric: 'l2',
      seed: 1,
      kmeansIterations: 20,
    },
  };
}

/** Fashion-MNIST's training images in a seeded order (seed 11), the test images as queries. */
export async function fashionMnistData(options: {
  imagesDir: string;
  dataDir: string;
  queries: number;
  partitions: number;
}): Promise<WriteBenchData> {
  const data = await loadFashionMnist(options.imagesDir, options.dataDir);
  const { dim } = data;
  const u = uniformAttribute(data.count);
  const order = shuffled(data.count, 11);
  const source = (row: number) => order[row]!;
  const vector = (row: number) => data.base.subarray(source(row) * dim, (source(row) + 1) * dim);
  const attributes = (row: number): Attributes => ({
    label: fashionMnistClasses[data.labels[source(row)]!]!,
    u: u[source(row)]!,
  });
  const labelOf = (q: number) => fashionMnistClasses[data.queryLabels[q]!]!;
  return {
    name: 'Fashion-MNIST 784-D (training images, seeded order)',
    dim,
    rows: data.count,
    vector,
    attributes,
    buildInput: (n) => {
      const vectors = new Float32Array(n * dim);
      for (let row = 0; row < n; row++) vectors.set(vector(row), row * dim);
      return {
        vectors,
        count: n,
        dim,
        attributes: AttributeTable.fromRows(
          fashionMnistSchema,
          Array.from({ length: n }, (_, row) => attributes(row)),
        ),
      };
    },
    queries: data.queries.subarray(0, Math.min(options.queries, data.queryCount) * dim),
    queryCount: Math.min(options.queries, data.queryCount),
    workloads: [
      unfiltered,
      {
        name: "label = query's class (10 %)",
        filterOf: (q) => ({ label: labelOf(q) }),
        keepOf: (q) => (row) => row.label === labelOf(q),
      },
      uBelow(0.01),
    ],
    buildOptions: {
      partitions: options.partitions,
      bitsPerDim: 4,
      metric: 'l2',
      seed: 1,
      kmeansIterations: 30,
    },
  };
}

/** A seeded permutation of 0…n−1 (Fisher–Yates). */
export function shuffled(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
