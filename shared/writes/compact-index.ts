/**
 * Compaction (docs/writes.md "Compaction"): folds the write log through its current end S into a new
 * version of the index, then removes what the retention period no longer protects.
 *
 * 1. Read `CURRENT` (version v and its ETag), the log's last sequence S and every entry after v's
 *    `logThrough`, into the same `LogView` the searches use.
 * 2. The content at snapshot S: v's rows minus those the log hid, plus the live log rows, each in the
 *    partition of its nearest centroid (as searches placed it).
 * 3. Balanced enough (no partition empty, none above 2× or below ¼× the mean): centroids and assignment
 *    are kept and every partition is re-trained on its rows (KLT, bits, boundaries — the build's
 *    quantization stage); otherwise the whole content is re-partitioned with balanced k-means.
 * 4. Write `v<next>/` with `logThrough: S` and move `CURRENT` with a conditional write (on v's ETag): a
 *    compaction or build that published meanwhile wins, this one removes its objects and says so.
 * 5. Remove retired versions whose successor was published more than the retention period ago, and
 *    the log entries every remaining version has folded.
 *
 * Writes arriving meanwhile land after S and apply on top of the new version; searches in flight keep
 * reading v, which stays for the retention period. Idempotent: a second run with nothing new to fold
 * publishes nothing. Ids are always written into the new version (an index built without ids keeps
 * its row numbers as integer ids), so a row's id never changes with compaction.
 */
import { AttributeTableBuilder } from '../attributes/index.ts';
import { buildOptionsOf, type Partitioning, partitionVectors, writeVersion } from '../build/build-index.ts';
import { InvalidInputError, PreconditionFailedError } from '../errors/index.ts';
import {
  type ExternalId,
  listVersions,
  type Manifest,
  readCurrentManifest,
  readCurrentPointer,
  readManifest,
  versionPrefix,
} from '../format/index.ts';
import { IndexReader } from '../index/index-reader.ts';
import type { BlobStore } from '../store/index.ts';
import { logKey } from './log-keys.ts';
import { contentAt } from './snapshot-content.ts';
import { WriteLog } from './write-log.ts';

export interface CompactOptions {
  /** Seconds a retired version and its folded log entries are kept after it was replaced. @default 900 */
  readonly retentionSeconds?: number;
  readonly now?: () => Date;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface CompactSummary {
  readonly location: string;
  readonly previousVersion: number;
  /** The version published; undefined when there was nothing to fold or another writer published first. */
  readonly version: number | undefined;
  /** The last log sequence the published version folded (its `logThrough`). */
  readonly logThrough: number;
  /** Log entries folded. */
  readonly entriesFolded: number;
  /** Rows of the new version that came from the log. */
  readonly rowsFolded: number;
  /** Rows of the old version dropped (deleted or replaced). */
  readonly rowsDropped: number;
  readonly count: number;
  readonly repartitioned: boolean;
  /** Why nothing was published, when nothing was. */
  readonly skipped?: string;
  readonly seconds: number;
  readonly removed: { readonly versions: number[]; readonly logObjects: number };
}

const DEFAULT_RETENTION_SECONDS = 900;

export async function compactIndex(store: BlobStore, options: CompactOptions = {}): Promise<CompactSummary> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const { manifest, etag } = await readCurrentManifest(store);
  const previous = { version: manifest.version, etag, manifestChecksum: undefined };
  const reader = await IndexReader.open(store, { version: manifest.version });
  const log = new WriteLog(store);
  const logThrough = manifest.logThrough ?? 0;
  const last = await log.lastSequence(logThrough);
  const base = {
    location: store.description,
    previousVersion: manifest.version,
    logThrough,
    entriesFolded: 0,
    rowsFolded: 0,
    rowsDropped: 0,
    count: manifest.count,
    repartitioned: false,
  };
  const finish = async (summary: Omit<CompactSummary, 'seconds' | 'removed'>): Promise<CompactSummary> => {
    progress('removing retired versions', 0, 1);
    const removed = await removeRetired(store, log, options);
    progress('removing retired versions', 1, 1);
    return { ...summary, removed, seconds: (performance.now() - started) / 1000 };
  };
  if (last === logThrough)
    return finish({ ...base, version: undefined, skipped: 'the log holds nothing to fold' });

