/**
 * One partition's work for a batch of queries (DESIGN §5): load the partition (byte-range GETs, kept in
 * the container's LRU), then `searchPartition` per query — quantized filter, Hamming prune, ADC lower
 * bounds, exact re-rank and exact filter check. Filters repeated across the batch are compiled once.
 *
 * At a snapshot that applies the write log (docs/writes.md), the partition's rows the log hid are left
 * out and its log rows are searched exactly beside it (`searchPartitionAt`); the log's view needs the
 * centroids, so the processor then opens the index with allocator data too.
 */
import { InvalidQueryError } from '../../shared/errors/index.ts';
import { partitionSearchOptions } from '../../shared/search/partition-search.ts';
import { baseIdKeys } from '../../shared/writes/base-ids.ts';
import {
  type PartitionSnapshot,
  partitionSnapshot,
  searchPartitionAt,
  snapshotOf,
} from '../../shared/writes/partition-snapshot.ts';
import { cachedPartition, cachedReader } from '../index-cache.ts';
import { logViewAt } from '../index-log.ts';
import { type FunctionRuntime, startInvocation } from '../runtime.ts';
import { decodeVector } from '../wire/vector-base64.ts';
import { hitAttributes } from './hit-attributes.ts';
import type { ProcessorPayload, ProcessorResponse, ProcessorResult } from './payload.ts';

export async function processPartition(
  payload: ProcessorPayload,
  runtime: FunctionRuntime,
): Promise<ProcessorResponse> {
  const started = performance.now();
  const containerStart = startInvocation(runtime);
  const opened = await cachedReader(runtime, payload.index, payload.version, 'processor');
  const { reader } = opened;
  const partitions = reader.manifest.partitions;
  if (payload.partition >= partitions) {
    throw new InvalidQueryError(
      `processor payload: partition ${payload.partition} is outside 0..${partitions - 1} of index \`${payload.index}\` version ${payload.version}`,
    );
  }
  const loaded = await cachedPartition(runtime, reader, payload.index, payload.partition);
  const { data } = loaded;
  let bytesFetched = opened.bytesFetched + loaded.bytesFetched;
  let snapshot: PartitionSnapshot = snapshotOf(data, undefined, []);
  if (payload.sequence > (reader.manifest.logThrough ?? 0)) {
    const full = await cachedReader(runtime, payload.index, payload.version, 'allocator');
    bytesFetched += full.bytesFetched;
    const view = await logViewAt(runtime, payload.index, full.reader, payload.sequence);
    snapshot = partitionSnapshot(view, data, await baseIdKeys(full.reader), payload.sequence);
  }
  const logAttributes = new Map(snapshot.logRows.map((row) => [row.ordinal, row.attributes]));
  const options = partitionSearchOptions(payload.options);
  const compile = reader.filterCompiler();
  const results = payload.queries.map((query, i): ProcessorResult => {
    const vector = decodeVector(query.vectorBase64, `queries[${i}].vectorBase64`);
    if (vector.length !== data.dim) {
      throw new InvalidQueryError(
        `processor payload: queries[${i}].vectorBase64 has ${vector.length} dims; the prepared vectors of index \`${payload.index}\` have ${data.dim}`,
      );
    }
    const filter = compile(query.filter);
    const found = searchPartitionAt(
      data,
      snapshot,
      { vector, filter, k: query.k, mode: query.mode },
      options,
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
  return {
    partition: payload.partition,
    cold: loaded.cold,
    containerStart,
    bytesFetched,
    ms: performance.now() - started,
    results,
  };
}
