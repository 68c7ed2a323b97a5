import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InvalidInputError } from '../errors/index.ts';
import { checkReadable } from './input-file.ts';
import type { VectorSet } from './vector-set.ts';

/**
 * IDX files (MNIST, Fashion-MNIST), plain or gzipped: bytes 0–1 zero, byte 2 the element type,
 * byte 3 the number of dimensions, then each dimension as a big-endian uint32, then the data.
 * Only unsigned bytes (type 0x08), the type of every (Fashion-)MNIST file, are read.
 */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Where Debian's `dataset-fashion-mnist` installs Fashion-MNIST. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export function fashionMnistFiles(directory = FASHION_MNIST_DIR) {
  return {
    trainImages: `${directory}/train-images-idx3-ubyte.gz`,
    trainLabels: `${directory}/train-labels-idx1-ubyte.gz`,
    testImages: `${directory}/t10k-images-idx3-ubyte.gz`,
    testLabels: `${directory}/t10k-labels-idx1-ubyte.gz`,
  } as const;
}

const TYPE_NAMES: Record<number, string> = {
  8: 'unsigned byte',
  9: 'signed byte',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};

export async function readIdx(path: string): Promise<IdxArray> {
  await checkReadable(path);
  const raw = new Uint8Array(await readFile(path));
  const gzipped = raw[0] === 0x1f && raw[1] === 0x8b;
  let bytes = raw;
  if (gzipped) {
    try {
      const inflated = await promisify(gunzip)(raw);
      bytes = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
    } catch (error) {
      throw new InvalidInputError(`\`${path}\` is not a valid gzip file: ${(error as Error).message}`);
    }
  }
  return parseIdx(bytes, gzipped ? `${path} (gunzipped)` : path);
}

/** Images (n × rows × cols) as n vectors of rows·cols float32 pixel values 0–255. */
export async function readIdxImages(path: string): Promise<VectorSet> {
  const { dims, data } = await readIdx(path);
  if (dims.length !== 3) {
    throw new InvalidInputError(
      `\`${path}\` has ${dims.length} dimensions; expected 3 (images × rows × columns)`,
    );
  }
  const n = dims[0]!;
  const dim = dims[1]! * dims[2]!;
  const vectors = new Float32Array(n * dim);
  vectors.set(data);
  return { vectors, n, dim };
}

/** Labels (n) as a Uint8Array. */
export async function readIdxLabels(path: string): Promise<Uint8Array> {
  const { dims, data } = await readIdx(path);
  if (dims.length !== 1) {
    throw new InvalidInputError(
      `\`${path}\` has ${dims.length} dimensions; expected 1 (one label per image)`,
    );
  }
  return data;
}

export function parseIdx(bytes: Uint8Array, what: string): IdxArray {
  if (bytes.byteLength < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InvalidInputError(
      `\`${what}\` is not an IDX file (it does not start with two zero bytes and a type)`,
    );
  }
  const type = bytes[2]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new InvalidInputError(
      `\`${what}\` holds IDX element type 0x${type.toString(16).padStart(2, '0')} (${name}); expected 0x08 (unsigned byte)`,
    );
  }
  const count = bytes[3]!;
  const headerBytes = 4 + 4 * count;
  if (count === 0 || bytes.byteLength < headerBytes) {
    throw new InvalidInputError(
      `\`${what}\` is truncated or malformed: ${count} dimensions need a ${headerBytes}-byte header, and the file has ${bytes.byteLength} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: count }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((product, d) => product * d, 1);
  if (bytes.byteLength - headerBytes !== size) {
    throw new InvalidInputError(
      `\`${what}\` has ${bytes.byteLength - headerBytes} data bytes after its header; ` +
        `dimensions ${dims.join(' × ')} need exactly ${size}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}
