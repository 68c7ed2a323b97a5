/**
 * The exact plan of a selective filter in the allocator (issue 11): instead of sending every query to
 * every processor function that holds a match (each call carrying all of the batch's vectors, for a
 * handful of rows per partition), the allocator asks each of those functions once for the rows the
 * filter matches exactly at the snapshot (`kind: "rows"`, `functions/processor/collect-rows.ts`) and
 * scans them itself for every query of the filter, with the in-process exact plan's block kernel
 * (`scanBlock`). This departs from DESIGN §5, where processors do every exact distance: here the rows
 * move to the queries, because for such a filter they are far fewer bytes than the queries
 * (docs/filtered-search.md, "The serverless exact plan from the matching rows").
 *
 * Design decisions:
 * - Only for the filters the in-process search answers from a block (at most `MAX_BLOCK_SHARE` of the
 *   index), so both take the same plan, and while the matches' vectors are small: at most
 *   `matchingRowsMaxKiB` of float32 (4 MiB by default, functions/config.ts), and every function's answer within Lambda's response limit,
 *   all counted on the quantized matches (an upper bound of the exact ones). Larger filters go through
 *   the processors as before (`undefined`).
 * - The rows are kept in the warm container with the compiled filter (a WeakMap: they go when the
 *   reader's filter cache drops the filter, so at most `FILTER_CACHE_SIZE` × 4 MiB by default, 128 MiB, inside the half of an allocator's memory its index cache leaves), for one snapshot
 *   sequence: a repeated filter at the same snapshot calls no processor at all. The rows at a sequence
 *   never change (the log up to it is fixed), so a kept answer is never stale. With attributes asked,
 *   rows kept without them are fetched again.
 * - Same answers: the rows a processor's exact scan reads (hidden base rows out, log rows in), exact
 *   squared distances in the prepared space, ties by id; the sums run in the rows' own variance order,
 *   so they agree with the processors' to float64 rounding (bit for bit on integer data such as SIFT).
 * - A rows call that fails (after its retry) is not an incomplete answer: the filter's queries fall back
 *   to visiting the partitions through the processors, whose failures are then reported as always
 *   (complete or fail). The failed call is logged as a warning and counted in the invocations.
 */
import type { AttributeValue, CompiledFilter } from '../../shared/attributes/index.ts';
import { UpstreamError, UpstreamTimeoutError } from '../../shared/errors/index.ts';
import type { IndexReader } from '../../shared/index/index-reader.ts';
import { MAX_BLOCK_SHARE } from '../../shared/index/matching-block.ts';
import {
  type BlockRows,
  blockScanAvailable,
  rowStart,
  scanBlock,
} from '../../shared/search/block-scan/block-scan.ts';
import { varianceOrder } from '../../shared/search/coordinate-order.ts';
import type { IndexLayout, MatchingAnswers } from '../../shared/search/query-executor.ts';
import type { Hit } from '../../shared/search/top-k.ts';
import { processorFunctionFor } from '../config.ts';
import {
  type PartitionRows,
  type RowsPayload,
  type RowsResponse,
  rowsResponseSchema,
} from '../processor/rows-payload.ts';
import type { FunctionRuntime } from '../runtime.ts';
import type { PathStats } from '../wire/path-stats.ts';
import { attributeJsonBytes, LAMBDA_PAYLOAD_LIMIT_BYTES } from '../wire/payload-limits.ts';
import { decodeVector } from '../wire/vector-base64.ts';
import { countReply, invokeProcessor } from './processor-call.ts';

/** Bytes of a rows response outside its rows, per part and per call, at most. */
const PART_ENVELOPE_BYTES = 256;
/** Bytes of one row's id in a rows response (digits and a comma), at most. */
const ID_JSON_BYTES = 12;

export interface RemoteMatchingContext {
  readonly runtime: FunctionRuntime;
  readonly index: string;
  readonly reader: IndexReader;
  readonly layout: IndexLayout;
  readonly sequence: number;
  readonly includeAttributes: boolean;
  /** A compiled filter's JSON as a query of the slice wrote it (what the rows call sends). */
  readonly filterJson: (filter: CompiledFilter) => unknown;
  readonly deadline: number;
  /** Updated with the rows calls' cost. */
  readonly stats: PathStats;
}

