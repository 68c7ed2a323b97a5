import { partialDistancesOfPair, partialDistancesToCentroid, squaredNorms } from './distance-kernel.ts';
import { ascendingFloatKey, descendingFloatKey, radixSortPairs } from './radix-sort.ts';
import type { SizeBounds } from './size-bounds.ts';

/**
 * Capacity-constrained assignment of points to fixed centroids, keeping every partition size within
 * `bounds`:
 * 1. each point's NEAREST_CANDIDATES nearest centroids (ties by centroid index);
 * 2. points in descending regret (second-best minus best distance; ties by point index) take the
 *    nearest candidate with room below `bounds.max` — the points that lose most by being displaced
 *    choose first;
 * 3. a point whose candidates are all full goes to its nearest partition with room (all P distances);
 * 4. each partition still below `bounds.min` (in index order) takes the points that are cheapest to
 *    move to it — smallest increase of their distance — from partitions above the minimum.
 * Distances are partial (see distance-kernel.ts). Deterministic: no randomness, stable ordering.
 */
const NEAREST_CANDIDATES = 8;
/**
 * Up to this many point×centroid distances (32 MiB) are kept from step 1, so that step 4 reads them
 * instead of recomputing a distance per point for every under-filled partition. That is the case for
 * the training sample; the final pass over all N points recomputes.
 */
const MATRIX_LIMIT = 1 << 22;

/** Scratch arrays for `assignWithCapacity` over up to `points` points, reused across Lloyd iterations. */
export class AssignmentWorkspace {
  readonly candidates: number;
  readonly candidateIds: Uint32Array;
  readonly candidateDistances: Float64Array;
  readonly keys: Uint32Array;
  readonly order: Uint32Array;
  /** Partial distance of each point to the centroid it is assigned to. */
  readonly assignedDistances: Float64Array;
  readonly moveDistances: Float64Array;
  readonly pairDistances: Float64Array;
  readonly centroidNorms: Float64Array;
  /** All partial distances, points × partitions, or null above MATRIX_LIMIT. */
  readonly distances: Float64Array | null;

  constructor(
    readonly points: number,
    readonly partitions: number,
  ) {
    this.candidates = Math.min(partitions, NEAREST_CANDIDATES);
    this.candidateIds = new Uint32Array(points * this.candidates);
    this.candidateDistances = new Float64Array(points * this.candidates);
    this.keys = new Uint32Array(points);
    this.order = new Uint32Array(points);
    this.assignedDistances = new Float64Array(points);
    this.moveDistances = new Float64Array(points);
    this.pairDistances = new Float64Array(2 * partitions);
    this.centroidNorms = new Float64Array(partitions);
    this.distances = points * partitions <= MATRIX_LIMIT ? new Float64Array(points * partitions) : null;
  }
}

export function assignWithCapacity(
  vectors: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  bounds: SizeBounds,
  work: AssignmentWorkspace,
  assignment: Uint32Array,
  sizes: Uint32Array,
): void {
  const partitions = work.partitions;
  squaredNorms(centroids, partitions, dim, work.centroidNorms);
  findNearestCandidates(vectors, n, dim, centroids, work);
  sizes.fill(0);
  const overflow = assignByRegret(n, bounds.max, work, assignment, sizes);
  for (let r = 0; r < overflow; r++) {
    assignToNearestWithRoom(vectors, work.order[r]!, dim, centroids, bounds.max, work, assignment, sizes);
  }
  for (let p = 0; p < partitions; p++) {
    if (sizes[p]! < bounds.min)
      fillToMinimum(vectors, n, dim, centroids, p, bounds.min, work, assignment, sizes);
  }
}

function findNearestCandidates(
  vectors: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  work: AssignmentWorkspace,
): void {
  const {
    partitions,
    candidates,
    candidateIds,
    candidateDistances,
    pairDistances,
    centroidNorms,
    distances,
  } = work;
  for (let a = 0; a < n; a += 2) {
    const b = a + 1 < n ? a + 1 : a;
    partialDistancesOfPair(vectors, a, b, dim, centroids, centroidNorms, partitions, pairDistances);
    if (distances !== null) {
      const rows = b === a ? partitions : 2 * partitions;
      const base = a * partitions;
      for (let j = 0; j < rows; j++) distances[base + j] = pairDistances[j]!;
    }
    keepNearest(pairDistances, 0, partitions, candidates, candidateIds, candidateDistances, a * candidates);
    if (b !== a) {
      keepNearest(
        pairDistances,
        partitions,
        partitions,
        candidates,
        candidateIds,
        candidateDistances,
        b * candidates,
      );
    }
  }
}

