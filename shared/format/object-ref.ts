import { IndexFormatError } from '../errors/index.ts';
import type { BlobStore } from '../store/index.ts';
import { crc32c, formatCrc32c } from './crc32c.ts';
import type { ObjectRef, SectionRef } from './manifest.ts';
import type { ObjectKind } from './object-kinds.ts';
import { type ObjectHeader, readObjectHeader, type SectionEntry, verifySection } from './read-object.ts';
import { sectionName } from './section-ids.ts';

/** What the manifest records about an object just written (the caller adds `key` and `bytes`). */
export function describeObject(bytes: Uint8Array, what: string): Omit<ObjectRef, 'key' | 'bytes'> {
  const header = readObjectHeader(bytes, what);
  const sections: Record<string, SectionRef> = {};
  for (const { id, offset, length, crc32c: checksum } of header.sections) {
    sections[sectionName(id)] = { offset, length, crc32c: checksum };
  }
  return { crc32c: crc32c(bytes), sections };
}

/** `describeObject` plus key and size: the manifest's `ObjectRef`. */
export function objectRef(key: string, bytes: Uint8Array): ObjectRef {
  return { key, bytes: bytes.byteLength, ...describeObject(bytes, key) };
}

/** Checks a whole object against its manifest entry (size, CRC32C) and reads its header. */
export function verifyObject(bytes: Uint8Array, ref: ObjectRef, kind?: ObjectKind): ObjectHeader {
  if (bytes.byteLength !== ref.bytes) {
    throw new IndexFormatError(
      `\`${ref.key}\` has ${bytes.byteLength} bytes; the manifest says ${ref.bytes}`,
    );
  }
  const computed = crc32c(bytes);
  if (computed !== ref.crc32c) {
    throw new IndexFormatError(
      `\`${ref.key}\` fails its CRC32C: the manifest says ${formatCrc32c(ref.crc32c)}, computed ${formatCrc32c(computed)}`,
    );
  }
  return readObjectHeader(bytes, ref.key, kind === undefined ? {} : { kind });
}

/** The manifest's entry for section `id` of an object, with its id, for `verifySection`. */
export function sectionEntry(ref: ObjectRef, id: number): SectionEntry {
  const section = ref.sections[sectionName(id)];
  if (!section) {
    const present = Object.keys(ref.sections).join(', ') || 'none';
    throw new IndexFormatError(
      `the manifest lists no section ${sectionName(id)} for \`${ref.key}\` (it has: ${present})`,
    );
  }
  return { id, ...section };
}

/** One section by a single range GET planned from the manifest, CRC-checked. */
export async function fetchSection(store: BlobStore, ref: ObjectRef, id: number): Promise<Uint8Array> {
  const entry = sectionEntry(ref, id);
  return verifySection(await store.getRange(ref.key, entry.offset, entry.length), entry, ref.key);
}

/**
 * Several sections of one object by one range GET spanning them (sections are contiguous up to
 * 8-byte padding, so fetching e.g. everything but the vectors costs one request), CRC-checked.
 */
export async function fetchSections(
  store: BlobStore,
  ref: ObjectRef,
  ids: readonly number[],
): Promise<Map<number, Uint8Array>> {
  const entries = ids.map((id) => sectionEntry(ref, id));
  if (entries.length === 0) return new Map();
  const start = Math.min(...entries.map((entry) => entry.offset));
  const end = Math.max(...entries.map((entry) => entry.offset + entry.length));
  const span = await store.getRange(ref.key, start, end - start);
  return new Map(
    entries.map((entry) => [
      entry.id,
      verifySection(span.subarray(entry.offset - start, entry.offset - start + entry.length), entry, ref.key),
    ]),
  );
}
