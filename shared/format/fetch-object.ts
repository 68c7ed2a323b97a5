/**
 * One object read as a few range GETs planned from the manifest, with every byte read checked: what a
 * processor does with a partition (the search sections in one GET, the vectors in another beside it).
 * The ranges tile the object from byte 0 to the size the manifest records, so
 *  - the header is read too (a few hundred bytes) and must pass its CRC32C, be of the expected kind
 *    and list exactly the sections the manifest lists, at the same offsets, lengths and CRC32Cs;
 *  - every section passes its CRC32C (against the manifest, which its own checksum covers);
 *  - every other byte (alignment padding) is zero.
 * and the object's size, which each range read reports at no extra cost, must be the size the manifest
 * records — so bytes appended to the object are noticed too, and a range past the end (a truncated
 * object) is an `IndexFormatError`, not a storage error.
 */
import { IndexFormatError } from '../errors/index.ts';
import type { BlobStore, RangeRead } from '../store/index.ts';
import { RangeNotSatisfiableError } from '../store/range-not-satisfiable-error.ts';
import type { ObjectRef } from './manifest.ts';
import { type ObjectKind, objectKindName } from './object-kinds.ts';
import { sectionEntry } from './object-ref.ts';
import { readObjectHeader, type SectionEntry, verifySection } from './read-object.ts';
import { sectionName } from './section-ids.ts';

export interface FetchedObject {
  /** The sections asked for, CRC-checked views. */
  readonly sections: Map<number, Uint8Array>;
  /** Bytes fetched (header and padding included). */
  readonly bytesRead: number;
}

interface Piece {
  readonly start: number;
  readonly bytes: Uint8Array;
}

/**
 * Reads object `ref` with one range GET per group of section ids, in parallel; group g's range ends
 * with its last section and starts where group g - 1's ended (the first at byte 0, the last ends at
 * the object's size), so groups must list sections in the object's order.
 */
export async function fetchObjectSections(
  store: BlobStore,
  ref: ObjectRef,
  kind: ObjectKind,
  groups: readonly (readonly number[])[],
): Promise<FetchedObject> {
  const planned = groups.map((ids) => ids.map((id) => sectionEntry(ref, id)));
  const ranges = planRanges(ref, planned);
  const pieces = await Promise.all(
    ranges.map(
      async ([start, end]): Promise<Piece> => ({ start, bytes: await fetchRange(store, ref, start, end) }),
    ),
  );
  const header = readObjectHeader(pieces[0]!.bytes, ref.key, { kind, objectBytes: ref.bytes });
  checkTableMatchesManifest(header.sections, ref, kind);

  const covered: [number, number][] = [[0, header.headerBytes]];
  const byId = new Map<number, Uint8Array>();
  for (const entry of header.sections) {
    const piece = pieceHolding(pieces, entry.offset, entry.offset + entry.length, ref.key, entry.id);
    const at = entry.offset - piece.start;
    byId.set(entry.id, verifySection(piece.bytes.subarray(at, at + entry.length), entry, ref.key));
    covered.push([entry.offset, entry.offset + entry.length]);
  }
  checkPaddingIsZero(pieces, covered, ref);

  const sections = new Map<number, Uint8Array>();
  for (const group of planned) for (const entry of group) sections.set(entry.id, byId.get(entry.id)!);
  return { sections, bytesRead: pieces.reduce((sum, piece) => sum + piece.bytes.byteLength, 0) };
}

function planRanges(ref: ObjectRef, planned: readonly (readonly SectionEntry[])[]): [number, number][] {
  if (planned.length === 0) throw new TypeError('fetchObjectSections needs at least one group of sections');
  const ranges: [number, number][] = [];
  let start = 0;
  planned.forEach((group, g) => {
    if (group.length === 0) throw new TypeError(`section group ${g} is empty`);
    const first = Math.min(...group.map((entry) => entry.offset));
    const end = g === planned.length - 1 ? ref.bytes : Math.max(...group.map((e) => e.offset + e.length));
    if (first < start || end < first) {
      throw new IndexFormatError(
        `the manifest places section ${sectionName(group[0]!.id)} of \`${ref.key}\` at byte ${first}, ` +
          `outside the range ${start}..${end} this reader fetches it in`,
      );
    }
    ranges.push([start, end]);
    start = end;
  });
  return ranges;
}

async function fetchRange(store: BlobStore, ref: ObjectRef, start: number, end: number): Promise<Uint8Array> {
  let read: RangeRead;
  try {
    read = await store.getRangeWithSize(ref.key, start, end - start);
  } catch (error) {
    if (!(error instanceof RangeNotSatisfiableError)) throw error;
    throw new IndexFormatError(
      `\`${ref.key}\` is shorter than the ${ref.bytes} bytes the manifest records (${error.message})`,
    );
  }
  if (read.objectSize !== ref.bytes) {
    throw new IndexFormatError(`\`${ref.key}\` has ${read.objectSize} bytes; the manifest says ${ref.bytes}`);
  }
  return read.bytes;
}

function checkTableMatchesManifest(table: readonly SectionEntry[], ref: ObjectRef, kind: ObjectKind): void {
  const listed = Object.keys(ref.sections).length;
  if (table.length !== listed) {
    throw new IndexFormatError(
      `the header of \`${ref.key}\` lists ${table.length} sections; the manifest lists ${listed} for this ${objectKindName(kind)} object`,
    );
  }
  for (const entry of table) {
    const recorded = ref.sections[sectionName(entry.id)];
    if (
      !recorded ||
      recorded.offset !== entry.offset ||
      recorded.length !== entry.length ||
      recorded.crc32c !== entry.crc32c
    ) {
      throw new IndexFormatError(
        `the header of \`${ref.key}\` lists section ${sectionName(entry.id)} at ${describe(entry)}; ` +
          `the manifest records ${recorded ? describe(recorded) : 'no such section'}`,
      );
    }
  }
}

function pieceHolding(pieces: readonly Piece[], start: number, end: number, key: string, id: number): Piece {
  const piece = pieces.find((p) => p.start <= start && end <= p.start + p.bytes.byteLength);
  if (!piece) {
    throw new IndexFormatError(
      `section ${sectionName(id)} of \`${key}\` (bytes ${start}..${end}) spans two of the ranges read; the manifest and reader disagree on its place`,
    );
  }
  return piece;
}

/** Every fetched byte outside the header and the sections must be zero. */
function checkPaddingIsZero(pieces: readonly Piece[], covered: [number, number][], ref: ObjectRef): void {
  covered.sort((a, b) => a[0] - b[0]);
  let at = 0;
  const gaps: [number, number][] = [];
  for (const [start, end] of covered) {
    if (start > at) gaps.push([at, start]);
    at = Math.max(at, end);
  }
  if (at < ref.bytes) gaps.push([at, ref.bytes]);
  for (const [start, end] of gaps) {
    for (const piece of pieces) {
      const from = Math.max(start, piece.start);
      const to = Math.min(end, piece.start + piece.bytes.byteLength);
      for (let i = from; i < to; i++) {
        const byte = piece.bytes[i - piece.start]!;
        if (byte !== 0) {
          throw new IndexFormatError(
            `\`${ref.key}\` has byte ${byte} at offset ${i}, in padding between sections; expected 0`,
          );
        }
      }
    }
  }
}

function describe(section: { offset: number; length: number; crc32c: number }): string {
  return `offset ${section.offset}, length ${section.length}, CRC32C ${section.crc32c.toString(16).padStart(8, '0')}`;
}
