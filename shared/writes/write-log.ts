/**
 * The write log of one index location as a sequence of immutable objects (docs/writes.md): list what is
 * new after a known sequence (one LIST with `startAfter`), read an entry (each read once: entries never
 * change), and append the next one with `If-None-Match: *`, so of two writers that pick the same
 * sequence exactly one succeeds and the other learns it (`PreconditionFailedError`).
 */
import { BlobNotFoundError, IndexFormatError } from '../errors/index.ts';
import type { BlobStore } from '../store/index.ts';
import { decodeLogEntry, encodeLogEntry, type LogEntry, type LogWrite } from './log-entry.ts';
import { LOG_PREFIX, logKey, sequenceOfLogKey } from './log-keys.ts';

export class WriteLog {
  readonly #entries = new Map<number, Promise<LogEntry>>();

  constructor(readonly store: BlobStore) {}

  /**
   * The last sequence in the log, at least `known` (a sequence already seen, or 0): a HEAD of the
   * entry after `known`, and only when it exists a LIST of what follows. A missing entry is not
   * detected here but by the reader that needs it (`read`), which fails naming it.
   */
  async lastSequence(known = 0): Promise<number> {
    // The common case, no write since `known`, costs one HEAD (a LIST costs S3 12.5 times as much).
    if ((await this.store.head(logKey(known + 1))) === undefined) return known;
    const keys = await this.store.list(LOG_PREFIX, known > 0 ? logKey(known) : undefined);
    let last = known;
    for (const key of keys) last = Math.max(last, sequenceOfLogKey(key) ?? 0);
    return last;
  }

  /** Sequences present in the log, ascending (folded ones included until they are removed). */
  async sequences(): Promise<number[]> {
    const sequences: number[] = [];
    for (const key of await this.store.list(LOG_PREFIX)) {
      const sequence = sequenceOfLogKey(key);
      if (sequence !== undefined) sequences.push(sequence);
    }
    return sequences;
  }

  /** Entry `sequence`; `IndexFormatError` when it is missing or damaged. */
  read(sequence: number): Promise<LogEntry> {
    let entry = this.#entries.get(sequence);
    if (!entry) {
      entry = this.#fetch(sequence);
      this.#entries.set(sequence, entry);
      entry.catch(() => this.#entries.delete(sequence));
    }
    return entry;
  }

  /** Entries from `from` through `through`, read in parallel, in order. */
  readRange(from: number, through: number): Promise<LogEntry[]> {
    const reads: Promise<LogEntry>[] = [];
    for (let sequence = from; sequence <= through; sequence++) reads.push(this.read(sequence));
    return Promise.all(reads);
  }

  /** Writes `write` as entry `sequence` if no entry has it yet; `PreconditionFailedError` otherwise. */
  async append(write: LogWrite, sequence: number): Promise<LogEntry> {
    const entry: LogEntry = { ...write, sequence, writtenAt: new Date().toISOString() };
    await this.store.put(logKey(sequence), encodeLogEntry(entry), { ifNoneMatch: '*' });
    this.#entries.set(sequence, Promise.resolve(entry));
    return entry;
  }

  /** Forgets cached entries up to `through` (after a compaction folded them). */
  forget(through: number): void {
    for (const sequence of this.#entries.keys()) if (sequence <= through) this.#entries.delete(sequence);
  }

  async #fetch(sequence: number): Promise<LogEntry> {
    const key = logKey(sequence);
    let bytes: Uint8Array;
    try {
      bytes = await this.store.get(key);
    } catch (error) {
      if (!(error instanceof BlobNotFoundError)) throw error;
      throw new IndexFormatError(
        `write-log object \`${key}\` is missing from ${this.store.description} (it was listed, or the snapshot names it)`,
      );
    }
    return decodeLogEntry(bytes, key, sequence);
  }
}
