import { createRng, type Rng } from '../random.ts';
import { deriveSeed, MODEL_STREAM } from './derive-seed.ts';
import type { GaussianStream } from './gaussian-stream.ts';

/**
 * The distribution synthetic vectors are drawn from: a mixture of `clusters` anisotropic Gaussians.
 * - Dimension d carries a global energy profile g_d falling geometrically from 1 to 1/4 (16× in
 *   variance), like real embeddings whose variance concentrates in a few directions, so that the
 *   bit allocation has energies to tell apart.
 * - Cluster c has weight ∝ 0.5 + U(0,1) (unequal, as natural clusters are), centre N(0, g_d²) per
 *   coordinate, an independent per-dimension spread σ·g_d·(0.4 + 1.2·U(0,1)), and RANK random
 *   directions with weights 1.5/(r+1) added with a common N(0,1) coefficient each. Those directions
 *   correlate the coordinates within a cluster, so a KLT finds axes the raw coordinates do not have.
 * Everything is drawn from the model seed; rows are drawn by `sampleMixture` from another stream.
 */
export interface MixtureModel {
  readonly dim: number;
  readonly clusters: number;
  /** Cumulative cluster weights; the last one is 1. */
  readonly cumulativeWeights: Float64Array;
  /** clusters × dim. */
  readonly centres: Float32Array;
  /** clusters × dim: standard deviation of the independent noise. */
  readonly spreads: Float32Array;
  /** clusters × RANK × dim: scaled correlation directions. */
  readonly directions: Float32Array;
}

const RANK = 4;
const SIGMA = 0.5;

export function createMixtureModel(dim: number, clusters: number, seed: number): MixtureModel {
  const rng = createRng(deriveSeed(seed, MODEL_STREAM));
  const profile = new Float64Array(dim);
  for (let d = 0; d < dim; d++) profile[d] = 0.25 ** (d / Math.max(1, dim - 1));
  const cumulativeWeights = new Float64Array(clusters);
  let total = 0;
  for (let c = 0; c < clusters; c++) {
    total += 0.5 + rng.next();
    cumulativeWeights[c] = total;
  }
  for (let c = 0; c < clusters; c++) cumulativeWeights[c]! /= total;
  cumulativeWeights[clusters - 1] = 1;
  const centres = new Float32Array(clusters * dim);
  const spreads = new Float32Array(clusters * dim);
  const directions = new Float32Array(clusters * RANK * dim);
  for (let c = 0; c < clusters; c++) {
    for (let d = 0; d < dim; d++) {
      centres[c * dim + d] = rng.normal() * profile[d]!;
      spreads[c * dim + d] = SIGMA * profile[d]! * (0.4 + 1.2 * rng.next());
    }
    for (let r = 0; r < RANK; r++) {
      const base = (c * RANK + r) * dim;
      for (let d = 0; d < dim; d++)
        directions[base + d] = ((SIGMA * 1.5) / (r + 1)) * profile[d]! * rng.normal();
    }
  }
  return { dim, clusters, cumulativeWeights, centres, spreads, directions };
}

/** Draws `count` rows into `vectors` (row `first` onwards) and their cluster into `labels`. */
export function sampleMixture(
  model: MixtureModel,
  rng: Rng,
  gaussian: GaussianStream,
  count: number,
  vectors: Float32Array,
  labels: Uint32Array,
  first = 0,
): void {
  const { dim, clusters, cumulativeWeights, centres, spreads, directions } = model;
  const coefficients = new Float64Array(RANK);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const u = rng.next();
    let c = 0;
    while (c < clusters - 1 && cumulativeWeights[c]! <= u) c++;
    const c0 = c * dim;
    for (let d = 0; d < dim; d++) row[d] = centres[c0 + d]! + spreads[c0 + d]! * gaussian.next();
    for (let r = 0; r < RANK; r++) coefficients[r] = gaussian.next();
    for (let r = 0; r < RANK; r++) {
      const base = (c * RANK + r) * dim;
      const coefficient = coefficients[r]!;
      for (let d = 0; d < dim; d++) row[d]! += coefficient * directions[base + d]!;
    }
    const x0 = (first + i) * dim;
    for (let d = 0; d < dim; d++) vectors[x0 + d] = row[d]!;
    labels[first + i] = c;
  }
}
