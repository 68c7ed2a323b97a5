/**
 * Vectors on the wire: base64 of little-endian float32 (DESIGN §4 `vectorBase64`), never JSON number
 * arrays, so a query costs 5⅓ bytes per dimension and round-trips bit-exactly. A DataView fixes the byte
 * order when encoding, and when decoding on a big-endian host; a little-endian host copies the bytes.
 */
import { endianness } from 'node:os';
import { InvalidQueryError } from '../../shared/errors/index.ts';
import { decodeBase64 } from './base64.ts';

/** On a little-endian host (Lambda's x86_64 and arm64 both are) the wire bytes are the floats' bytes. */
const LITTLE_ENDIAN = endianness() === 'LE';

export function encodeVector(vector: Float32Array): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i]!, true);
  return Buffer.from(bytes.buffer).toString('base64');
}

/** Decodes `text`; `what` names the field in messages (`queries[3].vectorBase64`). */
export function decodeVector(text: string, what: string): Float32Array {
  const bytes = decodeBase64(text);
  if (bytes === undefined) {
    throw new InvalidQueryError(
      `${what} is not base64 (expected standard base64 of little-endian float32 values, padded to a multiple of 4 characters)`,
    );
  }
  if (bytes.byteLength % 4 !== 0) {
    throw new InvalidQueryError(
      `${what} decodes to ${bytes.byteLength} bytes; expected a multiple of 4 (little-endian float32 values)`,
    );
  }
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
