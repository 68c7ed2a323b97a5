import { open } from 'node:fs/promises';
import { InvalidInputError } from '../errors/index.ts';
import { CHUNK_BYTES } from './input-file.ts';

/** Encoders and streaming file writers for `.fvecs`, `.ivecs` and `.bvecs` (see `vecs-reader.ts`). */
export function encodeFvecs(vectors: Float32Array, n: number, dim: number): Uint8Array {
  return encodeRecords(vectors, n, dim, 4, 0, n);
}

export function encodeIvecs(values: Int32Array | Uint32Array, n: number, dim: number): Uint8Array {
  return encodeRecords(values, n, dim, 4, 0, n);
}

export function encodeBvecs(values: Uint8Array, n: number, dim: number): Uint8Array {
  return encodeRecords(values, n, dim, 1, 0, n);
}

export function writeFvecs(path: string, vectors: Float32Array, n: number, dim: number): Promise<void> {
  return writeRecords(path, vectors, n, dim, 4);
}

export function writeIvecs(
  path: string,
  values: Int32Array | Uint32Array,
  n: number,
  dim: number,
): Promise<void> {
  return writeRecords(path, values, n, dim, 4);
}

export function writeBvecs(path: string, values: Uint8Array, n: number, dim: number): Promise<void> {
  return writeRecords(path, values, n, dim, 1);
}

type Values = Float32Array | Int32Array | Uint32Array | Uint8Array;

async function writeRecords(path: string, values: Values, n: number, dim: number, elementBytes: 1 | 4) {
  checkShape(values, n, dim);
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / (4 + dim * elementBytes)));
  const file = await open(path, 'w');
  try {
    for (let first = 0; first < n; first += perChunk) {
      await file.write(encodeRecords(values, n, dim, elementBytes, first, Math.min(n, first + perChunk)));
    }
  } finally {
    await file.close();
  }
}

/** Records `from..to` of `values` (n × dim) as vecs bytes. */
function encodeRecords(
  values: Values,
  n: number,
  dim: number,
  elementBytes: 1 | 4,
  from: number,
  to: number,
): Uint8Array {
  checkShape(values, n, dim);
  const recordBytes = 4 + dim * elementBytes;
  const out = new Uint8Array((to - from) * recordBytes);
  const view = new DataView(out.buffer);
  const source = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const rowBytes = dim * elementBytes;
  for (let r = from; r < to; r++) {
    const at = (r - from) * recordBytes;
    view.setInt32(at, dim, true);
    out.set(source.subarray(r * rowBytes, (r + 1) * rowBytes), at + 4);
  }
  return out;
}

function checkShape(values: Values, n: number, dim: number): void {
  if (
    !Number.isSafeInteger(n) ||
    n < 0 ||
    !Number.isSafeInteger(dim) ||
    dim <= 0 ||
    values.length !== n * dim
  ) {
    throw new InvalidInputError(
      `cannot write ${n} × ${dim} values from an array of ${values.length}; expected n ≥ 0, dim ≥ 1 and n × dim values`,
    );
  }
}
