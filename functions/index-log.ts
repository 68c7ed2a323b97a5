/**
 * The write log as a warm container follows it (docs/writes.md): one `SnapshotViews` and one
 * `IndexWriter` per index, kept at module scope like the index cache. Log entries are immutable, so a
 * container reads each once; the views of the two newest base versions stay.
 *
 * Their memory is not charged to the LRU budget: it is bounded by the log's size before compaction
 * (`SQUASH_COMPACT_AFTER_ROWS` rows).
 */
import type { IndexReader } from '../shared/index/index-reader.ts';
import { IndexWriter } from '../shared/writes/index-writer.ts';
import type { LogView } from '../shared/writes/log-view.ts';
import { SnapshotViews } from '../shared/writes/snapshot-views.ts';
import type { FunctionRuntime } from './runtime.ts';

interface IndexLog {
  readonly views: SnapshotViews;
  writer?: IndexWriter;
}

const logs = new WeakMap<FunctionRuntime, Map<string, IndexLog>>();

function indexLog(runtime: FunctionRuntime, index: string): IndexLog {
  let byIndex = logs.get(runtime);
  if (!byIndex) {
    byIndex = new Map();
    logs.set(runtime, byIndex);
  }
  let log = byIndex.get(index);
  if (!log) {
    log = { views: new SnapshotViews(runtime.indexStore(index)) };
    byIndex.set(index, log);
  }
  return log;
}

/** The last sequence of the index's log, for a snapshot of `reader`'s version. */
export function latestSequence(
  runtime: FunctionRuntime,
  index: string,
  reader: IndexReader,
): Promise<number> {
  return indexLog(runtime, index).views.latest(reader.manifest.logThrough ?? 0);
}

/**
 * The log's view of `reader`'s version at `sequence` (undefined when the snapshot is the base alone).
 * `reader` must hold allocator data (centroids: log rows are assigned by them).
 */
export function logViewAt(
  runtime: FunctionRuntime,
  index: string,
  reader: IndexReader,
  sequence: number,
): Promise<LogView | undefined> {
  return indexLog(runtime, index).views.viewAt(reader, sequence);
}

/** The container's writer of `index`, following `reader`'s version (the published one). */
export function indexWriter(runtime: FunctionRuntime, index: string, reader: IndexReader): IndexWriter {
  const log = indexLog(runtime, index);
  log.writer ??= new IndexWriter(reader, log.views.log);
  log.writer.useVersion(reader);
  return log.writer;
}
