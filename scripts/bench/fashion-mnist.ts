/**
 * Fashion-MNIST as the benchmarks and dataset tests use it: the 60,000 training images (784 uint8
 * pixels widened to float32) as the base, the 10,000 test images as queries, the class label as a
 * `category` attribute (10 % each) and the official unfiltered L2 top-100 of ann-benchmarks.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type AttributeSchema, AttributeTable } from '../../shared/attributes/index.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import { fashionMnistFiles, readIdxImages, readIdxLabels, readIvecs } from '../../shared/data/index.ts';
import { createRng } from '../../shared/random.ts';
import type { LocalDirectoryStore } from '../../shared/store/index.ts';
import { cachedIndex } from './cached-index.ts';

export const fashionMnistClasses = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export interface FashionMnist {
  readonly base: Float32Array;
  readonly count: number;
  readonly dim: number;
  readonly labels: Uint8Array;
  readonly queries: Float32Array;
  readonly queryCount: number;
  readonly queryLabels: Uint8Array;
  /** Official exact L2 top-100 ids per query (10,000 × 100), when the ground-truth file is present. */
  readonly truth: Int32Array;
}

export async function loadFashionMnist(imagesDir: string, dataDir: string): Promise<FashionMnist> {
  const files = fashionMnistFiles(imagesDir);
  const truthPath = join(dataDir, 'fashion-mnist', 'fashion-mnist_groundtruth_l2_top100.ivecs');
  for (const path of [...Object.values(files), truthPath]) {
    if (!existsSync(path)) {
      throw new Error(
        `Fashion-MNIST file ${path} is missing: install the images with \`apt-get install -y dataset-fashion-mnist\` ` +
          '(or set SQUASH_FASHION_MNIST_DIR) and the ground truth with SQUASH_DATA_DIR (default ../shared/data)',
      );
    }
  }
  const [train, labels, test, queryLabels, truth] = await Promise.all([
    readIdxImages(files.trainImages),
    readIdxLabels(files.trainLabels),
    readIdxImages(files.testImages),
    readIdxLabels(files.testLabels),
    readIvecs(truthPath),
  ]);
  return {
    base: train.vectors,
    count: train.n,
    dim: train.dim,
    labels,
    queries: test.vectors,
    queryCount: test.n,
    queryLabels,
    truth: truth.values,
  };
}

/** Partitions of the benchmark index: measured on this machine kind, 32 builds in half the time of 64 at equal speed and recall. */
export const fashionMnistPartitions = 32;

/** The seeded uniform attribute `u` (selectivity s ⇔ `u < s`). */
export function uniformAttribute(count: number, seed = 7): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: count }, () => rng.next());
}

/** Attributes of the benchmark index: the class `label` (category) and the uniform `u` (number). */
export function fashionMnistAttributes(data: FashionMnist, u = uniformAttribute(data.count)): AttributeTable {
  return AttributeTable.fromRows(
    fashionMnistSchema,
    Array.from({ length: data.count }, (_, i) => ({
      label: fashionMnistClasses[data.labels[i]!]!,
      u: u[i]!,
    })),
  );
}

export const fashionMnistSchema: AttributeSchema = {
  attributes: [
    { name: 'label', kind: 'category' },
    { name: 'u', kind: 'number' },
  ],
};

/** The benchmark index (label + u attributes), built once into the index cache. */
export async function fashionMnistIndex(data: FashionMnist): Promise<LocalDirectoryStore> {
  const partitions = fashionMnistPartitions;
  const { store } = await cachedIndex(`fashion-mnist-p${partitions}-b4-s1`, (target) =>
    buildIndex(
      { vectors: data.base, count: data.count, dim: data.dim, attributes: fashionMnistAttributes(data) },
      target,
      { partitions, bitsPerDim: 4, metric: 'l2', seed: 1, kmeansIterations: 30 },
    ),
  );
  return store;
}
