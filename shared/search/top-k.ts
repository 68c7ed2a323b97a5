/**
 * Bounded top-k by ascending distance, ties broken by ascending id (STYLE §10), so that merging partial
 * results in any order gives the same answer. A binary max-heap on (distance, id).
 */
import type { AttributeValue } from '../attributes/index.ts';

export interface Hit {
  readonly id: number;
  readonly distance: number;
  /** The row's attributes, when the search was asked to return them. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/**
 * The hits a search makes. A class, not an object literal: V8 tracks the survival of a literal's objects
 * and, once a large batch's hits outlived young collections, allocates that literal's objects straight
 * into the old generation for good (see the executor's `QueryState`).
 */
class FoundHit implements Hit {
  constructor(
    readonly id: number,
    readonly distance: number,
  ) {}
}

export class TopK {
  private distances: Float64Array;
  private ids: Float64Array;
  private size = 0;

  constructor(private capacity: number) {
    this.distances = new Float64Array(Math.max(capacity, 1));
    this.ids = new Float64Array(Math.max(capacity, 1));
  }

  /** How many entries it keeps. */
  get k(): number {
    return this.capacity;
  }

  get length(): number {
    return this.size;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** The distance a new entry must beat (Infinity until full). */
  get worst(): number {
    return this.size < this.capacity ? Number.POSITIVE_INFINITY : this.distances[0]!;
  }

  /** Empties it and makes it keep `k` entries from now on (reuse without allocating). */
  reset(k: number): this {
    if (k > this.distances.length) {
      this.distances = new Float64Array(k);
      this.ids = new Float64Array(k);
    }
    this.capacity = k;
    this.size = 0;
    return this;
  }

  push(distance: number, id: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      this.siftUp(this.size++, distance, id);
      return;
    }
    if (!worse(this.distances[0]!, this.ids[0]!, distance, id)) return;
    siftDown(this.distances, this.ids, this.size, distance, id);
  }

  /** Entries in ascending (distance, id) order (it keeps them): a heapsort of a copy, no comparator. */
  sorted(): Hit[] {
    const n = this.size;
    if (copyIds.length < n) {
      copyIds = new Float64Array(n);
      copyDistances = new Float64Array(n);
    }
    for (let i = 0; i < n; i++) {
      copyIds[i] = this.ids[i]!;
      copyDistances[i] = this.distances[i]!;
    }
    drain(copyDistances, copyIds, n, copyIds, copyDistances);
    const hits = Array.of<Hit>();
    for (let i = 0; i < n; i++) hits.push(new FoundHit(copyIds[i]!, copyDistances[i]!));
    return hits;
  }

  /**
   * Moves the entries, in ascending (distance, id) order, into `ids` and `distances` (no objects) and
   * returns how many there were; it is empty afterwards.
   */
  drainAscending(ids: Float64Array, distances: Float64Array): number {
    const count = this.size;
    drain(this.distances, this.ids, count, ids, distances);
    this.size = 0;
    return count;
  }

  private siftUp(index: number, distance: number, id: number): void {
    const d = this.distances;
    const ids = this.ids;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!worse(distance, id, d[parent]!, ids[parent]!)) break;
      d[index] = d[parent]!;
      ids[index] = ids[parent]!;
      index = parent;
    }
    d[index] = distance;
    ids[index] = id;
  }
}

/** Scratch for `sorted` (synchronous, so one copy serves every TopK). */
let copyIds = new Float64Array(0);
let copyDistances = new Float64Array(0);

/**
 * Places (distance, id) from the root of the max-heap `d`/`ids[0..n)` down to where it belongs (the
 * root's old entry is dropped).
 */
function siftDown(d: Float64Array, ids: Float64Array, n: number, distance: number, id: number): void {
  let index = 0;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= n) break;
    const right = left + 1;
    let child = left;
    if (right < n && worse(d[right]!, ids[right]!, d[left]!, ids[left]!)) child = right;
    if (!worse(d[child]!, ids[child]!, distance, id)) break;
    d[index] = d[child]!;
    ids[index] = ids[child]!;
    index = child;
  }
  d[index] = distance;
  ids[index] = id;
}

/**
 * Empties the max-heap `d`/`ids[0..n)` worst first into `outIds`/`outDistances` from the back, so they
 * end ascending; the outputs may be the heap's own arrays (slot `last` is free once the root moved there).
 */
function drain(
  d: Float64Array,
  ids: Float64Array,
  n: number,
  outIds: Float64Array,
  outDistances: Float64Array,
): void {
  for (let last = n - 1; last >= 0; last--) {
    const distance = d[last]!;
    const id = ids[last]!;
    const rootDistance = d[0]!;
    const rootId = ids[0]!;
    if (last > 0) siftDown(d, ids, last, distance, id);
    outIds[last] = rootId;
    outDistances[last] = rootDistance;
  }
}

/** True when (d1, id1) ranks after (d2, id2). */
function worse(d1: number, id1: number, d2: number, id2: number): boolean {
  return d1 > d2 || (d1 === d2 && id1 > id2);
}

/**
 * Hits for all `count` entries (distances[i], ids[i]), in ascending (distance, id) order: what a TopK of
 * k ≥ count would return, without its heap (an insertion sort, for a few entries). Reorders the inputs.
 */
export function allSorted(distances: Float64Array, ids: Float64Array, count: number): Hit[] {
  for (let i = 1; i < count; i++) {
    const distance = distances[i]!;
    const id = ids[i]!;
    let j = i;
    for (; j > 0 && worse(distances[j - 1]!, ids[j - 1]!, distance, id); j--) {
      distances[j] = distances[j - 1]!;
      ids[j] = ids[j - 1]!;
    }
    distances[j] = distance;
    ids[j] = id;
  }
  const hits = Array.of<Hit>();
  for (let i = 0; i < count; i++) hits.push(new FoundHit(ids[i]!, distances[i]!));
  return hits;
}

export function compareHits(a: Hit, b: Hit): number {
  return a.distance - b.distance || a.id - b.id;
}

/** The heap `mergeHits` reuses (it is synchronous). */
const mergeTop = new TopK(0);

/**
 * Merges partial result lists into the global top-k; commutative and associative. Hits keep what they
 * carry (their attributes): the winners are the input hits themselves.
 */
export function mergeHits(lists: readonly (readonly Hit[])[], k: number): readonly Hit[] {
  if (lists.length === 1 && lists[0]!.length <= k) return lists[0]!;
  const top = mergeTop.reset(k);
  // Made only when some hit carries attributes: most merges have none.
  let carried: Map<number, Hit> | undefined;
  for (const list of lists) {
    for (const hit of list) {
      top.push(hit.distance, hit.id);
      if (hit.attributes !== undefined) {
        carried ??= new Map();
        carried.set(hit.id, hit);
      }
    }
  }
  const merged = top.sorted();
  return carried === undefined ? merged : merged.map((hit) => carried.get(hit.id) ?? hit);
}
