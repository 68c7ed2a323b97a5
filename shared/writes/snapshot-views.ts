/**
 * The write log of one index as its readers follow it: the last sequence (one LIST after the last one
 * seen), and the `LogView` of a base version brought up to a snapshot, built once and extended as later
 * snapshots arrive. A container keeps one per index; views of the two newest base versions are kept, so
 * requests still on the previous version (during a compaction's publish) keep theirs.
 */
import type { IndexReader } from '../index/index-reader.ts';
import type { BlobStore } from '../store/index.ts';
import { type LogBase, LogView } from './log-view.ts';
import { WriteLog } from './write-log.ts';

const VERSIONS_KEPT = 2;

/** The base a view of `reader`'s version needs (the reader must hold allocator data: centroids). */
export function logBaseOf(reader: IndexReader): LogBase {
  return {
    count: reader.manifest.count,
    logThrough: reader.manifest.logThrough ?? 0,
    space: reader.space,
    partitions: reader.manifest.partitions,
    centroids: reader.layout.centroids,
    compileFilter: (json) => reader.compileFilter(json),
  };
}

export class SnapshotViews {
  readonly log: WriteLog;
  #lastSeen = 0;
  readonly #views = new Map<number, { view: LogView; syncing: Promise<void> }>();

  constructor(store: BlobStore) {
    this.log = new WriteLog(store);
  }

  /** The last sequence in the log, for a snapshot of a version that folded `logThrough`. */
  async latest(logThrough: number): Promise<number> {
    const last = await this.log.lastSequence(Math.max(this.#lastSeen, logThrough));
    this.#lastSeen = Math.max(this.#lastSeen, last);
    return last;
  }

  /** The view of `reader`'s version at `sequence`; undefined when the snapshot adds nothing to the base. */
  async viewAt(reader: IndexReader, sequence: number): Promise<LogView | undefined> {
    const version = reader.manifest.version;
    if (sequence <= (reader.manifest.logThrough ?? 0)) return undefined;
    let state = this.#views.get(version);
    if (!state) {
      state = { view: new LogView(logBaseOf(reader)), syncing: Promise.resolve() };
      this.#views.set(version, state);
      for (const kept of [...this.#views.keys()].sort((a, b) => b - a).slice(VERSIONS_KEPT)) {
        this.#views.delete(kept);
      }
    }
    const current = state;
    const synced = current.syncing.then(() => this.#sync(current.view, sequence));
    current.syncing = synced.catch(() => {});
    await synced;
    this.#lastSeen = Math.max(this.#lastSeen, sequence);
    return current.view;
  }

  async #sync(view: LogView, sequence: number): Promise<void> {
    if (view.appliedThrough >= sequence) return;
    const entries = await this.log.readRange(view.appliedThrough + 1, sequence);
    for (const entry of entries) view.apply(entry);
  }
}