/** Insertion into a sorted list of `k`; a later centroid at an equal distance never displaces an earlier one. */
function keepNearest(
  distances: Float64Array,
  offset: number,
  partitions: number,
  k: number,
  ids: Uint32Array,
  best: Float64Array,
  base: number,
): void {
  let filled = 0;
  for (let j = 0; j < partitions; j++) {
    const d = distances[offset + j]!;
    if (filled === k && d >= best[base + k - 1]!) continue;
    let t = filled < k ? filled++ : k - 1;
    while (t > 0 && best[base + t - 1]! > d) {
      best[base + t] = best[base + t - 1]!;
      ids[base + t] = ids[base + t - 1]!;
      t--;
    }
    best[base + t] = d;
    ids[base + t] = j;
  }
}

/** Step 2; returns how many points found every candidate full; they are left in `work.order[0..count)`. */
function assignByRegret(
  n: number,
  maxSize: number,
  work: AssignmentWorkspace,
  assignment: Uint32Array,
  sizes: Uint32Array,
): number {
  const { candidates: k, candidateIds, candidateDistances, keys, order, assignedDistances } = work;
  for (let i = 0; i < n; i++) {
    const base = i * k;
    keys[i] = k > 1 ? descendingFloatKey(candidateDistances[base + 1]! - candidateDistances[base]!) : 0;
    order[i] = i;
  }
  radixSortPairs(keys, order, n);
  let overflow = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    const base = i * k;
    let t = 0;
    while (t < k && sizes[candidateIds[base + t]!]! >= maxSize) t++;
    if (t === k) {
      order[overflow++] = i; // r ≥ overflow: this slot has been read already
      continue;
    }
    const p = candidateIds[base + t]!;
    assignment[i] = p;
    sizes[p]!++;
    assignedDistances[i] = candidateDistances[base + t]!;
  }
  return overflow;
}

function assignToNearestWithRoom(
  vectors: Float32Array,
  i: number,
  dim: number,
  centroids: Float32Array,
  maxSize: number,
  work: AssignmentWorkspace,
  assignment: Uint32Array,
  sizes: Uint32Array,
): void {
  const { partitions, pairDistances } = work;
  partialDistancesOfPair(vectors, i, i, dim, centroids, work.centroidNorms, partitions, pairDistances);
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let p = 0; p < partitions; p++) {
    if (sizes[p]! < maxSize && (best < 0 || pairDistances[p]! < bestDistance)) {
      best = p;
      bestDistance = pairDistances[p]!;
    }
  }
  // P·max ≥ n, so some partition always has room.
  assignment[i] = best;
  sizes[best]!++;
  work.assignedDistances[i] = bestDistance;
}

/** Step 4 for one partition: moves in the points that are cheapest to move, from partitions above the minimum. */
function fillToMinimum(
  vectors: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  target: number,
  minSize: number,
  work: AssignmentWorkspace,
  assignment: Uint32Array,
  sizes: Uint32Array,
): void {
  const { keys, order, assignedDistances, moveDistances, distances, partitions } = work;
  if (distances === null) {
    partialDistancesToCentroid(vectors, n, dim, centroids, work.centroidNorms, target, moveDistances);
  } else {
    for (let i = 0; i < n; i++) moveDistances[i] = distances[i * partitions + target]!;
  }
  let donors = 0;
  for (let i = 0; i < n; i++) {
    if (sizes[assignment[i]!]! > minSize) {
      keys[donors] = ascendingFloatKey(moveDistances[i]! - assignedDistances[i]!);
      order[donors++] = i;
    }
  }
  radixSortPairs(keys, order, donors);
  // The donors' surplus Σ(size − min) ≥ the deficit, because n ≥ P·min: this fills the partition.
  moveInOrder(donors, target, minSize - sizes[target]!, work, assignment, sizes, minSize);
}

/** Moves `need` of the points `work.order[0..count)`, in order, into `target`, leaving every donor ≥ minSize. */
function moveInOrder(
  count: number,
  target: number,
  need: number,
  work: AssignmentWorkspace,
  assignment: Uint32Array,
  sizes: Uint32Array,
  minSize: number,
): void {
  const { order, assignedDistances, moveDistances } = work;
  for (let r = 0; r < count && need > 0; r++) {
    const i = order[r]!;
    const from = assignment[i]!;
    if (sizes[from]! <= minSize) continue;
    assignment[i] = target;
    sizes[from]!--;
    sizes[target]!++;
    assignedDistances[i] = moveDistances[i]!;
    need--;
  }
}
