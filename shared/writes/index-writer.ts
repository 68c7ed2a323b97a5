/**
 * Appends writes to an index's log (docs/writes.md "Promises"): checks the request whole, then takes
 * the next sequence with a conditional PUT — on a lost race it re-reads the log and tries the next
 * one, for up to WRITE_BUDGET_MS (then `WriteConflictError`, a 503 a client retries). A request with a
 * token that is already in the log is answered with that entry's sequence, not written again: every
 * entry before the one a writer takes has been read by it, so a retry can never slip past its first
 * attempt.
 *
 * The writer follows the entries after its base version's `logThrough` (each read once): it counts their
 * rows for the compaction trigger and their tokens for replays (tokens of entries already folded but not
 * yet removed are read on the first request that carries a token).
 */
import { PreconditionFailedError, WriteConflictError } from '../errors/index.ts';
import type { ExternalId } from '../format/index.ts';
import { IndexReader } from '../index/index-reader.ts';
import type { BlobStore } from '../store/index.ts';
import { entryRows, type LogEntry, type LogWrite } from './log-entry.ts';
import { WriteLog } from './write-log.ts';
import {
  checkDeleteFilter,
  checkDeleteIds,
  checkToken,
  checkUpserts,
  type DeleteTarget,
  type UpsertRow,
} from './write-request.ts';

/**
 * How long a write keeps trying for the next sequence before it gives up with a 503. A budget of time,
 * not of attempts: with W writers each attempt is lost with probability about (W−1)/W, so a fixed
 * count of 8 still failed one write in ten at W = 4 (measured by bench:writes). It counts from the
 * writer's first catch-up: a cold environment reading hundreds of entries on a loaded machine spent the
 * whole budget on that read, lost its one race and answered 503 every time a client retried it.
 */
const WRITE_BUDGET_MS = 10_000;

/** Longest pause after a lost race: short, since a loser must first read what the winner wrote. */
const MAX_BACKOFF_MS = 100;

/**
 * What one log entry counts toward the compaction trigger, at least: every function that starts cold
 * reads each entry after the base (one GET each), so many small writes must trigger a compaction too —
 * with the default 10,000 rows, after at most 1,000 entries.
 */
export const ENTRY_MIN_ROWS = 10;

/** What `entry` counts toward the compaction trigger. */
function triggerRows(entry: LogWrite): number {
  return Math.max(ENTRY_MIN_ROWS, entryRows(entry));
}

export interface WriteOptions {
  readonly token?: string;
}

export interface WriteResult {
  /** The write's place in the log: a search whose snapshot sequence is at least this sees it. */
  readonly sequence: number;
  readonly upserted: number;
  /** Ids the request named for deletion. */
  readonly deleted: number;
  readonly deletedByFilter?: true;
  /** The token was already in the log: this answer repeats the first one, nothing was written. */
  readonly replayed: boolean;
  /**
   * Rows in the log after the base version's `logThrough`, through this write (the compaction
   * trigger's measure; every entry counts at least ENTRY_MIN_ROWS).
   */
  readonly logRows: number;
  /** What this write's entry counts in `logRows`. */
  readonly rows: number;
}

export interface IndexWriterOptions {
  /** How long a write races for the next sequence after its first catch-up. @default WRITE_BUDGET_MS */
  readonly budgetMs?: number;
}

export class IndexWriter {
  readonly log: WriteLog;
  readonly #budgetMs: number;
  #reader: IndexReader;
  /** Sequence → rows, for the entries after the base's `logThrough` read so far. */
  readonly #rows = new Map<number, number>();
  readonly #tokens = new Map<string, LogEntry>();
  #readThrough: number;
  #foldedTokensRead = false;

  constructor(
    reader: IndexReader,
    log: WriteLog = new WriteLog(reader.store),
    options: IndexWriterOptions = {},
  ) {
    this.#reader = reader;
    this.log = log;
    this.#budgetMs = options.budgetMs ?? WRITE_BUDGET_MS;
    this.#readThrough = reader.manifest.logThrough ?? 0;
  }

  /** A writer for the published version of the index at `store`. */
  static async open(store: BlobStore): Promise<IndexWriter> {
    return new IndexWriter(await IndexReader.open(store, { allocator: false }));
  }

