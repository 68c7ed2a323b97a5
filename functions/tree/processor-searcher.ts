/**
 * The allocator's `PartitionSearcher` (DESIGN §5 step 4): all of the slice's queries for partition p go
 * to processor function `p mod G` in one request — or in several when one would break Lambda's 6 MB
 * limit on the request or on the bounded response. Failed calls are recorded in the step's stats and
 * rethrown as UpstreamError/UpstreamTimeoutError, which the executor turns into `missingPartitions` (and
 * the coordinator into a 502/504, unless partial answers were allowed).
 *
 * Exact-plan calls are coalesced: a selective filter's exact plan visits every partition with a match,
 * each for a handful of rows, and the invocations were the cost (32 of them for ~55 rows) — and, for a
 * large batch, the payloads: each partition's call carried every query's vector again. A partition whose
 * requests are all in `exact` mode is queued instead; the executor issues a round's calls synchronously
 * in one loop, so a microtask flush sees the whole round and sends the queued partitions of each
 * processor function in as few calls as the bounds allow (bytes, rows to scan), each query's vector and
 * filter once per call. A coalesced call that fails fails every one of its partitions with the same
 * error: complete or fail holds per partition as before.
 */
import type { CompiledFilter } from '../../shared/attributes/index.ts';
import { UpstreamError, UpstreamTimeoutError } from '../../shared/errors/index.ts';
import type { IndexReader } from '../../shared/index/index-reader.ts';
import type { PartitionQueryResult } from '../../shared/search/partition-search.ts';
import type { IndexLayout, PartitionSearcher } from '../../shared/search/query-executor.ts';
import type { Hit } from '../../shared/search/top-k.ts';
import { processorFunctionFor } from '../config.ts';
import {
  type ProcessorPart,
  type ProcessorPartQuery,
  type ProcessorPartResult,
  type ProcessorPayload,
  type ProcessorQuery,
  type ProcessorResponse,
  type ProcessorResult,
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
import { type ItemSize, splitBySize } from '../wire/split-by-size.ts';
import { countReply, invokeProcessor } from './processor-call.ts';
import type { SliceQuery } from './slice-query.ts';

/** Bytes of a processor request or response outside its `queries` and `parts` arrays, at most. */
const ENVELOPE_BYTES = 1024;

/** Bytes of one part's envelope in a request or response (partition, cold, bytes), at most. */
const PART_ENVELOPE_BYTES = 128;

/** Bytes of one query's entry in a part (`{"position":…,"k":…,"mode":"approximate"}` and a comma). */
const PART_QUERY_BYTES = 64;

/**
 * Rows one coalesced call may have to scan, at most: the quantized matches (an upper bound of the exact
 * ones) times the queries, summed over its parts. Keeps `exact: true` over unfiltered partitions, whose
 * scans are whole partitions, from being serialised into one invocation. A part above it alone still
 * gets a call of its own. @default 65536
 */
export const COALESCE_MAX_ROWS = 65_536;

export interface SearcherContext {
  readonly runtime: FunctionRuntime;
  readonly index: string;
  readonly reader: IndexReader;
  /** The layout the executor plans on (its quantized match counts bound a coalesced call's work). */
  readonly layout: IndexLayout;
  readonly sequence: number;
  readonly options: ResolvedOptions;
  readonly queries: readonly SliceQuery[];
  readonly deadline: number;
  /** Updated with every call's cost and failures. */
  readonly stats: PathStats;
}

/** A partition's queries waiting for the round's flush, with the executor's promise to settle. */
interface QueuedPart {
  readonly part: ProcessorPart;
  readonly rows: number;
  readonly resolve: (results: ProcessorResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/** What a call's bytes are made of: each query once, and each part's entries. */
interface CallSizes {
  /** Request bytes of a query's vector and filter (once per call that carries it). */
  readonly query: (position: number) => number;
  /** Response bytes of one query's answer in one partition, at most. */
  readonly answer: (k: number) => number;
}

export function processorSearcher(context: SearcherContext): PartitionSearcher {
  const { reader, options } = context;
  const hitBytes =
    HIT_JSON_BYTES + (options.includeAttributes ? attributeJsonBytes(reader.schema, reader.dictionaries) : 0);
  const queryBytes = new Map<number, number>();
  const sizes: CallSizes = {
    query: (position) => {
      let bytes = queryBytes.get(position);
      if (bytes === undefined) {
        bytes = Buffer.byteLength(JSON.stringify(processorQuery(context.queries, position))) + 1;
        queryBytes.set(position, bytes);
      }
      return bytes;
    },
    answer: (k) => QUERY_RESULT_OVERHEAD_BYTES + k * hitBytes,
  };
  const standalone = (entry: ProcessorPartQuery): ItemSize => ({
    request: sizes.query(entry.position) + PART_QUERY_BYTES,
    response: sizes.answer(entry.k),
  });
  const rowsOf = matchCounter(context.layout);
  const queued = new Map<string, QueuedPart[]>();
  const flush = () => {
    const byFunction = [...queued.values()];
    queued.clear();
    for (const parts of byFunction) {
      for (const call of packParts(parts, sizes)) sendCoalesced(context, call);
    }
  };
  const queue = (partition: number, entries: ProcessorPartQuery[]) => {
    let rows = 0;
    for (const entry of entries) rows += rowsOf(context.queries[entry.position]!.filter, partition);
    return new Promise<ProcessorResult[]>((resolve, reject) => {
      const name = processorFunctionFor(context.runtime.config, partition);
      const parts = queued.get(name) ?? [];
      if (queued.size === 0) queueMicrotask(flush);
      parts.push({ part: { partition, queries: entries }, rows, resolve, reject });
      queued.set(name, parts);
    });
  };
  return async (partition, requests) => {
    const entries = requests.map(
      (request): ProcessorPartQuery => ({
        position: request.index,
        k: request.query.k,
        mode: request.query.mode,
      }),
    );
    const exact = requests.every((request) => request.query.mode === 'exact');
    const chunks = splitBySize(
      entries,
      standalone,
      LAMBDA_PAYLOAD_LIMIT_BYTES,
      ENVELOPE_BYTES + PART_ENVELOPE_BYTES,
    );
    const answers = await Promise.all(
      chunks.map(async (chunk) =>
        exact
          ? queue(partition, chunk)
          : (await callProcessor(context, [{ partition, queries: chunk }]))[0]!.results,
      ),
    );
    return answers.flatMap((results) => results.map(toPartitionResult));
  };
}

/** Quantized filter matches per (filter, partition), counted once per searcher. */
function matchCounter(layout: IndexLayout): (filter: CompiledFilter, partition: number) => number {
  const byFilter = new Map<CompiledFilter, Map<number, number>>();
  return (filter, partition) => {
    if (filter.matchesAll) return layout.partitionSizes[partition]!;
    let counts = byFilter.get(filter);
    if (!counts) {
      counts = new Map();
      byFilter.set(filter, counts);
    }
    let count = counts.get(partition);
    if (count === undefined) {
      count = layout.countMatches(filter, partition);
      counts.set(partition, count);
    }
    return count;
  };
}

/**
 * Greedy packing of one function's queued parts into calls within Lambda's payload limit (request and
 * bounded response) and `COALESCE_MAX_ROWS`, counting each query's vector once per call. A part never
 * splits: it alone is within the byte limit (the searcher chunks a partition's queries first).
 */
function packParts(parts: readonly QueuedPart[], sizes: CallSizes): QueuedPart[][] {
  const calls: QueuedPart[][] = [];
  let current: QueuedPart[] = [];
  let carried = new Set<number>();
  let request = ENVELOPE_BYTES;
  let response = ENVELOPE_BYTES;
  let rows = 0;
  const bytesOf = ({ part }: QueuedPart) => {
    let added = PART_ENVELOPE_BYTES;
    let answered = PART_ENVELOPE_BYTES;
    for (const entry of part.queries) {
      added += PART_QUERY_BYTES + (carried.has(entry.position) ? 0 : sizes.query(entry.position));
      answered += sizes.answer(entry.k);
    }
    return { added, answered };
  };
  for (const queuedPart of parts) {
    let { added, answered } = bytesOf(queuedPart);
    if (
      current.length > 0 &&
      (request + added > LAMBDA_PAYLOAD_LIMIT_BYTES ||
        response + answered > LAMBDA_PAYLOAD_LIMIT_BYTES ||
        rows + queuedPart.rows > COALESCE_MAX_ROWS)
    ) {
      calls.push(current);
      current = [];
      carried = new Set();
      request = ENVELOPE_BYTES;
      response = ENVELOPE_BYTES;
      rows = 0;
      ({ added, answered } = bytesOf(queuedPart));
    }
    current.push(queuedPart);
    for (const entry of queuedPart.part.queries) carried.add(entry.position);
    request += added;
    response += answered;
    rows += queuedPart.rows;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/** Sends one coalesced call and settles each of its partitions: its results, or the call's error. */
function sendCoalesced(context: SearcherContext, call: readonly QueuedPart[]): void {
  callProcessor(
    context,
    call.map((queuedPart) => queuedPart.part),
  ).then(
    (answers) => {
      call.forEach((queuedPart, i) => {
        queuedPart.resolve(answers[i]!.results);
      });
    },
    (error: unknown) => {
      for (const queuedPart of call) queuedPart.reject(error);
    },
  );
}

/** The call-level entry of the slice's query at `position`: its vector and filter as the client sent them. */
function processorQuery(queries: readonly SliceQuery[], position: number): ProcessorQuery {
  const query = queries[position]!;
  return { position, vectorBase64: query.vectorBase64, filter: query.filterJson };
}

/** Each query the parts name, once, in order of first appearance. */
function callQueries(queries: readonly SliceQuery[], parts: readonly ProcessorPart[]): ProcessorQuery[] {
  const positions = new Set<number>();
  for (const part of parts) for (const entry of part.queries) positions.add(entry.position);
  return [...positions].map((position) => processorQuery(queries, position));
}

/** One processor invocation for `parts` (all served by the same function); its answers, per part. */
async function callProcessor(
  context: SearcherContext,
  parts: ProcessorPart[],
): Promise<ProcessorPartResult[]> {
  const { runtime, stats, options } = context;
  const partitions = parts.map((part) => part.partition);
  const functionName = processorFunctionFor(runtime.config, partitions[0]!);
  const payload: ProcessorPayload = {
    index: context.index,
    version: context.reader.manifest.version,
    sequence: context.sequence,
    options: {
      rerank: options.rerank,
      hammingKeepPercent: options.hammingKeepPercent,
      pruningDims: options.pruningDims,
      includeAttributes: options.includeAttributes,
    },
    queries: callQueries(context.queries, parts),
    parts,
  };
  const what =
    partitions.length === 1
      ? `processor \`${functionName}\` (partition ${partitions[0]})`
      : `processor \`${functionName}\` (partitions ${partitions.join(', ')})`;
  const record = (error: UpstreamError | UpstreamTimeoutError) =>
    recordFailure(stats, {
      target: functionName,
      ...(partitions.length === 1 ? { partition: partitions[0]! } : { partitions }),
      code: error.code,
      message: error.message,
    });
  let reply: unknown;
  try {
    reply = await invokeProcessor(context, functionName, payload, what);
  } catch (error) {
    if (error instanceof UpstreamError || error instanceof UpstreamTimeoutError) record(error);
    throw error;
  }
  let response: ProcessorResponse;
  try {
    response = checkResponse(what, reply, parts);
  } catch (error) {
    if (error instanceof UpstreamError) record(error);
    throw error;
  }
  countReply(stats, response);
  return response.parts;
}

/**
 * A malformed answer is an upstream failure of every partition of the call (no retry: it would answer
 * the same).
 */
function checkResponse(what: string, reply: unknown, parts: readonly ProcessorPart[]): ProcessorResponse {
  const parsed = processorResponseSchema.safeParse(reply);
  const problem = !parsed.success
    ? parsed.error.issues[0]?.message
    : parsed.data.parts.length !== parts.length
      ? `it answered ${parsed.data.parts.length} parts for the ${parts.length} sent`
      : parts.map((part, i) => partProblem(part, parsed.data.parts[i]!)).find((found) => found !== undefined);
  if (problem !== undefined || !parsed.success) {
    throw new UpstreamError(`${what} sent a malformed response: ${problem ?? 'unknown problem'}`);
  }
  return parsed.data;
}

function partProblem(part: ProcessorPart, answer: ProcessorPartResult): string | undefined {
  const { queries } = part;
  return answer.partition !== part.partition
    ? `it answered for partition ${answer.partition} where partition ${part.partition} was asked`
    : answer.results.length !== queries.length ||
        answer.results.some((result, i) => result.position !== queries[i]!.position)
      ? `its ${answer.results.length} results for partition ${part.partition} do not match the ${queries.length} queries sent`
      : answer.results.some(
            (result) =>
              result.distances.length !== result.ids.length ||
              (result.attributes !== undefined && result.attributes.length !== result.ids.length),
          )
        ? `a result for partition ${part.partition} has ids, distances and attributes of different lengths`
        : undefined;
}

function toPartitionResult(result: ProcessorResult): PartitionQueryResult {
  const values = result.attributes;
  const hits: Hit[] = result.ids.map((id, i) =>
    values
      ? { id, distance: result.distances[i]!, attributes: values[i]! }
      : { id, distance: result.distances[i]! },
  );
  return {
    hits,
    candidates: result.candidates,
    reranked: result.reranked,
    exhausted: result.exhausted,
    plan: result.plan,
  };
}
