import { InvalidInputError } from '../errors/index.ts';
import { CHUNK_BYTES, InputFile } from './input-file.ts';
import { type ReadVectorsOptions, resolveLimit, type VectorSet } from './vector-set.ts';

/**
 * NumPy `.npy` (format 1.0–3.0): magic `\x93NUMPY`, version, header length, a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }`, then the data. Reads 2-D C-order
 * arrays of little-endian float32 (straight into the output), uint8 (widened) or float64
 * (narrowed to float32, NumPy's default dtype).
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const DTYPES: Record<string, { bytes: 1 | 4 | 8; name: string }> = {
  '<f4': { bytes: 4, name: 'float32' },
  '|u1': { bytes: 1, name: 'uint8' },
  '<u1': { bytes: 1, name: 'uint8' },
  '<f8': { bytes: 8, name: 'float64' },
};

export interface NpyHeader {
  readonly descr: string;
  readonly shape: readonly number[];
  /** Bytes before the data. */
  readonly dataOffset: number;
}

export async function readNpy(path: string, options: ReadVectorsOptions = {}): Promise<VectorSet> {
  const file = await InputFile.open(path);
  try {
    const preamble = await file.read(0, Math.min(12, file.size));
    const headerBytes = npyHeaderLength(preamble, path);
    const header = parseNpyHeader(await file.read(0, Math.min(headerBytes, file.size)), path);
    const dtype = DTYPES[header.descr]!;
    const [rows, dim] = header.shape as [number, number];
    checkDataLength(header, file.size, path);
    const n = resolveLimit(options.limit, rows);
    const vectors = new Float32Array(n * dim);
    if (dtype.bytes === 4) {
      await file.readInto(new Uint8Array(vectors.buffer), header.dataOffset);
      return { vectors, n, dim };
    }
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / (dim * dtype.bytes)));
    const buffer = new Uint8Array(Math.min(perChunk, Math.max(n, 1)) * dim * dtype.bytes);
    for (let first = 0; first < n; first += perChunk) {
      const count = Math.min(perChunk, n - first);
      const chunk = buffer.subarray(0, count * dim * dtype.bytes);
      await file.readInto(chunk, header.dataOffset + first * dim * dtype.bytes);
      const values = dtype.bytes === 1 ? chunk : new Float64Array(chunk.buffer, 0, count * dim);
      vectors.set(values, first * dim);
    }
    return { vectors, n, dim };
  } finally {
    await file.close();
  }
}

/** In-memory variant; `what` names the bytes in messages. */
export function parseNpy(bytes: Uint8Array, what: string): VectorSet {
  const header = parseNpyHeader(bytes, what);
  checkDataLength(header, bytes.byteLength, what);
  const [n, dim] = header.shape as [number, number];
  const data = bytes.slice(header.dataOffset, header.dataOffset + n * dim * DTYPES[header.descr]!.bytes);
  const vectors = new Float32Array(n * dim);
  if (header.descr === '<f4') vectors.set(new Float32Array(data.buffer));
  else if (header.descr === '<f8') vectors.set(new Float64Array(data.buffer));
  else vectors.set(data);
  return { vectors, n, dim };
}

/** Validates magic, version, dtype, order and shape; `bytes` must hold at least the whole header. */
export function parseNpyHeader(bytes: Uint8Array, what: string): NpyHeader {
  const dataOffset = npyHeaderLength(bytes, what);
  if (bytes.byteLength < dataOffset) {
    throw new InvalidInputError(
      `\`${what}\` is truncated: its header needs bytes 0..${dataOffset}, but the file ends at byte ${bytes.byteLength}`,
    );
  }
  const prefix = bytes[6] === 1 ? 10 : 12;
  const text = new TextDecoder('latin1').decode(bytes.subarray(prefix, dataOffset));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InvalidInputError(
      `\`${what}\` has an .npy header without a simple 'descr', 'fortran_order' and 'shape': ${text.trim().slice(0, 200)}`,
    );
  }
  if (!DTYPES[descr]) {
    throw new InvalidInputError(
      `\`${what}\` holds dtype '${descr}'; expected float32 ('<f4'), uint8 ('|u1') or float64 ('<f8'), little-endian`,
    );
  }
  if (fortran === 'True') {
    throw new InvalidInputError(
      `\`${what}\` is stored in Fortran (column-major) order; expected C order (save np.ascontiguousarray(x))`,
    );
  }
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  if (shape.length !== 2 || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    throw new InvalidInputError(
      `\`${what}\` has shape (${shapeText.trim()}); expected a 2-D array (vectors, dimension)`,
    );
  }
  if (shape[1] === 0)
    throw new InvalidInputError(`\`${what}\` has shape (${shape.join(', ')}); expected dimension ≥ 1`);
  return { descr, shape, dataOffset };
}

/** Total header length (preamble + dict) from the first 10–12 bytes. */
export function npyHeaderLength(bytes: Uint8Array, what: string): number {
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new InvalidInputError(`\`${what}\` is not an .npy file (it does not start with \\x93NUMPY)`);
    }
  }
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new InvalidInputError(`\`${what}\` is .npy format version ${major}; expected 1, 2 or 3`);
  }
  const prefix = major === 1 ? 10 : 12;
  if (bytes.byteLength < prefix) {
    throw new InvalidInputError(
      `\`${what}\` is truncated: its header needs bytes 0..${prefix}, but the file ends at byte ${bytes.byteLength}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return prefix + (major === 1 ? view.getUint16(8, true) : view.getUint32(8, true));
}

export function checkDataLength(header: NpyHeader, size: number, what: string): void {
  const dtype = DTYPES[header.descr]!;
  const needed = header.shape[0]! * header.shape[1]! * dtype.bytes;
  if (size - header.dataOffset < needed) {
    throw new InvalidInputError(
      `\`${what}\` is truncated: shape (${header.shape.join(', ')}) of ${dtype.name} needs ${needed} data bytes ` +
        `after the ${header.dataOffset}-byte header, but the file has ${size - header.dataOffset}`,
    );
  }
}

/** Bytes per value of a header's dtype. */
export function npyValueBytes(header: NpyHeader): number {
  return DTYPES[header.descr]!.bytes;
}

/** Little-endian values of the header's dtype → float32 (uint8 widened, float64 narrowed). */
export function npyValuesToFloat32(bytes: Uint8Array, header: NpyHeader): Float32Array {
  const valueBytes = npyValueBytes(header);
  const aligned = bytes.byteOffset % valueBytes === 0 ? bytes : bytes.slice();
  const count = aligned.byteLength / valueBytes;
  if (valueBytes === 4) return new Float32Array(aligned.buffer, aligned.byteOffset, count).slice();
  const out = new Float32Array(count);
  out.set(valueBytes === 1 ? aligned : new Float64Array(aligned.buffer, aligned.byteOffset, count));
  return out;
}
