import { crc32c, crc32cOfParts } from './crc32c.ts';
import type { ObjectKind } from './object-kinds.ts';
import {
  alignUp,
  FIXED_HEADER_BYTES,
  HEADER_CRC_OFFSET,
  headerByteLength,
  MAGIC,
  OBJECT_LAYOUT_VERSION,
  SECTION_ENTRY_BYTES,
} from './object-layout.ts';
import { type SectionId, sectionName } from './section-ids.ts';

export interface SectionInput {
  readonly id: SectionId;
  readonly bytes: Uint8Array;
}

/**
 * Serialises sections into one object (layout in `object-layout.ts`), payloads in the order given.
 * Put large, lazily read sections (vectors) last.
 */
export function writeObject(kind: ObjectKind, sections: readonly SectionInput[]): Uint8Array {
  const seen = new Set<number>();
  for (const { id } of sections) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff)
      throw new TypeError(`section id ${id} is not a u32`);
    if (seen.has(id)) throw new TypeError(`section ${sectionName(id)} is given twice`);
    seen.add(id);
  }
  const headerBytes = headerByteLength(sections.length);
  const offsets: number[] = [];
  let end = headerBytes;
  for (const { bytes } of sections) {
    const offset = alignUp(end);
    offsets.push(offset);
    end = offset + bytes.byteLength;
  }

  const out = new Uint8Array(end);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, OBJECT_LAYOUT_VERSION, true);
  view.setUint32(12, kind, true);
  view.setUint32(16, sections.length, true);
  sections.forEach(({ id, bytes }, i) => {
    const entry = FIXED_HEADER_BYTES + i * SECTION_ENTRY_BYTES;
    const offset = offsets[i]!;
    out.set(bytes, offset);
    view.setUint32(entry, id, true);
    view.setBigUint64(entry + 8, BigInt(offset), true);
    view.setBigUint64(entry + 16, BigInt(bytes.byteLength), true);
    view.setUint32(entry + 24, crc32c(bytes), true);
  });
  view.setUint32(HEADER_CRC_OFFSET, headerCrc32c(out, headerBytes), true);
  return out;
}

/** CRC32C over the fixed header (without its checksum field) and the section table. */
export function headerCrc32c(bytes: Uint8Array, headerBytes: number): number {
  return crc32cOfParts([
    bytes.subarray(0, HEADER_CRC_OFFSET),
    bytes.subarray(FIXED_HEADER_BYTES, headerBytes),
  ]);
}
