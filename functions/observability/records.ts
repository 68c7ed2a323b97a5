/**
 * What each function reports about one invocation, from what its code already knows: one log line
 * (index, batch size, plans, partitions, invocations, retries, failures) and the role's metrics
 * (`metric-names.ts`). The error lines are written where the errors are answered (`http-response.ts`,
 * `function-reply.ts`).
 *
 * Levels: at INFO a search is one line (the coordinator's, with the totals of the whole invocation
 * tree), a write one, a compaction one per stage; the line of every allocator and processor invocation
 * is DEBUG. A batch fans out to tens of processor invocations, and their lines were most of the log
 * volume and of its cost (npm run bench:stack: one line per processor call cost 5-7 % of a single
 * query's latency on the local stack, the EMF lines next to nothing). Their metrics are written at
 * every level.
 *
 * A container start (a new execution environment) is not a partition load: `ColdLoads` counts
 * partitions a processor read from the store (`cold` parts), never containers.
 */
import type { CompactSummary } from '../../shared/writes/compact-index.ts';
import type { WriteResult } from '../../shared/writes/index-writer.ts';
import type { SearchResponse } from '../coordinator/search-response.ts';
import type { ProcessorPayload, ProcessorResponse } from '../processor/payload.ts';
import type { RowsPayload, RowsResponse } from '../processor/rows-payload.ts';
import type { Telemetry } from './telemetry.ts';

/** Calls a function sent itself during the invocation (not those of the functions it called). */
export interface SentCalls {
  readonly processorInvocations: number;
  readonly retries: number;
}

/** Plan → queries that used it, e.g. `{ approximate: 9, exact: 1 }`. */
function planCounts(plans: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const plan of plans) counts[plan] = (counts[plan] ?? 0) + 1;
  return counts;
}

/** A `POST /search` answer (before complete-or-fail turns an incomplete one into a 502/504). */
export function recordSearch(
  telemetry: Telemetry,
  response: SearchResponse,
  request: { readonly k: number; readonly sent: SentCalls },
): void {
  const { stats, results } = response;
  let secondRounds = 0;
  for (const result of results) if (result.stats.rounds > 1) secondRounds++;
  telemetry.add('SearchLatency', stats.ms);
  telemetry.add('Queries', stats.queries);
  telemetry.add('PartitionsVisited', stats.partitionsVisited);
  telemetry.add('MissingPartitions', stats.missingPartitions.length);
  telemetry.add('SecondRounds', secondRounds);
  telemetry.add('IncompleteAnswers', response.complete ? 0 : 1);
  telemetry.add('ProcessorInvocations', request.sent.processorInvocations);
  telemetry.add('Retries', request.sent.retries);
  telemetry.logger.info('search', {
    index: stats.index,
    version: stats.version,
    sequence: stats.snapshot.sequence,
    batchSize: stats.queries,
    k: request.k,
    plans: planCounts(results.map((result) => result.stats.plan)),
    partitionsVisited: stats.partitionsVisited,
    rounds: stats.rounds,
    secondRounds,
    missingPartitions: stats.missingPartitions,
    allocatorInvocations: stats.allocatorInvocations,
    processorInvocations: stats.processorInvocations,
    retries: stats.retries,
    partitionLoads: stats.partitionLoads,
    containerStarts: stats.containerStarts,
    bytesRead: stats.bytesFetched,
    complete: response.complete,
    failures: stats.failures,
    ms: stats.ms,
  });
}

/** One allocator invocation (a tree node): its own processor calls and the retries it sent. */
export function recordAllocation(
  telemetry: Telemetry,
  node: {
    readonly index: string;
    readonly node: number;
    readonly batchSize: number;
    readonly queries: number;
    readonly ownQueries: number;
    readonly children: number;
    readonly plans: Iterable<string>;
    readonly partitionsVisited: number;
    readonly sent: SentCalls;
    readonly failures: readonly unknown[];
    readonly ms: number;
  },
): void {
  telemetry.add('AllocatorLatency', node.ms);
  telemetry.add('ProcessorInvocations', node.sent.processorInvocations);
  telemetry.add('Retries', node.sent.retries);
  telemetry.logger.debug('allocate', {
    index: node.index,
    node: node.node,
    batchSize: node.batchSize,
    queries: node.queries,
    ownQueries: node.ownQueries,
    children: node.children,
    plans: planCounts(node.plans),
    partitionsVisited: node.partitionsVisited,
    processorInvocations: node.sent.processorInvocations,
    retries: node.sent.retries,
    failures: node.failures,
    ms: node.ms,
  });
}

/** One processor invocation: the partitions it searched, which it loaded, and the bytes it read. */
export function recordProcessing(
  telemetry: Telemetry,
  payload: ProcessorPayload,
  response: ProcessorResponse,
): void {
  const plans = response.parts.flatMap((part) => part.results.map((result) => result.plan));
  telemetry.logger.debug('process', {
    index: payload.index,
    version: payload.version,
    batchSize: payload.queries.length,
    partitions: response.parts.map((part) => part.partition),
    plans: planCounts(plans),
    ...addProcessorMetrics(telemetry, response),
  });
}

/** A processor's rows request (`functions/processor/collect-rows.ts`): what it read and sent. */
export function recordRows(telemetry: Telemetry, payload: RowsPayload, response: RowsResponse): void {
  telemetry.logger.debug('rows', {
    index: payload.index,
    version: payload.version,
    sequence: payload.sequence,
    partitions: payload.partitions,
    rows: response.parts.reduce((sum, part) => sum + part.ids.length, 0),
    ...addProcessorMetrics(telemetry, response),
  });
}

/** A processor invocation's metrics, and the same figures for its log line. */
function addProcessorMetrics(
  telemetry: Telemetry,
  response: ProcessorResponse | RowsResponse,
): { coldLoads: number; containerStart: boolean; bytesRead: number; ms: number } {
  let coldLoads = 0;
  let bytesRead = 0;
  for (const part of response.parts) {
    if (part.cold) coldLoads++;
    bytesRead += part.bytesFetched;
  }
  telemetry.add('ProcessorLatency', response.ms);
  telemetry.add('PartitionsSearched', response.parts.length);
  telemetry.add('ColdLoads', coldLoads);
  telemetry.add('BytesRead', bytesRead);
  return { coldLoads, containerStart: response.containerStart, bytesRead, ms: response.ms };
}

/** A `POST /upsert` or `POST /delete` that was appended to the log (a replay wrote nothing). */
export function recordWrite(
  telemetry: Telemetry,
  kind: 'upsert' | 'delete',
  index: string,
  result: WriteResult,
): void {
  telemetry.add('Writes', result.replayed ? 0 : result.upserted + result.deleted);
  telemetry.logger.info(kind, {
    index,
    sequence: result.sequence,
    upserted: result.upserted,
    deleted: result.deleted,
    ...(result.deletedByFilter ? { deletedByFilter: true } : {}),
    replayed: result.replayed,
    logRows: result.logRows,
  });
}

/** One compaction: rows the new version took from the log. */
export function recordCompaction(
  telemetry: Telemetry,
  index: string,
  summary: CompactSummary,
  ms: number,
): void {
  telemetry.add('CompactionLatency', ms);
  telemetry.add('CompactedRows', summary.version === undefined ? 0 : summary.rowsFolded);
  telemetry.logger.info('compaction', { index, ...summary, ms });
}

/** The coordinator's answer: 4xx and 5xx count as `RequestErrors`. */
export function recordAnswer(telemetry: Telemetry, statusCode: number | undefined): void {
  telemetry.add('RequestErrors', statusCode !== undefined && statusCode >= 400 ? 1 : 0);
}
