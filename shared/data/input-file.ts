import { type FileHandle, open, stat } from 'node:fs/promises';
import { InvalidInputError } from '../errors/index.ts';

/** Chunk size for streaming readers and writers: large enough for sequential I/O speed, small enough to not matter. */
export const CHUNK_BYTES = 4 << 20;

/** An open input file with exact positional reads; `close()` it when done. */
export class InputFile {
  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}

  /** Opens `path` for reading; a missing or unreadable file is an `InvalidInputError` naming it. */
  static async open(path: string): Promise<InputFile> {
    await checkReadable(path);
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw unreadable(path, error);
    });
    const { size } = await handle.stat();
    return new InputFile(path, size, handle);
  }

  /** Fills `target` from `position`; the caller has checked that the file is long enough. */
  async readInto(target: Uint8Array, position: number): Promise<void> {
    let filled = 0;
    while (filled < target.byteLength) {
      const { bytesRead } = await this.handle.read(
        target,
        filled,
        target.byteLength - filled,
        position + filled,
      );
      if (bytesRead === 0) {
        throw new InvalidInputError(
          `\`${this.path}\` ended at byte ${position + filled} while being read (did it change?)`,
        );
      }
      filled += bytesRead;
    }
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    await this.readInto(out, position);
    return out;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Throws `InvalidInputError` unless `path` is an existing regular file. */
export async function checkReadable(path: string): Promise<void> {
  const stats = await stat(path).catch((error: unknown) => {
    throw unreadable(path, error);
  });
  if (!stats.isFile()) throw new InvalidInputError(`cannot read \`${path}\`: it is not a file`);
}

function unreadable(path: string, error: unknown): InvalidInputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  return new InvalidInputError(`cannot read \`${path}\`: ${reason}`);
}
