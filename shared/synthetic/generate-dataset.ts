import { InvalidInputError } from '../errors/errors.ts';
import { createRng, type Rng } from '../random.ts';
import { ATTRIBUTE_STREAM, deriveSeed, SCORE_STREAM, VECTOR_STREAM } from './derive-seed.ts';
import { GaussianStream } from './gaussian-stream.ts';
import { createMixtureModel, type MixtureModel, sampleMixture } from './mixture-model.ts';
import { clusterRanks, SyntheticAttributes, sampleAttributes } from './synthetic-attributes.ts';

/**
 * Seeded synthetic datasets: clustered anisotropic Gaussian vectors (mixture-model.ts) with
 * attributes of known selectivity (synthetic-attributes.ts). Vectors and attributes come from
 * separate streams, and a dataset streamed in chunks equals the one generated at once.
 */
export interface DatasetOptions {
  /** Rows. */
  readonly count: number;
  readonly dim: number;
  readonly seed: number;
  /** Mixture components. @default 32 */
  readonly clusters?: number;
  /** Generate the attribute columns too. @default true */
  readonly attributes?: boolean;
}

export interface SyntheticDataset {
  readonly count: number;
  readonly dim: number;
  /** count × dim, row-major. */
  readonly vectors: Float32Array;
  /** The mixture component each row was drawn from (ground truth for clustering tests). */
  readonly labels: Uint32Array;
  readonly attributes: SyntheticAttributes | null;
}

export const DEFAULT_CLUSTERS = 32;

export function generateDataset(options: DatasetOptions): SyntheticDataset {
  const stream = new SyntheticDatasetStream(options);
  return stream.next(options.count)!;
}

/** Generates a dataset chunk by chunk, in row order, so that 1 M rows need not be in memory at once. */
export class SyntheticDatasetStream {
  readonly count: number;
  readonly dim: number;
  readonly model: MixtureModel;
  private readonly vectorRng: Rng;
  private readonly gaussian: GaussianStream;
  private readonly attributeRng: Rng | null;
  private readonly ranks: Uint32Array;
  private generated = 0;

  constructor(options: DatasetOptions) {
    const { count, dim, seed } = options;
    const clusters = options.clusters ?? DEFAULT_CLUSTERS;
    checkShape('dataset', count, dim, seed, clusters);
    this.count = count;
    this.dim = dim;
    this.model = createMixtureModel(dim, clusters, seed);
    this.vectorRng = createRng(deriveSeed(seed, VECTOR_STREAM));
    this.gaussian = new GaussianStream(this.vectorRng);
    this.attributeRng = options.attributes === false ? null : createRng(deriveSeed(seed, ATTRIBUTE_STREAM));
    this.ranks = clusterRanks(clusters, createRng(deriveSeed(seed, SCORE_STREAM)));
  }

  get remaining(): number {
    return this.count - this.generated;
  }

  /** The next min(maxRows, remaining) rows, or null when all rows have been generated. */
  next(maxRows: number): SyntheticDataset | null {
    if (!Number.isSafeInteger(maxRows) || maxRows < 1) {
      throw new InvalidInputError(`maxRows must be a positive integer, got ${maxRows}`);
    }
    const rows = Math.min(maxRows, this.remaining);
    if (rows === 0) return null;
    const vectors = new Float32Array(rows * this.dim);
    const labels = new Uint32Array(rows);
    sampleMixture(this.model, this.vectorRng, this.gaussian, rows, vectors, labels);
    let attributes: SyntheticAttributes | null = null;
    if (this.attributeRng !== null) {
      attributes = new SyntheticAttributes(
        new Float64Array(rows),
        new Int32Array(rows),
        new Uint8Array(rows),
        new Float64Array(rows),
      );
      sampleAttributes(this.attributeRng, this.ranks, labels, rows, attributes);
    }
    this.generated += rows;
    return { count: rows, dim: this.dim, vectors, labels, attributes };
  }
}

export function checkShape(what: string, count: number, dim: number, seed: number, clusters: number): void {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new InvalidInputError(`${what} count must be a positive integer, got ${count}`);
  }
  if (!Number.isSafeInteger(dim) || dim < 1) {
    throw new InvalidInputError(`${what} dim must be a positive integer, got ${dim}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidInputError(`${what} seed must be a non-negative integer, got ${seed}`);
  }
  if (!Number.isSafeInteger(clusters) || clusters < 1 || clusters > 65_536) {
    throw new InvalidInputError(`${what} clusters must be an integer in [1, 65536], got ${clusters}`);
  }
}
