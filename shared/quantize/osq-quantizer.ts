/**
 * The OSQ codec of one partition (faiss-like: train / encode / decode): KLT, energy-based bit
 * allocation, per-dimension Lloyd–Max boundaries, segment-major OSQ codes and sign (binary) codes.
 *
 * Design decisions:
 * - Energies are the KLT eigenvalues: with the population covariance, eigenvalue j IS the variance of
 *   KLT coordinate j over the training vectors, so no second pass over the data is needed for them.
 * - A dimension never gets more cells than there are training vectors (`maxCells = n`).
 * - Training keeps the KLT coordinates dimension-major in float64 (8·n·D bytes), computed by the same
 *   `kltTransform` that `encode` uses, so every training value is encoded inside the boundaries it was
 *   trained with. Dimension d's boundaries are seeded with a seed derived from (seed, d).
 * - A 0-bit dimension still has one cell [min, max], which gives the search a lower bound for it.
 * - `new OsqQuantizer(params)` validates params that usually come from an index file, so a mismatch is
 *   an IndexFormatError.
 */
import { IndexFormatError, InvalidInputError } from '../errors/errors.ts';
import { binaryCode, binaryCodeBytes } from './binary-codes.ts';
import { allocateBits } from './bit-allocation.ts';
import { cellOf, trainBoundaries } from './boundaries.ts';
import { checkVectors } from './check-vectors.ts';
import { type Klt, kltTransform, trainKlt } from './klt.ts';
import { packCodes, readCode } from './osq-codes.ts';
import { type OsqLayout, osqLayout } from './osq-layout.ts';

export interface OsqParams {
  readonly klt: Klt;
  /** D: bits per dimension (cells = 2^bits). */
  readonly bits: Uint8Array;
  /** Ragged, all dimensions concatenated; dimension d has 2^bits[d] + 1 ascending values. */
  readonly boundaries: Float32Array;
  /** D + 1: dimension d's boundaries are boundaries[boundaryOffsets[d] .. boundaryOffsets[d + 1]). */
  readonly boundaryOffsets: Uint32Array;
}

export interface OsqTrainOptions {
  /** OSQ bits per vector (the budget B; the design default is 4·D). Σbits = min(B, D·min(8, ⌊log2 n⌋)). */
  readonly bitsPerVector: number;
  readonly seed: number;
}

export interface OsqEncoded {
  /** S×n segment-major OSQ codes. */
  readonly osq: Uint8Array;
  /** n × binaryBytes sign codes, row-major. */
  readonly binary: Uint8Array;
}

export class OsqQuantizer {
  readonly dim: number;
  /** S: OSQ bytes per vector (one per segment). */
  readonly codeBytes: number;
  /** ⌈D/8⌉: sign-code bytes per vector. */
  readonly binaryBytes: number;
  readonly layout: OsqLayout;

  static train(vectors: Float32Array, n: number, dim: number, options: OsqTrainOptions): OsqQuantizer {
    return OsqQuantizer.fit(vectors, n, dim, options).quantizer;
  }

  /** `train` then `encode` of the same vectors, reusing the training pass's KLT coordinates. */
  static trainAndEncode(
    vectors: Float32Array,
    n: number,
    dim: number,
    options: OsqTrainOptions,
  ): { quantizer: OsqQuantizer } & OsqEncoded {
    const { quantizer, coordinates } = OsqQuantizer.fit(vectors, n, dim, options);
    return { quantizer, ...quantizer.encodeCoordinates(coordinates, n) };
  }

  /** Trains on the vectors; also returns their KLT coordinates, dimension-major (d·n + r). */
  private static fit(
    vectors: Float32Array,
    n: number,
    dim: number,
    options: OsqTrainOptions,
  ): { quantizer: OsqQuantizer; coordinates: Float64Array } {
    const klt = trainKlt(vectors, n, dim);
    const energies = klt.eigenvalues.map((value) => Math.max(0, value));
    const bits = allocateBits(energies, options.bitsPerVector, { maxCells: n });

    const coordinates = new Float64Array(dim * n);
    const z = new Float64Array(dim);
    for (let r = 0; r < n; r++) {
      kltTransform(klt, vectors, r * dim, z);
      for (let d = 0; d < dim; d++) coordinates[d * n + r] = z[d]!;
    }

    const boundaryOffsets = new Uint32Array(dim + 1);
    for (let d = 0; d < dim; d++) boundaryOffsets[d + 1] = boundaryOffsets[d]! + (1 << bits[d]!) + 1;
    const boundaries = new Float32Array(boundaryOffsets[dim]!);
    for (let d = 0; d < dim; d++) {
      const values = coordinates.subarray(d * n, (d + 1) * n);
      const seed = (options.seed ^ Math.imul(d + 1, 0x9e3779b1)) >>> 0;
      boundaries.set(trainBoundaries(values, 1 << bits[d]!, { seed }), boundaryOffsets[d]!);
    }
    return { quantizer: new OsqQuantizer({ klt, bits, boundaries, boundaryOffsets }), coordinates };
  }

