/**
 * Binary form of an attribute table (a section of a partition object; the enclosing object carries the
 * CRC). Little-endian, no JSON; dictionaries are not included (they are global and live in the manifest)
 * but their sizes are, so a table cannot be paired with the wrong dictionaries unnoticed.
 *
 *   0  "SQAT"  u32 version (1)  u32 rows n  u32 attributes A
 *   16 A × { u32 kind (1 number, 2 category, 3 tags), u32 dictionary size, u32 values, u32 reserved 0 }
 *      then per attribute, each array starting 8-byte aligned (zero padding):
 *      number: f64 × n (NaN = missing) · category: i32 × n (-1 = missing) ·
 *      tags: u32 offsets × (n+1), i32 codes × values
 *
 * Decoding checks sizes, kinds, code ranges and offsets, and throws IndexFormatError saying what was
 * expected. Decoded columns are zero-copy views of `bytes` when it is suitably aligned.
 */
import { IndexFormatError } from '../errors/index.ts';
import type { AttributeColumn } from './attribute-columns.ts';
import type { AttributeDictionaries } from './dictionaries.ts';
import type { AttributeKind, AttributeSchema } from './schema.ts';

const MAGIC = 0x54415153; // "SQAT" read as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 16;
const ATTRIBUTE_HEADER_BYTES = 16;
const KIND_CODES: Record<AttributeKind, number> = { number: 1, category: 2, tags: 3 };

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('attribute tables assume a little-endian platform');
}

const align8 = (offset: number): number => (offset + 7) & ~7;

/** The arrays of one column in file order. */
function arraysOf(column: AttributeColumn): (Float64Array | Int32Array | Uint32Array)[] {
  switch (column.kind) {
    case 'number':
      return [column.values];
    case 'category':
      return [column.codes];
    case 'tags':
      return [column.offsets, column.codes];
  }
}

export function encodeColumns(count: number, columns: readonly AttributeColumn[]): Uint8Array {
  let size = HEADER_BYTES + ATTRIBUTE_HEADER_BYTES * columns.length;
  for (const column of columns) {
    for (const array of arraysOf(column)) size = align8(size) + array.byteLength;
  }
  const bytes = new Uint8Array(align8(size));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, count, true);
  view.setUint32(12, columns.length, true);
  let offset = HEADER_BYTES + ATTRIBUTE_HEADER_BYTES * columns.length;
  columns.forEach((column, a) => {
    const header = HEADER_BYTES + ATTRIBUTE_HEADER_BYTES * a;
    view.setUint32(header, KIND_CODES[column.kind], true);
    view.setUint32(header + 4, column.kind === 'number' ? 0 : column.dictionary.length, true);
    view.setUint32(header + 8, column.kind === 'tags' ? column.codes.length : count, true);
    for (const array of arraysOf(column)) {
      offset = align8(offset);
      bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
      offset += array.byteLength;
    }
  });
  return bytes;
}

/** Reads typed arrays out of `bytes`, checking bounds first. */
class Reader {
  offset: number;
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
  ) {
    this.offset = start;
  }

  take<T extends Float64Array | Int32Array | Uint32Array>(
    Type: { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number },
    length: number,
    what: string,
  ): T {
    const start = align8(this.offset);
    const byteLength = length * Type.BYTES_PER_ELEMENT;
    if (start + byteLength > this.bytes.length) {
      throw new IndexFormatError(
        `attribute table: truncated in ${what}: needs bytes ${start}..${start + byteLength}, received ${this.bytes.length} bytes`,
      );
    }
    this.offset = start + byteLength;
    const absolute = this.bytes.byteOffset + start;
    if (absolute % 8 === 0) return new Type(this.bytes.buffer as ArrayBuffer, absolute, length);
    const copy = this.bytes.slice(start, start + byteLength);
    return new Type(copy.buffer, 0, length);
  }
}

