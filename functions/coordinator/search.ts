/**
 * Answers one `POST /search` body (DESIGN §4–5): reject oversized batches (413), validate the request
 * (400) and resolve the index (404) before any fan-out; validate every query against the index; then
 * run the allocator step in-process for a small batch, or split the batch over a tree of allocators
 * sized to it; assemble the results in request order with their totals.
 *
 * Design decisions:
 * - The tree is sized by the allocator work it spreads, not by the query count alone: every allocator
 *   fans out to about every partition its slice needs, so each extra allocator adds processor
 *   invocations. A batch is split only when one allocator would carry more than
 *   ALLOCATOR_WORK_TARGET operations (`allocatorWork`); below two allocators' worth the step runs
 *   in-process, which also saves a hop for single queries. `options.maxAllocators` overrides the count
 *   per request (0 = in-process), within the deployed (b, l) tree and never above the batch size, so
 *   no allocator is ever empty.
 * - Complete or fail: unless `options.allowPartial`, an answer that misses a partition for any query is
 *   replaced by a 502/504 naming the partitions and the causes (`incomplete-search.ts`).
 * - The response size is bounded from k and the schema before the work runs, so a request whose answer
 *   could break the 6 MB limit gets a 413 saying what to change, not a failure after the work.
 */
import { PayloadTooLargeError } from '../../shared/errors/index.ts';
import { fitTree, type InvocationTree, TREE_ROOT } from '../../shared/plan/invocation-tree.ts';
import type { LogView } from '../../shared/writes/log-view.ts';
import { latestSequence, logViewAt } from '../index-log.ts';
import { recordSearch } from '../observability/records.ts';
import { parsePayload } from '../parse-payload.ts';
import { type FunctionRuntime, startInvocation } from '../runtime.ts';
import type { AllocatorResponse } from '../tree/allocator-payload.ts';
import { runAllocatorStep } from '../tree/allocator-step.ts';
import type { SliceQuery } from '../tree/slice-query.ts';
import { launchSubtree, settleSubtrees, type TreeRequest } from '../tree/subtree.ts';
import { addPathStats, emptyPathStats } from '../wire/path-stats.ts';
import {
  attributeJsonBytes,
  formatBytes,
  HIT_JSON_BYTES,
  LAMBDA_PAYLOAD_LIMIT_BYTES,
  resultsJsonBytes,
} from '../wire/payload-limits.ts';
import type { ResolvedOptions } from '../wire/query-options.ts';
import { assertComplete } from './incomplete-search.ts';
import type { IndexCatalog, ResolvedIndex } from './index-catalog.ts';
import { prepareQueries } from './prepare-queries.ts';
import { resolveOptions, searchRequestSchema } from './search-request.ts';
import { type HitIds, type SearchResponse, searchResponse } from './search-response.ts';

/**
 * Allocator-step operations one allocator invocation should carry before splitting the batch pays
 * (about 50 ms of one core). Measured on the local stack (2 cores, 20,000 × 32-D, 12 partitions,
 * 1,000 filtered queries): in-process 166 ms, 4 allocators 283 ms, 20 allocators 4.5 s and unstable —
 * the extra processor invocations and cold environments cost far more than the parallel work saves.
 */
export const ALLOCATOR_WORK_TARGET = 50_000_000;

/** Bytes of the response outside its results, at most. */
const RESPONSE_ENVELOPE_BYTES = 8192;

export interface Coordinator {
  readonly runtime: FunctionRuntime;
  readonly catalog: IndexCatalog;
}

/** @param deadline epoch ms by which the answer is due. */
export async function search(
  body: unknown,
  coordinator: Coordinator,
  deadline: number,
): Promise<SearchResponse> {
  const started = performance.now();
  const { runtime, catalog } = coordinator;
  const containerStart = startInvocation(runtime);
  checkBatchSize(body, runtime.config.maxBatch);
  const request = parsePayload(searchRequestSchema, body, 'search request');
  runtime.telemetry.logger.appendKeys({ index: request.index });
  const index = await catalog.resolve(request.index);
  // After CURRENT, so the snapshot holds every write acknowledged before this search started.
  const sequence = await latestSequence(runtime, request.index, index.reader);
  const view = await logViewAt(runtime, request.index, index.reader, sequence);
  const queries = prepareQueries(index.reader, request.index, request.queries);
  const options = resolveOptions(request.options);
  checkResponseSize(index, queries.length, request.k, options);

  const tree = treeFor(runtime, index, queries, request.options?.maxAllocators);
  const answer =
    tree === undefined
      ? await runAllocatorStep(
          runtime,
          { index: request.index, reader: index.reader, sequence, view, k: request.k, options, deadline },
          queries,
        )
      : await overTree(
          runtime,
          {
            index: request.index,
            version: index.version,
            sequence,
            k: request.k,
            options,
            tree,
            batchSize: queries.length,
            deadline,
          },
          index,
          queries,
        );
  const idsBefore = index.reader.bytesFetched;
  const externalIds = await index.reader.externalIds();
  answer.stats.bytesFetched += index.bytesFetched + (index.reader.bytesFetched - idsBefore);
  if (containerStart) answer.stats.containerStarts++;
  const response = searchResponse(
    request.index,
    { version: index.version, sequence },
    answer.results,
    answer.stats,
    performance.now() - started,
    hitIds(view, externalIds),
  );
  // The processor calls the in-process step sent; over a tree, the allocators report theirs.
  const sent = tree === undefined ? answer.stats : { processorInvocations: 0, retries: 0 };
  recordSearch(runtime.telemetry, response, { k: request.k, sent });
  if (!options.allowPartial) assertComplete(response);
  return response;
}

