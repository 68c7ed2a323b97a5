/**
 * Bounded top-k by ascending distance, ties broken by ascending id (STYLE §10), so that merging partial
 * results in any order gives the same answer. A binary max-heap on (distance, id).
 */
export interface Hit {
  readonly id: number;
  readonly distance: number;
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
    this.siftDown(distance, id);
  }

  /** Entries in ascending (distance, id) order. */
  sorted(): Hit[] {
    const hits: Hit[] = [];
    for (let i = 0; i < this.size; i++) hits.push({ id: this.ids[i]!, distance: this.distances[i]! });
    return hits.sort(compareHits);
  }

  /**
   * Moves the entries, in ascending (distance, id) order, into `ids` and `distances` (no objects) and
   * returns how many there were; it is empty afterwards.
   */
  drainAscending(ids: Float64Array, distances: Float64Array): number {
    const count = this.size;
    while (this.size > 0) {
      const last = --this.size;
      ids[last] = this.ids[0]!;
      distances[last] = this.distances[0]!;
      if (last > 0) this.siftDown(this.distances[last]!, this.ids[last]!);
    }
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

  private siftDown(distance: number, id: number): void {
    const d = this.distances;
    const ids = this.ids;
    const n = this.size;
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
}

/** True when (d1, id1) ranks after (d2, id2). */
function worse(d1: number, id1: number, d2: number, id2: number): boolean {
  return d1 > d2 || (d1 === d2 && id1 > id2);
}

export function compareHits(a: Hit, b: Hit): number {
  return a.distance - b.distance || a.id - b.id;
}

/** Merges partial result lists into the global top-k; commutative and associative. */
export function mergeHits(lists: readonly (readonly Hit[])[], k: number): Hit[] {
  if (lists.length === 1 && lists[0]!.length <= k) return [...lists[0]!];
  const top = new TopK(k);
  for (const list of lists) for (const hit of list) top.push(hit.distance, hit.id);
  return top.sorted();
}
