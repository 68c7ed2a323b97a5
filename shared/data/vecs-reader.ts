import { InvalidInputError } from '../errors/index.ts';
import { CHUNK_BYTES, InputFile } from './input-file.ts';
import { type IntVectorSet, type ReadVectorsOptions, resolveLimit, type VectorSet } from './vector-set.ts';

/**
 * Texmex `.fvecs` / `.bvecs` / `.ivecs`: per record a little-endian int32 dimension, then that
 * many float32 / uint8 / int32 values. Every record must declare the first record's dimension.
 * Files are read in chunks straight into the output array, so memory stays at one copy.
 */
interface VecsFormat {
  readonly name: string;
  readonly elementBytes: 1 | 4;
  readonly elementType: string;
}

const FVECS: VecsFormat = { name: 'fvecs', elementBytes: 4, elementType: 'float32' };
const BVECS: VecsFormat = { name: 'bvecs', elementBytes: 1, elementType: 'uint8' };
const IVECS: VecsFormat = { name: 'ivecs', elementBytes: 4, elementType: 'int32' };

export async function readFvecs(path: string, options: ReadVectorsOptions = {}): Promise<VectorSet> {
  const { n, dim, out } = await readVecsFile(path, FVECS, options, (length) => new Float32Array(length));
  return { vectors: out, n, dim };
}

/** uint8 values widened to float32. */
export async function readBvecs(path: string, options: ReadVectorsOptions = {}): Promise<VectorSet> {
  const { n, dim, out } = await readVecsFile(path, BVECS, options, (length) => new Float32Array(length));
  return { vectors: out, n, dim };
}

export async function readIvecs(path: string, options: ReadVectorsOptions = {}): Promise<IntVectorSet> {
  const { n, dim, out } = await readVecsFile(path, IVECS, options, (length) => new Int32Array(length));
  return { values: out, n, dim };
}

/** In-memory variants; `what` names the bytes in messages. */
export function parseFvecs(bytes: Uint8Array, what: string): VectorSet {
  const { n, dim, out } = parseVecs(bytes, what, FVECS, (length) => new Float32Array(length));
  return { vectors: out, n, dim };
}

export function parseBvecs(bytes: Uint8Array, what: string): VectorSet {
  const { n, dim, out } = parseVecs(bytes, what, BVECS, (length) => new Float32Array(length));
  return { vectors: out, n, dim };
}

export function parseIvecs(bytes: Uint8Array, what: string): IntVectorSet {
  const { n, dim, out } = parseVecs(bytes, what, IVECS, (length) => new Int32Array(length));
  return { values: out, n, dim };
}

interface Decoded<T> {
  readonly n: number;
  readonly dim: number;
  readonly out: T;
}

async function readVecsFile<T extends Float32Array | Int32Array>(
  path: string,
  format: VecsFormat,
  options: ReadVectorsOptions,
  allocate: (length: number) => T,
): Promise<Decoded<T>> {
  const file = await InputFile.open(path);
  try {
    const layout = recordLayout(file.size, await file.read(0, Math.min(4, file.size)), path, format);
    const n = resolveLimit(options.limit, layout.complete);
    const out = allocate(n * layout.dim);
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / layout.recordBytes));
    const buffer = new Uint8Array(Math.min(perChunk, Math.max(n, 1)) * layout.recordBytes);
    for (let first = 0; first < n; first += perChunk) {
      const count = Math.min(perChunk, n - first);
      const chunk = buffer.subarray(0, count * layout.recordBytes);
      await file.readInto(chunk, first * layout.recordBytes);
      decodeRecords(chunk, first, count, layout.dim, format, out, path);
    }
    const wantsMore = options.limit === undefined || options.limit > layout.complete;
    if (wantsMore && layout.remainder > 0) {
      const at = n * layout.recordBytes;
      throw truncatedOrMismatched(
        await file.read(at, Math.min(4, layout.remainder)),
        n,
        layout,
        file.size,
        path,
      );
    }
    return { n, dim: layout.dim, out };
  } finally {
    await file.close();
  }
}

