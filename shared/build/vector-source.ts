/**
 * Vectors read by row range, so that a build holds one chunk at a time whatever the input's size
 * (docs/build.md): `.fvecs`, `.bvecs` and `.npy` have fixed-size rows, so rows [start, end) are one
 * byte range — a positional read of a local file or one ranged GET of `s3://bucket/key`; `.parquet`
 * reads the pages of its vector column that cover the range (parquet-vector-source.ts).
 */
import { extname } from 'node:path';
import type { AsyncBuffer } from 'hyparquet';
import {
  checkDataLength,
  npyHeaderLength,
  npyValueBytes,
  npyValuesToFloat32,
  parseBvecs,
  parseFvecs,
  parseNpyHeader,
} from '../data/index.ts';
import { openParquetSource } from '../data/parquet-source.ts';
import { InvalidInputError } from '../errors/index.ts';

export interface VectorSource {
  readonly count: number;
  readonly dim: number;
  /** The path or `s3://bucket/key`, for messages. */
  readonly description: string;
  /** Rows [start, end) as float32, row-major ((end − start) × dim values). */
  readRows(start: number, end: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export const VECTOR_EXTENSIONS = ['.fvecs', '.bvecs', '.npy', '.parquet'] as const;

export async function openVectorSource(
  location: string,
  options: { readonly vectorColumn?: string } = {},
): Promise<VectorSource> {
  const extension = extname(location).toLowerCase();
  if (extension === '.parquet') {
    const { openParquetVectorSource } = await import('./parquet-vector-source.ts');
    return openParquetVectorSource(location, options);
  }
  if (extension !== '.fvecs' && extension !== '.bvecs' && extension !== '.npy') {
    throw new InvalidInputError(
      `\`${location}\` has extension "${extension}"; expected one of ${VECTOR_EXTENSIONS.join(', ')}`,
    );
  }
  const source = await openParquetSource(location);
  try {
    const layout =
      extension === '.npy'
        ? await npyLayout(source.file, source.description)
        : await vecsLayout(source.file, source.description, extension === '.fvecs' ? 4 : 1);
    return {
      count: layout.count,
      dim: layout.dim,
      description: source.description,
      readRows: async (start, end) => {
        checkRange(start, end, layout.count, source.description);
        if (start === end) return new Float32Array(0);
        const from = layout.dataOffset + start * layout.rowBytes;
        const bytes = new Uint8Array(await source.file.slice(from, from + (end - start) * layout.rowBytes));
        return layout.decode(bytes, `${source.description} rows ${start}..${end}`);
      },
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

interface RowLayout {
  readonly count: number;
  readonly dim: number;
  readonly dataOffset: number;
  readonly rowBytes: number;
  decode(bytes: Uint8Array, what: string): Float32Array;
}

async function vecsLayout(file: AsyncBuffer, what: string, valueBytes: 1 | 4): Promise<RowLayout> {
  if (file.byteLength < 4) {
    throw new InvalidInputError(`\`${what}\` has ${file.byteLength} bytes; expected at least one record`);
  }
  const dim = new DataView(await file.slice(0, 4)).getInt32(0, true);
  if (!(dim >= 1)) throw new InvalidInputError(`\`${what}\` declares dimension ${dim}; expected ≥ 1`);
  const rowBytes = 4 + dim * valueBytes;
  if (file.byteLength % rowBytes !== 0) {
    throw new InvalidInputError(
      `\`${what}\` has ${file.byteLength} bytes, not a whole number of ${rowBytes}-byte records of dimension ${dim} (truncated?)`,
    );
  }
  const parse = valueBytes === 4 ? parseFvecs : parseBvecs;
  return {
    count: file.byteLength / rowBytes,
    dim,
    dataOffset: 0,
    rowBytes,
    decode: (bytes, part) => {
      const rows = parse(bytes, part);
      if (rows.dim !== dim) {
        throw new InvalidInputError(
          `\`${part}\` holds dimension ${rows.dim}; the file's first row has ${dim}`,
        );
      }
      return rows.vectors;
    },
  };
}

async function npyLayout(file: AsyncBuffer, what: string): Promise<RowLayout> {
  const preamble = new Uint8Array(await file.slice(0, Math.min(12, file.byteLength)));
  const headerBytes = Math.min(npyHeaderLength(preamble, what), file.byteLength);
  const header = parseNpyHeader(new Uint8Array(await file.slice(0, headerBytes)), what);
  checkDataLength(header, file.byteLength, what);
  const [count, dim] = header.shape as [number, number];
  return {
    count,
    dim,
    dataOffset: header.dataOffset,
    rowBytes: dim * npyValueBytes(header),
    decode: (bytes) => npyValuesToFloat32(bytes, header),
  };
}

export function checkRange(start: number, end: number, count: number, what: string): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > count || start > end) {
    throw new InvalidInputError(
      `rows ${start}..${end} of \`${what}\` are not valid; expected 0 ≤ start ≤ end ≤ ${count}`,
    );
  }
}
