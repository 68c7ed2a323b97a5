/**
 * The allocator step over one slice of queries (DESIGN §5): `executeQueries` — partition order, single-
 * pass quantized match counts, plan, selection, further rounds when too few matches came back — with
 * processors invoked through `processorSearcher`, then hits shaped in the index's metric. Run by every
 * tree node for its own slice, and by the coordinator in-process for small batches.
 */
import type { IndexReader } from '../../shared/index/index-reader.ts';
import { reportedDistance } from '../../shared/metric.ts';
import { executeQueries } from '../../shared/search/query-executor.ts';
import { layoutAt } from '../../shared/writes/layout-at.ts';
import type { LogView } from '../../shared/writes/log-view.ts';
import type { FunctionRuntime } from '../runtime.ts';
import { emptyPathStats, type PathStats } from '../wire/path-stats.ts';
import type { ResolvedOptions } from '../wire/query-options.ts';
import type { WireQueryResult } from '../wire/query-result.ts';
import { processorSearcher } from './processor-searcher.ts';
import { remoteMatching } from './remote-matching.ts';
import type { SliceQuery } from './slice-query.ts';

export interface StepRequest {
  readonly index: string;
  readonly reader: IndexReader;
  /** The snapshot's log sequence, and the log's view of it (undefined: the base alone). */
  readonly sequence: number;
  readonly view: LogView | undefined;
  readonly k: number;
  readonly options: ResolvedOptions;
  /** Epoch ms by which the step must be done. */
  readonly deadline: number;
}

export interface StepOutcome {
  /** One per query, in slice order. */
  readonly results: WireQueryResult[];
  readonly stats: PathStats;
}

export async function runAllocatorStep(
  runtime: FunctionRuntime,
  request: StepRequest,
  queries: readonly SliceQuery[],
): Promise<StepOutcome> {
  const stats = emptyPathStats();
  if (queries.length === 0) return { results: [], stats };
  const { reader, options } = request;
  const layout = layoutAt(reader.layout, request.view, request.sequence);
  const searcher = processorSearcher({
    runtime,
    index: request.index,
    reader,
    layout,
    sequence: request.sequence,
    options,
    queries,
    deadline: request.deadline,
    stats,
  });
  const filterJson = new Map(queries.map((query) => [query.filter, query.filterJson]));
  const matching = remoteMatching({
    runtime,
    index: request.index,
    reader,
    layout,
    sequence: request.sequence,
    includeAttributes: options.includeAttributes,
    filterJson: (filter) => filterJson.get(filter),
    deadline: request.deadline,
    stats,
  });
  const outcomes = await executeQueries(
    { ...layout, searchMatching: matching },
    queries,
    {
      k: request.k,
      partitionFactor: options.partitionFactor,
      matchesFactor: options.matchesFactor,
      rerank: options.rerank,
      hammingKeepPercent: options.hammingKeepPercent,
      exact: options.exact,
      pruningDims: options.pruningDims,
      allowPartial: options.allowPartial,
    },
    searcher,
  );
  const results = outcomes.map((outcome, i): WireQueryResult => {
    const query = queries[i]!;
    return {
      position: query.position,
      hits: outcome.hits.map((hit) => {
        const distance = reportedDistance(reader.space, hit.distance, query.vector);
        const values = options.includeAttributes ? hit.attributes : undefined;
        return values === undefined ? { id: hit.id, distance } : { id: hit.id, distance, attributes: values };
      }),
      stats: {
        ...outcome.stats,
        missingPartitions: [...outcome.stats.missingPartitions].sort((a, b) => a - b),
      },
    };
  });
  return { results, stats };
}