  get reader(): IndexReader {
    return this.#reader;
  }

  /** Follows a newer published version (after a compaction); requests are checked against it. */
  useVersion(reader: IndexReader): void {
    if (reader.manifest.version === this.#reader.manifest.version) return;
    this.#reader = reader;
    const logThrough = reader.manifest.logThrough ?? 0;
    for (const sequence of this.#rows.keys()) if (sequence <= logThrough) this.#rows.delete(sequence);
    this.#readThrough = Math.max(this.#readThrough, logThrough);
  }

  async upsert(rows: readonly UpsertRow[], options: WriteOptions = {}): Promise<WriteResult> {
    const token = checkToken(options.token);
    const upserts = checkUpserts(this.#reader, rows);
    return this.#append({ ...(token === undefined ? {} : { token }), upserts, deleteIds: [] });
  }

  async delete(target: DeleteTarget, options: WriteOptions = {}): Promise<WriteResult> {
    const token = checkToken(options.token);
    const write: LogWrite =
      'ids' in target
        ? { upserts: [], deleteIds: checkDeleteIds(this.#reader, target.ids) }
        : { upserts: [], deleteIds: [], deleteFilter: checkDeleteFilter(this.#reader, target.filter) };
    return this.#append({ ...(token === undefined ? {} : { token }), ...write });
  }

  async #append(write: LogWrite): Promise<WriteResult> {
    let lastError: unknown;
    let deadline = Number.POSITIVE_INFINITY;
    let attempt = 0;
    for (; Date.now() < deadline; attempt++) {
      const last = await this.#catchUp();
      if (attempt === 0) deadline = Date.now() + this.#budgetMs;
      if (write.token !== undefined) {
        const earlier = await this.#entryWithToken(write.token);
        if (earlier) return this.#result(earlier, true);
      }
      try {
        const entry = await this.log.append(write, last + 1);
        this.#record(entry);
        return this.#result(entry, false);
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        lastError = error;
        await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 5 * 2 ** attempt));
      }
    }
    throw new WriteConflictError(
      `the write lost the race for the next log sequence of ${this.log.store.description} ${attempt} times in ` +
        `${this.#budgetMs / 1000} s (other writers are appending): nothing was written; retry it (${(lastError as Error).message})`,
    );
  }

  /** Reads the entries after the last one read; returns the log's last sequence. */
  async #catchUp(): Promise<number> {
    const last = await this.log.lastSequence(this.#readThrough);
    if (last > this.#readThrough) {
      for (const entry of await this.log.readRange(this.#readThrough + 1, last)) this.#record(entry);
    }
    return last;
  }

  #record(entry: LogEntry): void {
    if (entry.sequence > (this.#reader.manifest.logThrough ?? 0)) {
      this.#rows.set(entry.sequence, triggerRows(entry));
    }
    if (entry.token !== undefined && !this.#tokens.has(entry.token)) this.#tokens.set(entry.token, entry);
    this.#readThrough = Math.max(this.#readThrough, entry.sequence);
  }

  async #entryWithToken(token: string): Promise<LogEntry | undefined> {
    if (!this.#foldedTokensRead) {
      const folded = (await this.log.sequences()).filter((sequence) => sequence <= this.#readThrough);
      for (const entry of await Promise.all(folded.map((sequence) => this.log.read(sequence)))) {
        if (entry.token !== undefined && !this.#tokens.has(entry.token)) this.#tokens.set(entry.token, entry);
      }
      this.#foldedTokensRead = true;
    }
    return this.#tokens.get(token);
  }

  #result(entry: LogEntry, replayed: boolean): WriteResult {
    let logRows = 0;
    for (const [sequence, rows] of this.#rows) if (sequence <= entry.sequence) logRows += rows;
    return {
      sequence: entry.sequence,
      upserted: entry.upserts.length,
      deleted: entry.deleteIds.length,
      ...(entry.deleteFilter === undefined ? {} : { deletedByFilter: true as const }),
      replayed,
      logRows,
      rows: triggerRows(entry),
    };
  }
}

export type { DeleteTarget, ExternalId, UpsertRow };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