/** Public ids: log rows by their own id, base rows by the input's (or their ordinal). */
function hitIds(view: LogView | undefined, externalIds: HitIds | undefined): HitIds | undefined {
  if (!view) return externalIds;
  return { get: (ordinal) => view.row(ordinal)?.id ?? externalIds?.get(ordinal) ?? ordinal };
}

function treeFor(
  runtime: FunctionRuntime,
  index: ResolvedIndex,
  queries: readonly SliceQuery[],
  maxAllocators: number | undefined,
): InvocationTree | undefined {
  const { treeBranching, treeDepth } = runtime.config;
  const allocators = maxAllocators ?? Math.floor(allocatorWork(index, queries) / ALLOCATOR_WORK_TARGET);
  if (maxAllocators === undefined && allocators < 2) return undefined;
  return fitTree(treeBranching, treeDepth, Math.min(allocators, queries.length));
}

/**
 * Operations of the allocator step for `queries`: centroid distances (P·D) for each, plus one pass
 * over the allocator's attribute codes (N·A) for each filtered one.
 */
export function allocatorWork(index: ResolvedIndex, queries: readonly SliceQuery[]): number {
  const { manifest } = index.reader;
  const perQuery = manifest.partitions * manifest.storedDim;
  const perFilter = manifest.count * index.reader.schema.attributes.length;
  let work = 0;
  for (const query of queries) work += perQuery + (query.filter.matchesAll ? 0 : perFilter);
  return work;
}

/** The coordinator as the tree's root: invoke the level-1 allocators with their subtrees' queries. */
async function overTree(
  runtime: FunctionRuntime,
  request: TreeRequest,
  index: ResolvedIndex,
  queries: readonly SliceQuery[],
): Promise<AllocatorResponse> {
  const { tree, batchSize } = request;
  const wire = queries.map((query) => ({
    position: query.position,
    vectorBase64: query.vectorBase64,
    filter: query.filterJson,
  }));
  const outcomes = await Promise.all(
    tree.children(TREE_ROOT).map((child) => {
      const range = tree.subtreeSlice(child, batchSize);
      return launchSubtree(runtime, request, child, wire.slice(range.start, range.end));
    }),
  );
  let retried = 0;
  for (const outcome of outcomes) retried += Math.max(0, outcome.attempts - 1);
  runtime.telemetry.add('Retries', retried);
  const subtrees = settleSubtrees(runtime, outcomes, index.reader.manifest.partitions);
  const stats = emptyPathStats();
  for (const subtree of subtrees) addPathStats(stats, subtree.stats);
  return { results: subtrees.flatMap((subtree) => subtree.results), stats };
}

function checkBatchSize(body: unknown, maxBatch: number): void {
  const queries =
    typeof body === 'object' && body !== null ? (body as { queries?: unknown }).queries : undefined;
  if (Array.isArray(queries) && queries.length > maxBatch) {
    throw new PayloadTooLargeError(
      `queries holds ${queries.length} queries; at most ${maxBatch} are accepted per request (SQUASH_MAX_BATCH)`,
    );
  }
}

function checkResponseSize(index: ResolvedIndex, queries: number, k: number, options: ResolvedOptions): void {
  const { reader } = index;
  const hitBytes =
    HIT_JSON_BYTES + (options.includeAttributes ? attributeJsonBytes(reader.schema, reader.dictionaries) : 0);
  const bound = RESPONSE_ENVELOPE_BYTES + resultsJsonBytes(queries, k, hitBytes, reader.manifest.partitions);
  if (bound > LAMBDA_PAYLOAD_LIMIT_BYTES) {
    throw new PayloadTooLargeError(
      `the answer to ${queries} queries with k = ${k} could reach ${formatBytes(bound)}; a search response is limited to ` +
        `${formatBytes(LAMBDA_PAYLOAD_LIMIT_BYTES)}: lower k or send fewer queries per request` +
        (options.includeAttributes ? ', or leave includeAttributes off' : ''),
    );
  }
}
