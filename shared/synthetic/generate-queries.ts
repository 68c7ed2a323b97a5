import { createRng } from '../random.ts';
import { deriveSeed, QUERY_STREAM } from './derive-seed.ts';
import { GaussianStream } from './gaussian-stream.ts';
import { checkShape, DEFAULT_CLUSTERS } from './generate-dataset.ts';
import { createMixtureModel, sampleMixture } from './mixture-model.ts';

/**
 * Queries from the distribution of a dataset: fresh draws from the same mixture (same model seed and
 * clusters) on a query stream of their own, so they are near the data but never copies of base rows.
 */
export interface QueryOptions {
  readonly count: number;
  readonly dim: number;
  /** Seed of the query stream. */
  readonly seed: number;
  /** The dataset whose distribution to follow. @default the mixture of `seed` with DEFAULT_CLUSTERS */
  readonly fromDataset?: { readonly seed: number; readonly clusters?: number };
}

export interface SyntheticQueries {
  readonly count: number;
  readonly dim: number;
  /** count × dim, row-major. */
  readonly vectors: Float32Array;
  /** The mixture component each query was drawn from. */
  readonly labels: Uint32Array;
}

export function generateQueries(options: QueryOptions): SyntheticQueries {
  const { count, dim, seed } = options;
  const modelSeed = options.fromDataset?.seed ?? seed;
  const clusters = options.fromDataset?.clusters ?? DEFAULT_CLUSTERS;
  checkShape('queries', count, dim, seed, clusters);
  checkShape('queries fromDataset', 1, dim, modelSeed, clusters);
  const model = createMixtureModel(dim, clusters, modelSeed);
  const rng = createRng(deriveSeed(seed, QUERY_STREAM));
  const vectors = new Float32Array(count * dim);
  const labels = new Uint32Array(count);
  sampleMixture(model, rng, new GaussianStream(rng), count, vectors, labels);
  return { count, dim, vectors, labels };
}
