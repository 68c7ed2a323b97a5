/**
 * In-process search over a whole index: every partition loaded into memory, the allocator step and the
 * processor step run in this process. This is what `squash search --index` and the benchmarks run; the
 * Lambda path runs the same `executeQueries` and `searchPartition` across functions.
 */
import { type MetricSpace, prepareQuery, reportedDistance } from '../metric.ts';
import type { PartitionData } from '../search/partition-data.ts';
import { partitionSearchOptions, searchPartition } from '../search/partition-search.ts';
import {
  defaultQueryOptions,
  type ExecutorQuery,
  executeQueries,
  type QueryOptions,
  type QueryStats,
} from '../search/query-executor.ts';
import type { BlobStore } from '../store/index.ts';
import { IndexReader } from './index-reader.ts';

export interface SearchQuery {
  readonly vector: ArrayLike<number>;
  /** A filter in the DESIGN §4 language; absent or null matches everything. */
  readonly filter?: unknown;
}

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

export class LocalSearch {
  private constructor(
    readonly reader: IndexReader,
    private readonly partitions: readonly PartitionData[],
  ) {}

  static async open(store: BlobStore): Promise<LocalSearch> {
    const reader = await IndexReader.open(store);
    const partitions = await Promise.all(
      Array.from({ length: reader.manifest.partitions }, (_, p) => reader.loadPartition(p)),
    );
    return new LocalSearch(reader, partitions);
  }

  get space(): MetricSpace {
    return this.reader.space;
  }

  /** Validates and prepares queries (InvalidQueryError on bad vectors or filters). */
  prepare(queries: readonly SearchQuery[]): ExecutorQuery[] {
    return queries.map((query) => ({
      vector: prepareQuery(this.reader.space, query.vector),
      filter: this.reader.compileFilter(query.filter),
    }));
  }

  async search(
    queries: readonly SearchQuery[],
    options: Partial<QueryOptions> & { readonly k: number },
  ): Promise<SearchResult[]> {
    return this.searchPrepared(this.prepare(queries), options);
  }

  async searchPrepared(
    prepared: readonly ExecutorQuery[],
    options: Partial<QueryOptions> & { readonly k: number },
  ): Promise<SearchResult[]> {
    const resolved: QueryOptions = { ...defaultQueryOptions, ...options };
    const partitionOptions = partitionSearchOptions(resolved);
    const externalIds = await this.reader.externalIds();
    const outcomes = await executeQueries(this.reader.layout, prepared, resolved, async (p, requests) =>
      requests.map((request) => searchPartition(this.partitions[p]!, request.query, partitionOptions)),
    );
    return outcomes.map((outcome, i) => ({
      hits: outcome.hits.map((hit) => ({
        id: hit.id,
        ...(externalIds ? { externalId: externalIds.get(hit.id) } : {}),
        distance: reportedDistance(this.reader.space, hit.distance, prepared[i]!.vector),
      })),
      stats: outcome.stats,
    }));
  }
}