  constructor(readonly params: OsqParams) {
    checkParams(params);
    this.dim = params.klt.dim;
    this.layout = osqLayout(params.bits);
    this.codeBytes = this.layout.segments;
    this.binaryBytes = binaryCodeBytes(this.dim);
  }

  encode(vectors: Float32Array, n: number): OsqEncoded {
    const { dim } = this;
    checkVectors(vectors, n, dim, 'vectors to encode');
    const coordinates = new Float64Array(dim * n);
    const z = new Float64Array(dim);
    for (let r = 0; r < n; r++) {
      kltTransform(this.params.klt, vectors, r * dim, z);
      for (let d = 0; d < dim; d++) coordinates[d * n + r] = z[d]!;
    }
    return this.encodeCoordinates(coordinates, n);
  }

  /** Codes of n vectors given by their KLT coordinates, dimension-major (d·n + r). */
  private encodeCoordinates(coordinates: Float64Array, n: number): OsqEncoded {
    const { dim, binaryBytes } = this;
    const { bits, boundaries, boundaryOffsets } = this.params;
    const cellCodes = new Uint8Array(n * dim);
    const binary = new Uint8Array(n * binaryBytes);
    const z = new Float64Array(dim);
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < dim; d++) z[d] = coordinates[d * n + r]!;
      binaryCode(z, dim, binary, r * binaryBytes);
      const row = r * dim;
      for (let d = 0; d < dim; d++) {
        const width = bits[d]!;
        if (width > 0) cellCodes[row + d] = cellOf(boundaries, boundaryOffsets[d]!, 1 << width, z[d]!);
      }
    }
    return { osq: packCodes(cellCodes, n, this.layout), binary };
  }

  /** Writes the KLT-space reconstruction (cell midpoints) of row `row` of the n-vector codes `osq`. */
  decode(osq: Uint8Array, n: number, row: number, out: Float64Array): void {
    const { boundaries, boundaryOffsets } = this.params;
    if (out.length < this.dim) {
      throw new InvalidInputError(`decode needs an output of ${this.dim} coordinates, got ${out.length}`);
    }
    for (let d = 0; d < this.dim; d++) {
      const at = boundaryOffsets[d]! + readCode(osq, n, this.layout, row, d);
      out[d] = (boundaries[at]! + boundaries[at + 1]!) / 2;
    }
  }
}

function checkParams(params: OsqParams): void {
  const { klt, bits, boundaries, boundaryOffsets } = params;
  const dim = klt.dim;
  const fail = (problem: string): never => {
    throw new IndexFormatError(`OSQ quantizer parameters: ${problem}`);
  };
  if (!Number.isInteger(dim) || dim < 1) fail(`dimension must be a positive integer, got ${dim}`);
  if (klt.mean.length !== dim) fail(`KLT mean has ${klt.mean.length} values, expected ${dim}`);
  if (klt.components.length !== dim * dim) {
    fail(`KLT components have ${klt.components.length} values, expected ${dim} × ${dim}`);
  }
  if (klt.eigenvalues.length !== dim) fail(`KLT has ${klt.eigenvalues.length} eigenvalues, expected ${dim}`);
  if (bits.length !== dim) fail(`bits has ${bits.length} entries, expected ${dim}`);
  if (boundaryOffsets.length !== dim + 1) {
    fail(`boundaryOffsets has ${boundaryOffsets.length} entries, expected ${dim + 1}`);
  }
  if (boundaryOffsets[0] !== 0) fail(`boundaryOffsets[0] is ${boundaryOffsets[0]}, expected 0`);
  for (let d = 0; d < dim; d++) {
    if (bits[d]! > 8) fail(`dimension ${d} has ${bits[d]} bits, at most 8 are allowed`);
    const start = boundaryOffsets[d]!;
    const expected = (1 << bits[d]!) + 1;
    if (boundaryOffsets[d + 1]! - start !== expected) {
      fail(`dimension ${d} has ${boundaryOffsets[d + 1]! - start} boundaries, expected ${expected}`);
    }
    if (start + expected > boundaries.length) {
      fail(`dimension ${d}'s boundaries end at ${start + expected}, past ${boundaries.length} values`);
    }
    for (let i = start; i < start + expected; i++) {
      const value = boundaries[i]!;
      if (!Number.isFinite(value) || (i > start && value < boundaries[i - 1]!)) {
        fail(`dimension ${d}'s boundaries are not finite and ascending at index ${i - start} (${value})`);
      }
    }
  }
  if (boundaryOffsets[dim] !== boundaries.length) {
    fail(`boundaries has ${boundaries.length} values, boundaryOffsets expects ${boundaryOffsets[dim]}`);
  }
}
