import { IndexFormatError } from '../errors/index.ts';

/**
 * Typed views of section payloads (little-endian, like every supported platform). A view shares
 * the payload's memory when its byteOffset is aligned for the element type (object payloads are
 * 8-byte aligned, so this holds whenever the object itself starts aligned); otherwise it copies.
 */
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('squash index objects are little-endian; this platform is big-endian');
}

export function f32View(bytes: Uint8Array, what: string): Float32Array {
  return view(bytes, Float32Array, 'float32', what);
}

export function f64View(bytes: Uint8Array, what: string): Float64Array {
  return view(bytes, Float64Array, 'float64', what);
}

export function u32View(bytes: Uint8Array, what: string): Uint32Array {
  return view(bytes, Uint32Array, 'uint32', what);
}

export function i32View(bytes: Uint8Array, what: string): Int32Array {
  return view(bytes, Int32Array, 'int32', what);
}

/** The bytes of any typed array (respecting its byteOffset/byteLength), for writing sections. */
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

interface TypedArrayType<T> {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
}

function view<T>(bytes: Uint8Array, Type: TypedArrayType<T>, type: string, what: string): T {
  const size = Type.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) {
    throw new IndexFormatError(
      `${what} has ${bytes.byteLength} bytes; expected a multiple of ${size} (${type} values)`,
    );
  }
  const source = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new Type(source.buffer, source.byteOffset, source.byteLength / size);
}
