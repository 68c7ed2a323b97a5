/**
 * One processor call, part by part; a part is one partition's work for a batch of queries (DESIGN §5):
 * load the partition (byte-range GETs, kept in the container's LRU), then `searchPartition` per query —
 * quantized filter, Hamming prune, ADC lower bounds, exact re-rank and exact filter check. Each query's
 * vector is decoded and its filter compiled once per call, whatever the number of parts that name it. A
 * part that fails fails the whole call.
 *
 * At a snapshot that applies the write log (docs/writes.md), the partition's rows the log hid are left
 * out and its log rows are searched exactly beside it (`searchPartitionAt`, `snapshot-loader.ts`).
 */
import type { CompiledFilter } from '../../shared/attributes/index.ts';
import { InvalidQueryError } from '../../shared/errors/index.ts';
import type { PartitionData } from '../../shared/search/partition-data.ts';
import { type PartitionSearchOptions, partitionSearchOptions } from '../../shared/search/partition-search.ts';
import { TopK } from '../../shared/search/top-k.ts';
import { searchPartitionAt } from '../../shared/writes/partition-snapshot.ts';
import { cachedPartition, cachedReader } from '../index-cache.ts';
import { type FunctionRuntime, startInvocation } from '../runtime.ts';
import { decodeVector } from '../wire/vector-base64.ts';
import { hitAttributes } from './hit-attributes.ts';
import type {
  ProcessorPart,
  ProcessorPartResult,
  ProcessorPayload,
  ProcessorResponse,
  ProcessorResult,
} from './payload.ts';
import { type SnapshotLoader, snapshotLoader } from './snapshot-loader.ts';

export async function processPartition(
  payload: ProcessorPayload,
  runtime: FunctionRuntime,
): Promise<ProcessorResponse> {
  const started = performance.now();
  const containerStart = startInvocation(runtime);
  const opened = await cachedReader(runtime, payload.index, payload.version, 'processor');
  const { reader } = opened;
  const partitions = reader.manifest.partitions;
  for (const { partition } of payload.parts) {
    if (partition >= partitions) {
      throw new InvalidQueryError(
        `processor payload: partition ${partition} is outside 0..${partitions - 1} of index \`${payload.index}\` version ${payload.version}`,
      );
    }
  }
  const context: CallContext = {
    payload,
    runtime,
    options: partitionSearchOptions(payload.options),
    queries: callQueries(payload, reader.filterCompiler(), reader.space.storedDim),
    snapshotOf: snapshotLoader(runtime, payload, reader.manifest.logThrough ?? 0),
  };
  const parts: ProcessorPartResult[] = [];
  let openBytes = opened.bytesFetched;
  // One part after the other: the partitions' loads share the reader, whose byte count each part reads.
  for (const part of payload.parts) {
    const loaded = await cachedPartition(runtime, reader, payload.index, part.partition);
    const { bytesFetched, results } = await searchPart(context, loaded.data, part);
    parts.push({
      partition: part.partition,
      cold: loaded.cold,
      bytesFetched: openBytes + loaded.bytesFetched + bytesFetched,
      results,
    });
    openBytes = 0;
  }
  return { containerStart, ms: performance.now() - started, parts };
}

interface CallContext {
  readonly payload: ProcessorPayload;
  readonly runtime: FunctionRuntime;
  readonly options: PartitionSearchOptions;
  /** The call's queries by position, vectors decoded and filters compiled. */
  readonly queries: ReadonlyMap<number, CallQuery>;
  readonly snapshotOf: SnapshotLoader;
}

interface CallQuery {
  readonly vector: Float32Array;
  readonly filter: CompiledFilter;
  /** Its best exact distances over the call's parts searched so far (see PartitionQuery.bound). */
  bound?: TopK;
}

/**
 * The payload's queries by position; an InvalidQueryError names a repeated position, a vector of the
 * wrong dimension or a part that names a query the call does not carry.
 */
function callQueries(
  payload: ProcessorPayload,
  compile: (json: unknown) => CompiledFilter,
  dim: number,
): Map<number, CallQuery> {
  const queries = new Map<number, CallQuery>();
  for (const [i, query] of payload.queries.entries()) {
    const where = `queries[${i}]`;
    if (queries.has(query.position)) {
      throw new InvalidQueryError(`processor payload: ${where} repeats position ${query.position}`);
    }
    const vector = decodeVector(query.vectorBase64, `${where}.vectorBase64`);
    if (vector.length !== dim) {
      throw new InvalidQueryError(
        `processor payload: ${where}.vectorBase64 has ${vector.length} dims; the prepared vectors of index \`${payload.index}\` have ${dim}`,
      );
    }
    queries.set(query.position, { vector, filter: compile(query.filter) });
  }
  for (const [p, part] of payload.parts.entries()) {
    for (const [i, { position }] of part.queries.entries()) {
      if (!queries.has(position)) {
        throw new InvalidQueryError(
          `processor payload: parts[${p}].queries[${i}] names position ${position}, which is not among the call's queries`,
        );
      }
    }
  }
  return queries;
}

/** One part: exactly what a single-partition call does. */
async function searchPart(
  context: CallContext,
  data: PartitionData,
  part: ProcessorPart,
): Promise<{ bytesFetched: number; results: ProcessorResult[] }> {
  const { payload } = context;
  const { snapshot, bytesFetched } = await context.snapshotOf(data);
  const logAttributes = new Map(snapshot.logRows.map((row) => [row.ordinal, row.attributes]));
  const results = part.queries.map((query): ProcessorResult => {
    const call = context.queries.get(query.position)!;
    if (call.bound?.k !== query.k) call.bound = new TopK(query.k);
    const { vector, filter, bound } = call;
    const found = searchPartitionAt(
      data,
      snapshot,
      { vector, filter, k: query.k, mode: query.mode, bound },
      context.options,
    );
    return {
      position: query.position,
      ids: found.hits.map((hit) => hit.id),
      distances: found.hits.map((hit) => hit.distance),
      ...(payload.options.includeAttributes
        ? { attributes: found.hits.map((hit) => logAttributes.get(hit.id) ?? hitAttributes(data, hit.id)) }
        : {}),
      candidates: found.candidates,
      reranked: found.reranked,
      exhausted: found.exhausted,
      plan: found.plan,
    };
  });
  return { bytesFetched, results };
}