function parseVecs<T extends Float32Array | Int32Array>(
  bytes: Uint8Array,
  what: string,
  format: VecsFormat,
  allocate: (length: number) => T,
): Decoded<T> {
  const layout = recordLayout(bytes.byteLength, bytes.subarray(0, 4), what, format);
  const out = allocate(layout.complete * layout.dim);
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  decodeRecords(aligned, 0, layout.complete, layout.dim, format, out, what);
  if (layout.remainder > 0) {
    const at = layout.complete * layout.recordBytes;
    throw truncatedOrMismatched(bytes.subarray(at, at + 4), layout.complete, layout, bytes.byteLength, what);
  }
  return { n: layout.complete, dim: layout.dim, out };
}

interface RecordLayout {
  readonly format: VecsFormat;
  readonly dim: number;
  readonly recordBytes: number;
  /** Whole records in the file. */
  readonly complete: number;
  /** Bytes after the last whole record. */
  readonly remainder: number;
}

function recordLayout(size: number, head: Uint8Array, what: string, format: VecsFormat): RecordLayout {
  if (size === 0) throw new InvalidInputError(`\`${what}\` is empty; expected ${format.name} records`);
  if (head.byteLength < 4) {
    throw new InvalidInputError(
      `\`${what}\` is truncated: record 0 needs bytes 0..4 for its dimension, but the file ends at byte ${size}`,
    );
  }
  const dim = new DataView(head.buffer, head.byteOffset, 4).getInt32(0, true);
  if (dim <= 0) {
    throw new InvalidInputError(
      `\`${what}\` record 0 declares dimension ${dim}; expected a positive dimension`,
    );
  }
  const recordBytes = 4 + dim * format.elementBytes;
  return {
    format,
    dim,
    recordBytes,
    complete: Math.floor(size / recordBytes),
    remainder: size % recordBytes,
  };
}

/** Validates each record's declared dimension and copies its values into `out` (row `first + r`). */
function decodeRecords(
  chunk: Uint8Array,
  first: number,
  count: number,
  dim: number,
  format: VecsFormat,
  out: Float32Array | Int32Array,
  what: string,
): void {
  const recordBytes = 4 + dim * format.elementBytes;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  for (let r = 0; r < count; r++) {
    const declared = view.getInt32(r * recordBytes, true);
    if (declared !== dim) throw dimensionMismatch(what, first + r, declared, dim);
  }
  if (format.elementBytes === 4) {
    // Records are whole 4-byte words: view the chunk as words and copy each record's tail.
    const length = count * (dim + 1);
    const words =
      out instanceof Float32Array
        ? new Float32Array(chunk.buffer, chunk.byteOffset, length)
        : new Int32Array(chunk.buffer, chunk.byteOffset, length);
    for (let r = 0; r < count; r++) {
      out.set(words.subarray(r * (dim + 1) + 1, (r + 1) * (dim + 1)), (first + r) * dim);
    }
    return;
  }
  for (let r = 0; r < count; r++) {
    const from = r * recordBytes + 4;
    const to = (first + r) * dim;
    for (let j = 0; j < dim; j++) out[to + j] = chunk[from + j]!;
  }
}

function truncatedOrMismatched(
  head: Uint8Array,
  record: number,
  layout: RecordLayout,
  size: number,
  what: string,
): InvalidInputError {
  if (head.byteLength === 4) {
    const declared = new DataView(head.buffer, head.byteOffset, 4).getInt32(0, true);
    if (declared !== layout.dim) return dimensionMismatch(what, record, declared, layout.dim);
  }
  const start = record * layout.recordBytes;
  return new InvalidInputError(
    `\`${what}\` is truncated: record ${record} (counting from 0) needs bytes ${start}..${start + layout.recordBytes}, ` +
      `but the file ends at byte ${size} (records are 4 + ${layout.dim} × ${layout.format.elementBytes} = ` +
      `${layout.recordBytes} bytes: an int32 dimension then ${layout.dim} ${layout.format.elementType} values)`,
  );
}

function dimensionMismatch(what: string, record: number, declared: number, dim: number): InvalidInputError {
  return new InvalidInputError(
    `\`${what}\` record ${record} (counting from 0) declares dimension ${declared}; expected ${dim}, the dimension of record 0`,
  );
}