/** A filter's matching rows at one snapshot, ready for the block kernel. */
interface FetchedRows {
  readonly ids: Uint32Array;
  /** ids.length × dim, coordinates in the index's order. */
  readonly vectors: Float32Array;
  /** Per id, its attributes (when they were asked for). */
  readonly attributes: ReadonlyMap<number, Readonly<Record<string, AttributeValue>>> | undefined;
  /** The rows' coordinates by descending variance: the order the sums run in. */
  readonly order: Uint32Array;
}

interface KeptRows {
  readonly sequence: number;
  readonly withAttributes: boolean;
  readonly rows: Promise<FetchedRows>;
}

const kept = new WeakMap<CompiledFilter, KeptRows>();

/** The allocator's `searchMatching` (see `IndexLayout`). */
export function remoteMatching(context: RemoteMatchingContext): NonNullable<IndexLayout['searchMatching']> {
  return (filter, vectors, k) => {
    if (filter.matchesAll || !blockScanAvailable()) return undefined;
    let entry = kept.get(filter);
    if (
      entry === undefined ||
      entry.sequence !== context.sequence ||
      (context.includeAttributes && !entry.withAttributes)
    ) {
      const byFunction = partitionsByFunction(context, filter);
      if (byFunction === undefined) return undefined;
      entry = {
        sequence: context.sequence,
        withAttributes: context.includeAttributes,
        rows: fetchRows(context, filter, byFunction),
      };
      kept.set(filter, entry);
    }
    const fetched = entry;
    return fetched.rows.then(
      (rows) => answer(rows, vectors, k, context.includeAttributes),
      (error: unknown) => {
        if (kept.get(filter) === fetched) kept.delete(filter);
        if (!(error instanceof UpstreamError || error instanceof UpstreamTimeoutError)) throw error;
        context.runtime.telemetry.logger.warn('matching rows unavailable: visiting the partitions', {
          index: context.index,
          error: error.message,
        });
        return undefined;
      },
    );
  };
}

/**
 * The partitions with quantized matches, by the processor function that serves them; undefined when
 * they are more than a block's share of the index, their vectors exceed `matchingRowsMaxKiB` or a
 * function's answer could exceed Lambda's limit.
 */
function partitionsByFunction(
  { runtime, reader, layout, includeAttributes }: RemoteMatchingContext,
  filter: CompiledFilter,
): Map<string, number[]> | undefined {
  const rowBytes =
    Math.ceil((layout.dim * 4) / 3) * 4 +
    ID_JSON_BYTES +
    (includeAttributes ? attributeJsonBytes(reader.schema, reader.dictionaries) : 0);
  const byFunction = new Map<string, number[]>();
  const responseBytes = new Map<string, number>();
  let rows = 0;
  for (let partition = 0; partition < layout.partitions; partition++)
    rows += layout.partitionSizes[partition]!;
  const maxMatches = Math.min(
    rows * MAX_BLOCK_SHARE,
    (runtime.config.matchingRowsMaxKiB * 1024) / (layout.dim * 4),
  );
  let total = 0;
  for (let partition = 0; partition < layout.partitions; partition++) {
    const matches = layout.countMatches(filter, partition);
    if (matches === 0) continue;
    total += matches;
    if (total > maxMatches) return undefined;
    const name = processorFunctionFor(runtime.config, partition);
    const bytes = (responseBytes.get(name) ?? PART_ENVELOPE_BYTES) + PART_ENVELOPE_BYTES + matches * rowBytes;
    if (bytes > LAMBDA_PAYLOAD_LIMIT_BYTES) return undefined;
    responseBytes.set(name, bytes);
    byFunction.set(name, [...(byFunction.get(name) ?? []), partition]);
  }
  return byFunction;
}

/** One rows call per function, in parallel; their rows together. */
async function fetchRows(
  context: RemoteMatchingContext,
  filter: CompiledFilter,
  byFunction: ReadonlyMap<string, readonly number[]>,
): Promise<FetchedRows> {
  const responses = await Promise.all(
    [...byFunction].map(([name, partitions]) => callRows(context, filter, name, partitions)),
  );
  return combine(responses.flat(), context.layout.dim);
}

