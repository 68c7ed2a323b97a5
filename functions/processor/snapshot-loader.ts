/**
 * A processor call's view of its partitions at the payload's snapshot (docs/writes.md): the base alone
 * when the index version's files already hold the log through that sequence, otherwise the partition
 * with the rows the log hid and its log rows. The log's view needs the centroids, so it opens the index
 * with allocator data too, once per call.
 */
import type { PartitionData } from '../../shared/search/partition-data.ts';
import { baseIdKeys } from '../../shared/writes/base-ids.ts';
import type { LogView } from '../../shared/writes/log-view.ts';
import {
  type PartitionSnapshot,
  partitionSnapshot,
  snapshotOf,
} from '../../shared/writes/partition-snapshot.ts';
import { cachedReader } from '../index-cache.ts';
import { logViewAt } from '../index-log.ts';
import type { FunctionRuntime } from '../runtime.ts';

export interface SnapshotRequest {
  readonly index: string;
  readonly version: number;
  readonly sequence: number;
}

/** The snapshot of one partition, and the bytes read to open the log's view (the first time only). */
export type SnapshotLoader = (
  data: PartitionData,
) => Promise<{ snapshot: PartitionSnapshot; bytesFetched: number }>;

/** @param logThrough the last log sequence the index version's files already hold. */
export function snapshotLoader(
  runtime: FunctionRuntime,
  request: SnapshotRequest,
  logThrough: number,
): SnapshotLoader {
  let log: { view: LogView | undefined; keyOf: (ordinal: number) => string } | undefined;
  return async (data) => {
    if (request.sequence <= logThrough) return { snapshot: snapshotOf(data, undefined, []), bytesFetched: 0 };
    let bytesFetched = 0;
    if (log === undefined) {
      const full = await cachedReader(runtime, request.index, request.version, 'allocator');
      bytesFetched += full.bytesFetched;
      const view = await logViewAt(runtime, request.index, full.reader, request.sequence);
      log = { view, keyOf: await baseIdKeys(full.reader) };
    }
    return { snapshot: partitionSnapshot(log.view, data, log.keyOf, request.sequence), bytesFetched };
  };
}
