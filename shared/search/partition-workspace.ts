/**
 * What a processor keeps per loaded partition besides its sections: scratch buffers sized for the
 * partition and the row-major pruning codes, derived on first use (≈ 30 bytes per row, against the 4·D
 * bytes of its vector). Held in a WeakMap, so it goes when the partition leaves the cache; a cache that
 * holds the partition charges `workspaceBytes` for it too.
 */
import { AdcTables, type PruningCodes, pruningCodes } from './adc.ts';
import { permuteInto } from './coordinate-order.ts';
import { type FastScanCodes, type FastScanSums, fastScanCodes } from './fast-scan/fast-scan.ts';
import { type PartitionData, pruningDims } from './partition-data.ts';
import { shortlistKeys, shortlistOf, shortlistOfSums } from './shortlist.ts';
import { TopK } from './top-k.ts';

/** Reusable buffers and derived codes for one partition (one per processor, reused across queries). */
export class Workspace {
  readonly candidates: Uint32Array;
  /** 0, 1, …, count − 1: the candidates when nothing is filtered out. */
  readonly allRows: Uint32Array;
  readonly survivors: Uint32Array;
  readonly bounds: Float32Array;
  /** The bounds' bits (same memory), and one shortlist key per row (see shortlist.ts). */
  readonly boundBits: Uint32Array;
  readonly shortlistKeys: Float64Array;
  readonly tables = new AdcTables();
  private readonly best = new TopK(0);
  readonly top = new TopK(0);
  shortlistIndices = new Float64Array(0);
  shortlistBounds = new Float64Array(0);
  /** Rows, shortlist positions and distances of the up to four rows re-ranked together. */
  readonly rerankRows = new Uint32Array(4);
  readonly rerankPositions = new Uint32Array(4);
  readonly rerankDistances = new Float64Array(4);
  private z = new Float64Array(0);
  private codes: PruningCodes | undefined;
  private blockCodes: FastScanCodes | undefined;
  private readonly query: Float32Array;

  constructor(private readonly data: PartitionData) {
    this.candidates = new Uint32Array(data.count);
    this.allRows = Uint32Array.from({ length: data.count }, (_, i) => i);
    this.survivors = new Uint32Array(data.count);
    this.bounds = new Float32Array(data.count);
    this.boundBits = new Uint32Array(this.bounds.buffer, 0, data.count);
    this.shortlistKeys = shortlistKeys(data.count);
    this.query = new Float32Array(data.dim);
  }

  /** The query with its coordinates in the order of the partition's stored vectors. */
  orderedQuery(vector: Float32Array): Float32Array {
    permuteInto(vector, 0, this.data.coordinateOrder, this.query);
    return this.query;
  }

  /** Room for the query's leading `dims` KLT coordinates. */
  transformed(dims: number): Float64Array {
    if (this.z.length < dims) this.z = new Float64Array(dims);
    return this.z;
  }

  /**
   * The shortlist of `size` rows by lower bound (see shortlist.ts) into `shortlistIndices` and
   * `shortlistBounds`, ascending; returns how many (fewer when fewer bounds are at most `cut`).
   */
  shortlist(count: number, size: number, cut = Number.POSITIVE_INFINITY): number {
    this.reserveShortlist(size);
    return shortlistOf(
      this.bounds,
      this.boundBits,
      count,
      size,
      this.shortlistKeys,
      this.best,
      this.shortlistIndices,
      this.shortlistBounds,
      cut,
    );
  }

  /** `shortlist` over the fast-scan sums of `rows[0..count)` (all rows when null). */
  shortlistSums(
    fastScan: FastScanSums,
    rows: Uint32Array | null,
    count: number,
    size: number,
    cut = Number.POSITIVE_INFINITY,
  ): number {
    this.reserveShortlist(size);
    return shortlistOfSums(
      fastScan,
      rows,
      count,
      size,
      this.best,
      this.shortlistIndices,
      this.shortlistBounds,
      cut,
    );
  }

  private reserveShortlist(size: number): void {
    if (this.shortlistIndices.length < size) {
      this.shortlistIndices = new Float64Array(size);
      this.shortlistBounds = new Float64Array(size);
    }
  }

  /** Row-major codes of at least the leading `dims` dimensions, extracted on first use. */
  pruningCodes(dims: number): PruningCodes {
    if (!this.codes || this.codes.dims < dims) {
      this.codes = pruningCodes(this.data.osqCodes, this.data.count, this.data.layout, dims);
    }
    return this.codes;
  }

  /** The leading `dims` (even) dimensions' codes in the fast-scan kernel's blocks, derived on first use. */
  fastScanCodes(dims: number): FastScanCodes {
    if (this.blockCodes?.dims !== dims) {
      const pairs = this.pruningCodes(dims);
      this.blockCodes = fastScanCodes(pairs.codes, pairs.dims / 2, this.data.count, dims);
    }
    return this.blockCodes;
  }
}

const workspaces = new WeakMap<PartitionData, Workspace>();

/** The partition's workspace (searches are synchronous, so one per partition is enough). */
export function workspaceOf(data: PartitionData): Workspace {
  let workspace = workspaces.get(data);
  if (!workspace) {
    workspace = new Workspace(data);
    workspaces.set(data, workspace);
  }
  return workspace;
}

/** The largest k a search asks for (the API's bound); each result heap holds 16 bytes per entry. */
const MAX_K = 1000;

/**
 * The most a partition's workspace can hold: per row the candidate, all-rows, survivor and bound arrays, the
 * shortlist key, the shortlist's indices and bounds (at most one per row) and the pruning codes of every
 * dimension with bits (two per byte, and one per byte in the fast-scan blocks of 16 rows); the pair and
 * single tables of those dimensions; the permuted query
 * and its transformed coordinates; the result heaps (k ≤ 1000; the shortlist heap only for partitions
 * too large for keys).
 */
export function workspaceBytes(data: PartitionData): number {
  const rows = data.count;
  const dims = pruningDims(data);
  const pairs = Math.ceil(dims / 2);
  const keys = shortlistKeys(rows).byteLength;
  const heap = keys === 0 ? 16 * rows : 0;
  const tables = pairs * 256 * 8 + 2 * pairs * 16 * 8;
  const blocks = Math.ceil(rows / 16) * 16 * 2 * pairs;
  return (
    rows * (4 + 4 + 4 + 4 + 2 * 8 + pairs) + blocks + keys + heap + tables + data.dim * (4 + 8) + 16 * MAX_K
  );
}
