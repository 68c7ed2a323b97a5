/**
 * One partition's attributes as a staged build hands them from the driver to an encode task: the raw
 * attribute table (AttributeTable.encode) and the attribute-major codes, behind their two lengths.
 */
export interface AttributeSlice {
  readonly table: Uint8Array;
  readonly codes: Uint8Array;
}

export function encodeAttributeSlice(slice: AttributeSlice): Uint8Array {
  const out = new Uint8Array(8 + slice.table.byteLength + slice.codes.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, slice.table.byteLength, true);
  view.setUint32(4, slice.codes.byteLength, true);
  out.set(slice.table, 8);
  out.set(slice.codes, 8 + slice.table.byteLength);
  return out;
}

export function decodeAttributeSlice(bytes: Uint8Array): AttributeSlice {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tableBytes = view.getUint32(0, true);
  const codeBytes = view.getUint32(4, true);
  if (bytes.byteLength !== 8 + tableBytes + codeBytes) {
    throw new Error(
      `an attribute slice of ${bytes.byteLength} bytes declares ${tableBytes} + ${codeBytes} bytes after its 8-byte header`,
    );
  }
  return { table: bytes.subarray(8, 8 + tableBytes), codes: bytes.subarray(8 + tableBytes) };
}
