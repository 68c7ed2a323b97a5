/**
 * The allocator's `PartitionSearcher` (DESIGN §5 step 4): all of the slice's queries for partition p go
 * to processor function `p mod G` in one request — or in several when one would break Lambda's 6 MB
 * limit on the request or on the bounded response. Failed calls are recorded in the step's stats and
 * rethrown as UpstreamError/UpstreamTimeoutError, which the executor turns into `missingPartitions` (and
 * the coordinator into a 502/504, unless partial answers were allowed).
 */
import type { AttributeValue } from '../../shared/attributes/index.ts';
import { UpstreamError, UpstreamTimeoutError } from '../../shared/errors/index.ts';
import type { IndexReader } from '../../shared/index/index-reader.ts';
import type { PartitionQueryResult } from '../../shared/search/partition-search.ts';
import type { PartitionRequest, PartitionSearcher } from '../../shared/search/query-executor.ts';
import type { Hit } from '../../shared/search/top-k.ts';
import { processorFunctionFor } from '../config.ts';
import { callFunction } from '../invoke/call-function.ts';
import {
  type ProcessorPayload,
  type ProcessorQuery,
  type ProcessorResponse,
  processorResponseSchema,
} from '../processor/payload.ts';
import type { FunctionRuntime } from '../runtime.ts';
import { type PathStats, recordFailure } from '../wire/path-stats.ts';
import {
  attributeJsonBytes,
  HIT_JSON_BYTES,
  LAMBDA_PAYLOAD_LIMIT_BYTES,
  QUERY_RESULT_OVERHEAD_BYTES,
} from '../wire/payload-limits.ts';
import type { ResolvedOptions } from '../wire/query-options.ts';
import { splitBySize } from '../wire/split-by-size.ts';
import type { SliceQuery } from './slice-query.ts';

/** Bytes of a processor request or response outside its `queries`/`results` array, at most. */
const ENVELOPE_BYTES = 1024;

export interface SearcherContext {
  readonly runtime: FunctionRuntime;
  readonly index: string;
  readonly reader: IndexReader;
  readonly sequence: number;
  readonly options: ResolvedOptions;
  readonly queries: readonly SliceQuery[];
  readonly deadline: number;
  /** Updated with every call's cost and failures. */
  readonly stats: PathStats;
  /** Filled with each returned hit's attributes when `options.includeAttributes`. */
  readonly attributes: Map<number, Record<string, AttributeValue>>;
}

export function processorSearcher(context: SearcherContext): PartitionSearcher {
  const { reader, options } = context;
  const hitBytes =
    HIT_JSON_BYTES + (options.includeAttributes ? attributeJsonBytes(reader.schema, reader.dictionaries) : 0);
  return async (partition, requests) => {
    const entries = requests.map((request) => processorQuery(context.queries, request));
    const chunks = splitBySize(
      entries,
      (entry) => ({
        request: Buffer.byteLength(JSON.stringify(entry)) + 1,
        response: QUERY_RESULT_OVERHEAD_BYTES + entry.k * hitBytes,
      }),
      LAMBDA_PAYLOAD_LIMIT_BYTES,
      ENVELOPE_BYTES,
    );
    const answers = await Promise.all(chunks.map((chunk) => callProcessor(context, partition, chunk)));
    return answers.flatMap((response) =>
      response.results.map((result) => toPartitionResult(context, result)),
    );
  };
}

function processorQuery(queries: readonly SliceQuery[], request: PartitionRequest): ProcessorQuery {
  const query = queries[request.index]!;
  return {
    position: request.index,
    vectorBase64: query.vectorBase64,
    filter: query.filterJson,
    k: request.query.k,
    mode: request.query.mode,
  };
}

async function callProcessor(
  context: SearcherContext,
  partition: number,
  queries: ProcessorQuery[],
): Promise<ProcessorResponse> {
  const { runtime, stats, options } = context;
  const functionName = processorFunctionFor(runtime.config, partition);
  const payload: ProcessorPayload = {
    index: context.index,
    version: context.reader.manifest.version,
    sequence: context.sequence,
    partition,
    options: {
      rerank: options.rerank,
      hammingKeepPercent: options.hammingKeepPercent,
      pruningDims: options.pruningDims,
      includeAttributes: options.includeAttributes,
    },
    queries,
  };
  const what = `processor \`${functionName}\` (partition ${partition})`;
  let reply: unknown;
  try {
    reply = await callFunction(runtime.invoker, functionName, JSON.stringify(payload), {
      what,
      deadline: context.deadline,
      attemptTimeoutMs: runtime.config.invokeTimeoutMs,
      onAttempt: (attempt) => {
        stats.processorInvocations++;
        if (attempt > 0) stats.retries++;
      },
    });
  } catch (error) {
    if (error instanceof UpstreamError || error instanceof UpstreamTimeoutError) {
      recordFailure(stats, { target: functionName, partition, code: error.code, message: error.message });
    }
    throw error;
  }
  const response = checkResponse(what, reply, partition, queries);
  stats.bytesFetched += response.bytesFetched;
  stats.processorMs += response.ms;
  if (response.cold) stats.coldStarts++;
  else stats.warmStarts++;
  if (response.containerStart) stats.containerStarts++;
  return response;
}

/** A malformed answer is an upstream failure of that partition (no retry: it would answer the same). */
function checkResponse(
  what: string,
  reply: unknown,
  partition: number,
  queries: readonly ProcessorQuery[],
): ProcessorResponse {
  const parsed = processorResponseSchema.safeParse(reply);
  const problem = !parsed.success
    ? parsed.error.issues[0]?.message
    : parsed.data.partition !== partition
      ? `it answered for partition ${parsed.data.partition}`
      : parsed.data.results.length !== queries.length ||
          parsed.data.results.some((result, i) => result.position !== queries[i]!.position)
        ? `its ${parsed.data.results.length} results do not match the ${queries.length} queries sent`
        : parsed.data.results.some(
              (result) =>
                result.distances.length !== result.ids.length ||
                (result.attributes !== undefined && result.attributes.length !== result.ids.length),
            )
          ? 'a result has ids, distances and attributes of different lengths'
          : undefined;
  if (problem !== undefined || !parsed.success) {
    throw new UpstreamError(`${what} sent a malformed response: ${problem ?? 'unknown problem'}`);
  }
  return parsed.data;
}

function toPartitionResult(
  context: SearcherContext,
  result: ProcessorResponse['results'][number],
): PartitionQueryResult {
  const hits: Hit[] = result.ids.map((id, i) => ({ id, distance: result.distances[i]! }));
  const values = result.attributes;
  if (values) {
    for (let i = 0; i < result.ids.length; i++) context.attributes.set(result.ids[i]!, values[i]!);
  }
  return {
    hits,
    candidates: result.candidates,
    reranked: result.reranked,
    exhausted: result.exhausted,
    plan: result.plan,
  };
}