  const content = await gatherContent(reader, log, last, progress);
  if (content.count === 0) {
    throw new InvalidInputError(
      `the log through sequence ${last} deletes every row of ${store.description}; an index cannot be empty, so nothing was folded`,
    );
  }
  const buildOptions = { ...buildOptionsOf(manifest), onProgress: options.onProgress };
  const partitioning = balanced(content.assignment, manifest.partitions)
    ? { centroids: reader.layout.centroids, assignment: content.assignment }
    : undefined;
  const chosen: Partitioning =
    partitioning ??
    partitionVectors(content.vectors, content.count, reader.space.storedDim, {
      ...buildOptions,
      partitions: Math.min(manifest.partitions, content.count),
    });
  const summary = {
    ...base,
    logThrough: last,
    entriesFolded: last - logThrough,
    rowsFolded: content.logRows,
    rowsDropped: content.dropped,
    count: content.count,
    repartitioned: partitioning === undefined,
  };
  try {
    const built = await writeVersion(
      store,
      {
        space: reader.space,
        vectors: content.vectors,
        count: content.count,
        attributes: content.attributes.finish(),
        ids: content.ids,
        externalIdKind: manifest.externalIdKind ?? 'integer',
      },
      chosen,
      { ...buildOptions, partitions: chosen.centroids.length / reader.space.storedDim },
      { previous, started, logThrough: last, version: await nextFreeVersion(store, manifest.version) },
    );
    return finish({ ...summary, version: built.version });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    return finish({
      ...summary,
      version: undefined,
      skipped: `another writer published first: ${error.message}`,
    });
  }
}

interface Content {
  readonly vectors: Float32Array;
  readonly count: number;
  readonly attributes: AttributeTableBuilder;
  readonly ids: ExternalId[];
  readonly assignment: Uint32Array;
  readonly logRows: number;
  readonly dropped: number;
}

/** The snapshot's rows as the build's inputs: prepared vectors, attribute rows, ids, partitions. */
async function gatherContent(
  reader: IndexReader,
  log: WriteLog,
  at: number,
  progress: (stage: string, done: number, total: number) => void,
): Promise<Content> {
  const snapshot = await contentAt(reader, log, at, (done, total) =>
    progress('reading partitions', done, total),
  );
  const dim = reader.space.storedDim;
  const count = snapshot.rows.length;
  const vectors = new Float32Array(count * dim);
  const assignment = new Uint32Array(count);
  const attributes = new AttributeTableBuilder(reader.schema);
  snapshot.rows.forEach((row, i) => {
    vectors.set(row.vector, i * dim);
    attributes.add({ ...row.attributes }, `row ${String(row.id)}`);
    assignment[i] = row.partition;
  });
  return {
    vectors,
    count,
    attributes,
    ids: snapshot.rows.map((row) => row.id),
    assignment,
    logRows: snapshot.rows.filter((row) => row.fromLog).length,
    dropped: snapshot.dropped,
  };
}

/** No partition empty, none above twice or below a quarter of the mean. */
function balanced(assignment: Uint32Array, partitions: number): boolean {
  const sizes = new Uint32Array(partitions);
  for (const p of assignment) sizes[p]!++;
  const mean = assignment.length / partitions;
  return sizes.every((size) => size > 0 && size <= 2 * mean && size >= mean / 4);
}

/** One above every version that has objects (an interrupted run's leftovers included). */
async function nextFreeVersion(store: BlobStore, current: number): Promise<number> {
  let highest = current;
  for (const key of await store.list('v')) {
    const match = /^v([1-9][0-9]*)\//.exec(key);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest + 1;
}

/**
 * Removes every version older than the published one whose successor (the version built over it,
 * `build.previousVersion`, or else the next one) was published more than the retention period ago,
 * then the log entries that every remaining version has folded.
 */
async function removeRetired(
  store: BlobStore,
  log: WriteLog,
  options: CompactOptions,
): Promise<{ versions: number[]; logObjects: number }> {
  const pointer = await readCurrentPointer(store);
  if (!pointer) return { versions: [], logObjects: 0 };
  const retentionMs = (options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
  const now = (options.now?.() ?? new Date()).getTime();
  const versions = (await listVersions(store)).filter((version) => version <= pointer.version);
  const manifests = new Map<number, Manifest>();
  for (const version of versions) {
    try {
      manifests.set(version, await readManifest(store, version));
    } catch {
      // A damaged old manifest: keep its version (nothing tells when it was retired).
    }
  }
  const retiredAt = (version: number): number | undefined => {
    const successors = versions.filter((other) => other > version);
    const named = successors.find((other) => manifests.get(other)?.build.previousVersion === version);
    const successor = manifests.get(named ?? successors[0] ?? Number.NaN);
    return successor ? Date.parse(successor.createdAt) : undefined;
  };
  const removed: number[] = [];
  for (const version of versions) {
    if (version === pointer.version) continue;
    const at = retiredAt(version);
    if (at === undefined || at + retentionMs > now) continue;
    const keys = await store.list(versionPrefix(version));
    const manifestKey = `${versionPrefix(version)}manifest.json`;
    // The manifest last: a version is listed (and its retirement judged) until all of it is gone.
    await Promise.all(keys.filter((key) => key !== manifestKey).map((key) => store.delete(key)));
    await store.delete(manifestKey);
    removed.push(version);
  }
  const kept = versions.filter((version) => !removed.includes(version));
  const folded = Math.min(...kept.map((version) => manifests.get(version)?.logThrough ?? 0));
  let logObjects = 0;
  for (const sequence of await log.sequences()) {
    if (sequence > folded) break;
    await store.delete(logKey(sequence));
    logObjects++;
  }
  log.forget(folded);
  return { versions: removed, logObjects };
}