async function callRows(
  context: RemoteMatchingContext,
  filter: CompiledFilter,
  functionName: string,
  partitions: readonly number[],
): Promise<CheckedRows[]> {
  const payload: RowsPayload = {
    kind: 'rows',
    index: context.index,
    version: context.reader.manifest.version,
    sequence: context.sequence,
    filter: context.filterJson(filter),
    partitions: [...partitions],
    includeAttributes: context.includeAttributes,
  };
  const what = `processor \`${functionName}\` (matching rows of partitions ${partitions.join(', ')})`;
  const reply = await invokeProcessor(context, functionName, payload, what);
  const { response, parts } = checkRows(what, reply, partitions, context.layout.dim);
  countReply(context.stats, response);
  return parts;
}

/** A partition's rows as sent, with its vectors decoded. */
interface CheckedRows {
  readonly part: PartitionRows;
  readonly vectors: Float32Array;
}

/** A malformed answer is an upstream failure (no retry: it would answer the same). */
function checkRows(
  what: string,
  reply: unknown,
  partitions: readonly number[],
  dim: number,
): { response: RowsResponse; parts: CheckedRows[] } {
  const parsed = rowsResponseSchema.safeParse(reply);
  if (!parsed.success) {
    throw new UpstreamError(`${what} sent a malformed response: ${parsed.error.issues[0]?.message}`);
  }
  const { parts } = parsed.data;
  const problem =
    parts.length !== partitions.length
      ? `it answered ${parts.length} partitions for the ${partitions.length} asked`
      : parts
          .map((part, i) =>
            part.partition !== partitions[i]
              ? `it answered partition ${part.partition} where partition ${partitions[i]} was asked`
              : part.attributes !== undefined && part.attributes.length !== part.ids.length
                ? `partition ${part.partition}: ${part.attributes.length} attribute records for ${part.ids.length} rows`
                : undefined,
          )
          .find((found) => found !== undefined);
  if (problem !== undefined) throw new UpstreamError(`${what} sent a malformed response: ${problem}`);
  const checked = parts.map((part) => {
    const vectors = decodeVectorsOf(what, part);
    if (vectors.length !== part.ids.length * dim) {
      throw new UpstreamError(
        `${what} sent a malformed response: partition ${part.partition} has ${vectors.length} floats for ${part.ids.length} rows of ${dim} dimensions`,
      );
    }
    return { part, vectors };
  });
  return { response: parsed.data, parts: checked };
}

function decodeVectorsOf(what: string, part: PartitionRows): Float32Array {
  try {
    return decodeVector(part.vectorsBase64, `partition ${part.partition}'s vectors`);
  } catch (error) {
    throw new UpstreamError(`${what} sent a malformed response: ${(error as Error).message}`);
  }
}

function combine(checked: readonly CheckedRows[], dim: number): FetchedRows {
  const parts = checked.map(({ part }) => part);
  let count = 0;
  for (const part of parts) count += part.ids.length;
  const ids = new Uint32Array(count);
  const vectors = new Float32Array(count * dim);
  const attributes = parts.every((part) => part.attributes)
    ? new Map<number, Record<string, AttributeValue>>()
    : undefined;
  let next = 0;
  for (const { part, vectors: rows } of checked) {
    vectors.set(rows, next * dim);
    part.ids.forEach((id, i) => {
      ids[next + i] = id;
      attributes?.set(id, part.attributes![i]!);
    });
    next += part.ids.length;
  }
  return { ids, vectors, attributes, order: varianceOrder(vectors, count, dim) };
}

function answer(
  rows: FetchedRows,
  vectors: readonly Float32Array[],
  k: number,
  includeAttributes: boolean,
): MatchingAnswers {
  const { ids, order, attributes } = rows;
  const dim = order.length;
  const block: BlockRows = {
    ids,
    dim,
    write: (laidOut, stride) => {
      for (let r = 0; r < ids.length; r++) {
        const from = r * dim;
        const to = rowStart(r, stride);
        for (let j = 0; j < dim; j++) laidOut[to + 4 * j] = rows.vectors[from + order[j]!]!;
      }
    },
  };
  const found = ids.length === 0 ? vectors.map((): Hit[] => []) : scanBlock(block, vectors, order, k);
  const answers =
    includeAttributes && attributes
      ? found.map((hits) => hits.map((hit) => ({ ...hit, attributes: attributes.get(hit.id)! })))
      : found;
  return { answers, scanned: ids.length };
}
