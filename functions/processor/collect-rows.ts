/**
 * A rows request (`rows-payload.ts`): per partition, the rows the filter matches exactly at the
 * snapshot — the base rows from the attribute index (`matchingRows`) less those the log hid, then the
 * partition's log rows the filter matches — with their vectors back in the index's coordinate order and,
 * when asked, their attributes. The same rows a processor's exact scan of the partition would read.
 */

import { matchingRows } from '../../shared/attributes/filter-rows.ts';
import type { AttributeValue, CompiledFilter } from '../../shared/attributes/index.ts';
import { InvalidQueryError } from '../../shared/errors/index.ts';
import type { PartitionData } from '../../shared/search/partition-data.ts';
import type { PartitionSnapshot } from '../../shared/writes/partition-snapshot.ts';
import { cachedPartition, cachedReader } from '../index-cache.ts';
import { type FunctionRuntime, startInvocation } from '../runtime.ts';
import { encodeVector } from '../wire/vector-base64.ts';
import type { PartitionRows, RowsPayload, RowsResponse } from './rows-payload.ts';
import { snapshotLoader } from './snapshot-loader.ts';

export async function collectRows(payload: RowsPayload, runtime: FunctionRuntime): Promise<RowsResponse> {
  const started = performance.now();
  const containerStart = startInvocation(runtime);
  const opened = await cachedReader(runtime, payload.index, payload.version, 'processor');
  const { reader } = opened;
  const partitions = reader.manifest.partitions;
  const outside = payload.partitions.find((partition) => partition >= partitions);
  if (outside !== undefined) {
    throw new InvalidQueryError(
      `rows payload: partition ${outside} is outside 0..${partitions - 1} of index \`${payload.index}\` version ${payload.version}`,
    );
  }
  const filter = reader.filterCompiler()(payload.filter);
  if (filter.matchesAll) {
    throw new InvalidQueryError(
      'rows payload: the filter matches every row; rows are sent for selective filters only',
    );
  }
  const snapshotOf = snapshotLoader(runtime, payload, reader.manifest.logThrough ?? 0);
  const parts: PartitionRows[] = [];
  let openBytes = opened.bytesFetched;
  for (const partition of payload.partitions) {
    const loaded = await cachedPartition(runtime, reader, payload.index, partition);
    const { snapshot, bytesFetched } = await snapshotOf(loaded.data);
    parts.push({
      partition,
      cold: loaded.cold,
      bytesFetched: openBytes + loaded.bytesFetched + bytesFetched,
      ...partitionRows(loaded.data, snapshot, matchingRows(filter, loaded.data.attributes), filter, payload),
    });
    openBytes = 0;
  }
  return { containerStart, ms: performance.now() - started, parts };
}

function partitionRows(
  data: PartitionData,
  snapshot: PartitionSnapshot,
  baseRows: Uint32Array,
  filter: CompiledFilter,
  { includeAttributes }: RowsPayload,
): Pick<PartitionRows, 'ids' | 'vectorsBase64' | 'attributes'> {
  const { hidden, logRows } = snapshot;
  const visible = hidden ? baseRows.filter((row) => hidden[row] === 0) : baseRows;
  const logMatches = snapshot.matching(filter);
  const dim = data.dim;
  const vectors = new Float32Array((visible.length + logMatches.length) * dim);
  const ids: number[] = [];
  const attributes: Record<string, AttributeValue>[] = [];
  const order = data.coordinateOrder;
  visible.forEach((row, r) => {
    const from = row * dim;
    const to = r * dim;
    for (let j = 0; j < dim; j++) vectors[to + order[j]!] = data.vectors[from + j]!;
    ids.push(data.ids[row]!);
    if (includeAttributes) attributes.push(data.attributes.rowValues(row));
  });
  for (const i of logMatches) {
    const row = logRows[i]!;
    vectors.set(row.vector, ids.length * dim);
    ids.push(row.ordinal);
    if (includeAttributes) attributes.push(row.attributes);
  }
  return { ids, vectorsBase64: encodeVector(vectors), ...(includeAttributes ? { attributes } : {}) };
}
