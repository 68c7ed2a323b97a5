import { IndexFormatError } from '../errors/index.ts';
import { crc32c, formatCrc32c } from './crc32c.ts';
import { isObjectKind, knownObjectKinds, type ObjectKind, objectKindName } from './object-kinds.ts';
import {
  FIXED_HEADER_BYTES,
  HEADER_CRC_OFFSET,
  headerByteLength,
  MAGIC,
  OBJECT_LAYOUT_VERSION,
  PAYLOAD_ALIGNMENT,
  SECTION_ENTRY_BYTES,
} from './object-layout.ts';
import { sectionName } from './section-ids.ts';
import { headerCrc32c } from './write-object.ts';

export interface SectionEntry {
  readonly id: number;
  readonly offset: number;
  readonly length: number;
  readonly crc32c: number;
}

export interface ObjectHeader {
  /** `OBJECT_LAYOUT_VERSION` of the writer. */
  readonly layoutVersion: number;
  readonly kind: ObjectKind;
  /** Bytes taken by the fixed header and the section table. */
  readonly headerBytes: number;
  /** The object's size the sections were checked against. */
  readonly objectBytes: number;
  readonly sections: readonly SectionEntry[];
}

export interface ReadHeaderOptions {
  /** Reject objects of another kind. */
  readonly kind?: ObjectKind;
  /**
   * The whole object's size, when `bytes` is only its beginning (a range read of the header).
   * @default bytes.byteLength
   */
  readonly objectBytes?: number;
}

/**
 * Validates magic, format version, kind, header checksum and that every section lies inside the
 * object at an aligned offset. `what` (the key) names the object in messages.
 */
export function readObjectHeader(
  bytes: Uint8Array,
  what: string,
  options: ReadHeaderOptions = {},
): ObjectHeader {
  const objectBytes = options.objectBytes ?? bytes.byteLength;
  checkMagic(bytes, what);
  requireBytes(bytes, what, FIXED_HEADER_BYTES, 'the header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const layoutVersion = view.getUint32(8, true);
  if (layoutVersion !== OBJECT_LAYOUT_VERSION) {
    throw new IndexFormatError(
      `\`${what}\` has object layout version ${layoutVersion}; this build reads ${OBJECT_LAYOUT_VERSION}`,
    );
  }
  const count = view.getUint32(16, true);
  const headerBytes = headerByteLength(count);
  requireBytes(bytes, what, headerBytes, `the section table (${count} sections)`, FIXED_HEADER_BYTES);
  const storedHeaderCrc = view.getUint32(HEADER_CRC_OFFSET, true);
  const computedHeaderCrc = headerCrc32c(bytes, headerBytes);
  if (storedHeaderCrc !== computedHeaderCrc) {
    throw new IndexFormatError(
      `the header of \`${what}\` fails its CRC32C: stored ${formatCrc32c(storedHeaderCrc)}, computed ${formatCrc32c(computedHeaderCrc)}`,
    );
  }
  const kind = view.getUint32(12, true);
  if (!isObjectKind(kind)) {
    throw new IndexFormatError(`\`${what}\` has object kind ${kind}; this build knows ${knownObjectKinds()}`);
  }
  if (options.kind !== undefined && kind !== options.kind) {
    throw new IndexFormatError(
      `\`${what}\` is a ${objectKindName(kind)} object; expected a ${objectKindName(options.kind)} object`,
    );
  }
  const sections = readSectionTable(view, count, headerBytes, objectBytes, what);
  return { layoutVersion, kind, headerBytes, objectBytes, sections };
}

/** The CRC-checked payload of section `id`: a view into `bytes`, not a copy. */
export function readSection(bytes: Uint8Array, header: ObjectHeader, id: number, what: string): Uint8Array {
  const entry = findSection(header, id, what);
  requireBytes(bytes, what, entry.offset + entry.length, `section ${sectionName(id)}`, entry.offset);
  return verifySection(bytes.subarray(entry.offset, entry.offset + entry.length), entry, what);
}

/**
 * Checks a section's bytes fetched on their own (e.g. a range GET planned from the manifest)
 * against its table entry and returns them.
 */
export function verifySection(
  payload: Uint8Array,
  entry: Pick<SectionEntry, 'id' | 'length' | 'crc32c'>,
  what: string,
): Uint8Array {
  const name = sectionName(entry.id);
  if (payload.byteLength !== entry.length) {
    throw new IndexFormatError(
      `section ${name} of \`${what}\` has ${payload.byteLength} bytes; expected ${entry.length}`,
    );
  }
  const computed = crc32c(payload);
  if (computed !== entry.crc32c) {
    throw new IndexFormatError(
      `section ${name} of \`${what}\` fails its CRC32C: stored ${formatCrc32c(entry.crc32c)}, computed ${formatCrc32c(computed)}`,
    );
  }
  return payload;
}

export function findSection(header: ObjectHeader, id: number, what: string): SectionEntry {
  const entry = header.sections.find((section) => section.id === id);
  if (!entry) {
    const present = header.sections.map((section) => sectionName(section.id)).join(', ') || 'none';
    throw new IndexFormatError(`\`${what}\` has no section ${sectionName(id)} (it has: ${present})`);
  }
  return entry;
}

export function hasSection(header: ObjectHeader, id: number): boolean {
  return header.sections.some((section) => section.id === id);
}

function readSectionTable(
  view: DataView,
  count: number,
  headerBytes: number,
  objectBytes: number,
  what: string,
): SectionEntry[] {
  const sections: SectionEntry[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const at = FIXED_HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    const id = view.getUint32(at, true);
    const name = sectionName(id);
    if (seen.has(id)) throw new IndexFormatError(`\`${what}\` lists section ${name} twice`);
    seen.add(id);
    const offset = readU64(view, at + 8);
    const length = readU64(view, at + 16);
    if (offset % PAYLOAD_ALIGNMENT !== 0 || offset < headerBytes) {
      throw new IndexFormatError(
        `section ${name} of \`${what}\` starts at byte ${offset}; expected a multiple of ${PAYLOAD_ALIGNMENT} at or after the ${headerBytes}-byte header`,
      );
    }
    if (offset + length > objectBytes) {
      throw new IndexFormatError(
        `\`${what}\` ends at byte ${objectBytes}; section ${name} needs bytes ${offset}..${offset + length}`,
      );
    }
    sections.push({ id, offset, length, crc32c: view.getUint32(at + 24, true) });
  }
  return sections;
}

/** u64 as a number; values past 2^53 lose precision but then fail the bounds check anyway. */
function readU64(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
}

function checkMagic(bytes: Uint8Array, what: string): void {
  const present = Math.min(bytes.byteLength, MAGIC.byteLength);
  for (let i = 0; i < present; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new IndexFormatError(
        `\`${what}\` is not a squash index object (magic ${hex(bytes.subarray(0, MAGIC.byteLength))}; expected ${hex(MAGIC)} "SQSHIDX\\0")`,
      );
    }
  }
}

function requireBytes(bytes: Uint8Array, what: string, end: number, needs: string, start = 0): void {
  if (end > bytes.byteLength) {
    throw new IndexFormatError(
      `\`${what}\` ends at byte ${bytes.byteLength}; ${needs} needs bytes ${start}..${end}`,
    );
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
