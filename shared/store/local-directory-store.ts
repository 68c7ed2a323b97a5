import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { BlobNotFoundError, InvalidInputError } from '../errors/index.ts';
import type { BlobHead, BlobStore, PutOptions, RangeRead } from './blob-store.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { assertRangeArguments, assertRangeInside, assertValidKey } from './keys.ts';
import { checkPutConditions } from './put-conditions.ts';

/** Temporary files live under the root, so the final `rename` never crosses a filesystem. */
const TEMP_DIRECTORY = '.squash-tmp';

/**
 * A directory as a blob store: key `a/b.bin` is the file `<root>/a/b.bin`.
 *
 * - Writes go to a temporary file that is then renamed (or hard-linked) into place, so a reader
 *   never sees a half-written object.
 * - `ifNoneMatch: '*'` uses `link`, which fails atomically when the target exists, even across
 *   processes. `ifMatch` compares and renames under an in-process lock: atomic against writers in
 *   the same process, not against another process writing the same key at the same instant.
 * - ETags are derived from inode, size and nanosecond mtime (like nginx), so `head` never reads
 *   the file; a rewrite always yields a new inode and therefore a new ETag.
 */
export class LocalDirectoryStore implements BlobStore {
  readonly description: string;
  readonly root: string;
  readonly #locks = new KeyedMutex();

  constructor(root: string) {
    this.root = resolve(root);
    this.description = root;
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const buffer = await readFile(this.#pathOf(key));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return (await this.getRangeWithSize(key, offset, length)).bytes;
  }

  async getRangeWithSize(key: string, offset: number, length: number): Promise<RangeRead> {
    assertRangeArguments(key, offset, length);
    const handle = await open(this.#pathOf(key), 'r').catch((error: unknown) => {
      throw notFoundOr(error, key);
    });
    try {
      const { size } = await handle.stat();
      assertRangeInside(key, offset, length, size);
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(out, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      // The file shrank between `stat` and `read` (someone else truncated it in place).
      assertRangeInside(key, offset, length, offset + filled);
      return { bytes: out, objectSize: size };
    } catch (error) {
      throw notFoundOr(error, key);
    } finally {
      await handle.close();
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const target = this.#pathOf(key);
    const temp = await this.#writeTemp(body);
    try {
      await mkdir(dirname(target), { recursive: true });
      // `rename` and `link` keep the inode and mtime, so the temporary file's ETag is the object's.
      const etag = etagOf(await stat(temp, { bigint: true }));
      await this.#locks.run(key, async () => {
        if (options.ifNoneMatch === '*' && options.ifMatch === undefined) {
          await this.#linkIfAbsent(key, temp, target);
          return;
        }
        if (options.ifNoneMatch === '*' || options.ifMatch !== undefined) {
          checkPutConditions(this.description, key, await this.#etagOrUndefined(target), options);
        }
        await rename(temp, target);
      });
      return { etag };
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async head(key: string): Promise<BlobHead | undefined> {
    const path = this.#pathOf(key);
    const stats = await stat(path, { bigint: true }).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (!stats?.isFile()) return undefined;
    return { size: Number(stats.size), etag: etagOf(stats) };
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const folder = slash < 0 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    await this.#walk(folder, keys);
    return keys
      .filter((key) => key.startsWith(prefix) && (startAfter === undefined || key > startAfter))
      .sort();
  }

  async delete(key: string): Promise<void> {
    const path = this.#pathOf(key);
    await this.#locks.run(key, async () => {
      await unlink(path).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    });
  }

  async #walk(folder: string, keys: string[]): Promise<void> {
    const entries = await readdir(folder === '' ? this.root : join(this.root, folder), {
      withFileTypes: true,
    }).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    });
    for (const entry of entries) {
      if (folder === '' && entry.name === TEMP_DIRECTORY) continue;
      const key = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) await this.#walk(key, keys);
      else if (entry.isFile()) keys.push(key);
    }
  }

  async #linkIfAbsent(key: string, temp: string, target: string): Promise<void> {
    try {
      await link(temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = (await this.#etagOrUndefined(target)) ?? 'unknown';
      checkPutConditions(this.description, key, current, { ifNoneMatch: '*' });
    }
  }

  async #etagOrUndefined(path: string): Promise<string | undefined> {
    try {
      return etagOf(await stat(path, { bigint: true }));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async #writeTemp(body: Uint8Array): Promise<string> {
    const folder = join(this.root, TEMP_DIRECTORY);
    await mkdir(folder, { recursive: true });
    const path = join(folder, `${process.pid}-${randomBytes(8).toString('hex')}`);
    await writeFile(path, body);
    return path;
  }

  #pathOf(key: string): string {
    assertValidKey(key);
    if (key === TEMP_DIRECTORY || key.startsWith(`${TEMP_DIRECTORY}/`)) {
      throw new InvalidInputError(
        `blob key \`${key}\` is not valid: \`${TEMP_DIRECTORY}/\` is reserved for temporary files`,
      );
    }
    return this.root + sep + key.split('/').join(sep);
  }
}

function etagOf(stats: BigIntStats): string {
  return `"${stats.ino.toString(16)}-${stats.size.toString(16)}-${stats.mtimeNs.toString(16)}"`;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A missing file, a folder where a file was expected, or a file where a folder was expected. */
function notFoundOr(error: unknown, key: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return isMissing(error) || code === 'EISDIR' ? new BlobNotFoundError(key) : error;
}