export function decodeColumns(
  bytes: Uint8Array,
  schema: AttributeSchema,
  dictionaries: AttributeDictionaries,
): { count: number; columns: AttributeColumn[] } {
  const attributes = schema.attributes;
  if (bytes.length < HEADER_BYTES) {
    throw new IndexFormatError(
      `attribute table: truncated: ${bytes.length} bytes, expected at least a ${HEADER_BYTES}-byte header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) {
    throw new IndexFormatError('attribute table: bad magic; expected "SQAT"');
  }
  const version = view.getUint32(4, true);
  if (version !== VERSION) {
    throw new IndexFormatError(`attribute table: format version ${version}; this reader supports ${VERSION}`);
  }
  const count = view.getUint32(8, true);
  const attributeCount = view.getUint32(12, true);
  if (attributeCount !== attributes.length) {
    throw new IndexFormatError(
      `attribute table: holds ${attributeCount} attributes, the schema declares ${attributes.length}`,
    );
  }
  if (dictionaries.length !== attributes.length) {
    throw new IndexFormatError(
      `attribute table: ${dictionaries.length} dictionaries given for ${attributes.length} attributes`,
    );
  }
  const reader = new Reader(bytes, HEADER_BYTES + ATTRIBUTE_HEADER_BYTES * attributeCount);
  if (reader.offset > bytes.length) {
    throw new IndexFormatError(
      `attribute table: truncated: ${bytes.length} bytes, expected at least ${reader.offset} of headers`,
    );
  }
  const columns = attributes.map(({ name, kind }, a): AttributeColumn => {
    const header = HEADER_BYTES + ATTRIBUTE_HEADER_BYTES * a;
    const kindCode = view.getUint32(header, true);
    const dictionarySize = view.getUint32(header + 4, true);
    const values = view.getUint32(header + 8, true);
    if (kindCode !== KIND_CODES[kind]) {
      throw new IndexFormatError(
        `attribute table: attribute ${a} has kind code ${kindCode}; the schema declares \`${name}\` as ${kind} (${KIND_CODES[kind]})`,
      );
    }
    const dictionary = dictionaries[a]!;
    if (dictionarySize !== dictionary.length) {
      throw new IndexFormatError(
        `attribute table: \`${name}\` was written with a dictionary of ${dictionarySize} entries; the given one has ${dictionary.length}`,
      );
    }
    return readColumn(reader, kind, name, count, values, dictionary);
  });
  if (align8(reader.offset) !== bytes.length) {
    throw new IndexFormatError(
      `attribute table: ${bytes.length} bytes, expected ${align8(reader.offset)} for ${count} rows`,
    );
  }
  return { count, columns };
}

function readColumn(
  reader: Reader,
  kind: AttributeKind,
  name: string,
  count: number,
  values: number,
  dictionary: readonly string[],
): AttributeColumn {
  switch (kind) {
    case 'number': {
      const column = reader.take(Float64Array, count, `\`${name}\` values`);
      checkNumbers(column, name);
      return { kind, values: column };
    }
    case 'category': {
      const codes = reader.take(Int32Array, count, `\`${name}\` codes`);
      checkCodes(codes, dictionary.length, name);
      return { kind, codes, dictionary };
    }
    case 'tags': {
      const offsets = reader.take(Uint32Array, count + 1, `\`${name}\` offsets`);
      checkOffsets(offsets, values, name);
      const codes = reader.take(Int32Array, values, `\`${name}\` codes`);
      checkCodes(codes, dictionary.length, name, 0);
      return { kind, offsets, codes, dictionary };
    }
  }
}

function checkNumbers(values: Float64Array, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY) {
      throw new IndexFormatError(
        `attribute table: \`${name}\` row ${i} is ${x}; expected a finite number or NaN`,
      );
    }
  }
}

function checkCodes(codes: Int32Array, size: number, name: string, lowest = -1): void {
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code < lowest || code >= size) {
      throw new IndexFormatError(
        `attribute table: \`${name}\` code ${code} at ${i} is outside ${lowest}..${size - 1} (dictionary of ${size})`,
      );
    }
  }
}

function checkOffsets(offsets: Uint32Array, values: number, name: string): void {
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== values) {
    throw new IndexFormatError(
      `attribute table: \`${name}\` offsets run ${offsets[0]}..${offsets[offsets.length - 1]}; expected 0..${values}`,
    );
  }
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]!) {
      throw new IndexFormatError(`attribute table: \`${name}\` offsets decrease at row ${i - 1}`);
    }
  }
}
