/**
 * Every row of an index at a snapshot — the published version plus the write log through its end — by
 * id, with its vector (as stored: metric-prepared) and attributes. What a compaction folds, and the
 * exact content tests and benchmarks check answers against.
 */
import type { AttributeValue } from '../attributes/index.ts';
import type { ExternalId } from '../format/index.ts';
import { IndexReader } from '../index/index-reader.ts';
import type { BlobStore } from '../store/index.ts';
import { baseIdKeys } from './base-ids.ts';
import { LogView } from './log-view.ts';
import { partitionSnapshot } from './partition-snapshot.ts';
import { logBaseOf } from './snapshot-views.ts';
import { WriteLog } from './write-log.ts';

export interface ContentRow {
  readonly id: ExternalId;
  /** Metric-prepared, stored dimension, natural coordinate order. */
  readonly vector: Float32Array;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** The partition it lives in at this snapshot (a log row: its nearest centroid's). */
  readonly partition: number;
  /** True when the row comes from the write log. */
  readonly fromLog: boolean;
}

export interface SnapshotContent {
  readonly version: number;
  readonly sequence: number;
  readonly rows: ContentRow[];
  /** Base rows the log hid (deleted or replaced). */
  readonly dropped: number;
}

/** The content of the index at `store` at the log's current end (or at `sequence`). */
export async function snapshotContent(store: BlobStore, sequence?: number): Promise<SnapshotContent> {
  const reader = await IndexReader.open(store);
  const log = new WriteLog(store);
  const at = sequence ?? (await log.lastSequence(reader.manifest.logThrough ?? 0));
  return contentAt(reader, log, at);
}

export async function contentAt(
  reader: IndexReader,
  log: WriteLog,
  at: number,
  onPartition?: (done: number, total: number) => void,
): Promise<SnapshotContent> {
  const { manifest } = reader;
  const view = new LogView(logBaseOf(reader));
  const logThrough = manifest.logThrough ?? 0;
  if (at > logThrough) for (const entry of await log.readRange(logThrough + 1, at)) view.apply(entry);
  const dim = reader.space.storedDim;
  const idKeys = await baseIdKeys(reader);
  const externalIds = await reader.externalIds();
  const rows: ContentRow[] = [];
  let dropped = 0;
  for (let p = 0; p < manifest.partitions; p++) {
    onPartition?.(p, manifest.partitions);
    const data = await reader.loadPartition(p);
    const { hidden } = partitionSnapshot(view, data, idKeys, at);
    for (let row = 0; row < data.count; row++) {
      if (hidden?.[row]) {
        dropped++;
        continue;
      }
      const vector = new Float32Array(dim);
      for (let j = 0; j < dim; j++) vector[data.coordinateOrder[j]!] = data.vectors[row * dim + j]!;
      const ordinal = data.ids[row]!;
      rows.push({
        id: externalIds ? externalIds.get(ordinal) : ordinal,
        vector,
        attributes: data.attributes.rowValues(row),
        partition: p,
        fromLog: false,
      });
    }
  }
  onPartition?.(manifest.partitions, manifest.partitions);
  for (const row of view.visibleRows(at)) {
    rows.push({
      id: row.id,
      vector: row.vector,
      attributes: row.attributes,
      partition: row.partition,
      fromLog: true,
    });
  }
  return { version: manifest.version, sequence: at, rows, dropped };
}
