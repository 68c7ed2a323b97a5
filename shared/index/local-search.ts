/**
 * In-process search over a whole index: every partition loaded into memory, the allocator step and the
 * processor step run in this process. This is what `squash search --index` and the benchmarks run; the
 * Lambda path runs the same `executeQueries` and `searchPartition` across functions.
 *
 * It answers from one snapshot (docs/writes.md): the published version plus the write log as it was
 * when it was opened (`snapshot`); `refresh()` moves it to the log's current end.
 */
import type { CompiledFilter } from '../attributes/index.ts';
import { type MetricSpace, prepareQuery, reportedDistance } from '../metric.ts';
import type { PartitionData } from '../search/partition-data.ts';
import { partitionSearchOptions, searchPartition } from '../search/partition-search.ts';
import {
  defaultQueryOptions,
  type ExecutorQuery,
  executeQueries,
  type IndexLayout,
  type QueryOptions,
  type QueryStats,
} from '../search/query-executor.ts';
import type { BlobStore } from '../store/index.ts';
import { baseIdKeys } from '../writes/base-ids.ts';
import { layoutAt } from '../writes/layout-at.ts';
import type { LogView } from '../writes/log-view.ts';
import { partitionSnapshot, searchPartitionAt } from '../writes/partition-snapshot.ts';
import { SnapshotViews } from '../writes/snapshot-views.ts';
import { inProcessLayout } from './in-process-layout.ts';
import { IndexReader } from './index-reader.ts';
import { VectorSlots } from './vector-slots.ts';

export interface SearchQuery {
  readonly vector: ArrayLike<number>;
  /** A filter in the DESIGN §4 language; absent or null matches everything. */
  readonly filter?: unknown;
}

type Writable<T> = { -readonly [P in keyof T]: T[P] };

export interface SearchHit {
  /** Global ordinal (the row of the build input). */
  readonly id: number;
  /** The id the build input carried for this vector, when it carried ids. */
  readonly externalId?: string | number;
  /** Distance in the index's metric (see `shared/metric.ts`). */
  readonly distance: number;
}

export interface SearchResult {
  readonly hits: SearchHit[];
  readonly stats: QueryStats;
}

export interface Snapshot {
  readonly version: number;
  /** The last write-log sequence applied (the version's `logThrough` when the log adds nothing). */
  readonly sequence: number;
}

export class LocalSearch {
  #sequence: number;
  #view: LogView | undefined;
  /** The prepared vectors' slots of the last `search`, for the next one while no other call holds them. */
  #slots: VectorSlots | undefined;
  private readonly layout: IndexLayout;

  private constructor(
    readonly reader: IndexReader,
    private readonly partitions: readonly PartitionData[],
    private readonly views: SnapshotViews,
  ) {
    this.#sequence = reader.manifest.logThrough ?? 0;
    this.layout = inProcessLayout(reader.layout, partitions);
  }

  static async open(store: BlobStore): Promise<LocalSearch> {
    const reader = await IndexReader.open(store);
    const partitions = await Promise.all(
      Array.from({ length: reader.manifest.partitions }, (_, p) => reader.loadPartition(p)),
    );
    const search = new LocalSearch(reader, partitions, new SnapshotViews(store));
    await search.refresh();
    return search;
  }

  /** Moves the snapshot to the write log's current end (the version stays the one opened). */
  async refresh(): Promise<Snapshot> {
    const sequence = await this.views.latest(this.reader.manifest.logThrough ?? 0);
    this.#view = await this.views.viewAt(this.reader, sequence);
    this.#sequence = sequence;
    return this.snapshot;
  }

  get snapshot(): Snapshot {
    return { version: this.reader.manifest.version, sequence: this.#sequence };
  }

  get space(): MetricSpace {
    return this.reader.space;
  }

  /** Validates and prepares queries (InvalidQueryError on bad vectors or filters). */
  prepare(queries: readonly SearchQuery[]): ExecutorQuery[] {
    const slots = new VectorSlots(this.reader.space.storedDim, queries.length);
    return this.prepareInto(queries, slots.slots(queries.length));
  }

  /** `prepare` with the batch's vectors written to `slots` (one buffer: one allocation, not one per query). */
  private prepareInto(
    queries: readonly SearchQuery[],
    slots: readonly Float32Array<ArrayBuffer>[],
  ): ExecutorQuery[] {
    const compile = this.reader.filterCompiler();
    const space = this.reader.space;
    return queries.map(
      (query, i) => new PreparedQuery(prepareQuery(space, query.vector, slots[i]!), compile(query.filter)),
    );
  }

  async search(
    queries: readonly SearchQuery[],
    options: Partial<QueryOptions> & { readonly k: number },
  ): Promise<SearchResult[]> {
    const slots = this.#slots ?? new VectorSlots(this.reader.space.storedDim);
    this.#slots = undefined;
    try {
      return await this.searchPrepared(this.prepareInto(queries, slots.slots(queries.length)), options);
    } finally {
      this.#slots = slots;
    }
  }

  async searchPrepared(
    prepared: readonly ExecutorQuery[],
    options: Partial<QueryOptions> & { readonly k: number },
  ): Promise<SearchResult[]> {
    const resolved: QueryOptions = { ...defaultQueryOptions, ...options };
    const partitionOptions = partitionSearchOptions(resolved);
    const externalIds = await this.reader.externalIds();
    const view = this.#view;
    const at = this.#sequence;
    const idKeys = view ? await baseIdKeys(this.reader) : undefined;
    const outcomes = await executeQueries(
      layoutAt(this.layout, view, at),
      prepared,
      resolved,
      async (p, requests) => {
        const data = this.partitions[p]!;
        if (!view || !idKeys) {
          return requests.map((request) => searchPartition(data, request.query, partitionOptions));
        }
        const snapshot = partitionSnapshot(view, data, idKeys, at);
        return requests.map((request) => searchPartitionAt(data, snapshot, request.query, partitionOptions));
      },
    );
    const space = this.reader.space;
    const results: SearchResult[] = new Array(outcomes.length);
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      const vector = prepared[i]!.vector;
      // The outcome's hits are this call's own objects (QueryOutcome): a hit without an external id
      // takes its reported distance in place instead of being copied (one object per hit, not two).
      const hits = outcome.hits as Writable<SearchHit>[];
      for (let h = 0; h < hits.length; h++) {
        const hit = hits[h]!;
        const reported = reportedDistance(space, hit.distance, vector);
        const logRow = view?.row(hit.id);
        const externalId = logRow ? logRow.id : externalIds?.get(hit.id);
        if (externalId === undefined) hit.distance = reported;
        else hits[h] = { id: hit.id, externalId, distance: reported };
      }
      results[i] = new LocalResult(hits, outcome.stats);
    }
    return results;
  }
}

/**
 * A batch's per-query objects are class instances, not literals: see the executor's `QueryState` (V8
 * moves a literal's objects to the old generation for good once a large batch's outlived young
 * collections).
 */
class PreparedQuery implements ExecutorQuery {
  constructor(
    readonly vector: Float32Array,
    readonly filter: CompiledFilter,
  ) {}
}

class LocalResult implements SearchResult {
  constructor(
    readonly hits: SearchHit[],
    readonly stats: QueryStats,
  ) {}
}
