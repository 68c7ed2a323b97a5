import { describe, expect, it } from 'vitest';
import { IndexFormatError } from '../../../shared/errors/index.ts';
import {
  bytesOf,
  f32View,
  f64View,
  headerByteLength,
  IndexObject,
  i32View,
  ObjectKind,
  readObjectHeader,
  readSection,
  SectionId,
  sectionName,
  u32View,
  writeObject,
} from '../../../shared/format/index.ts';
import { createRng } from '../../../shared/random.ts';

const WHAT = 'partitions/3.bin';

function sampleSections() {
  const rng = createRng(42);
  const mean = Float32Array.from({ length: 5 }, () => rng.normal());
  const eigenvalues = Float64Array.from({ length: 5 }, (_, i) => 10 - i);
  const bits = Uint8Array.from([8, 4, 3, 1, 0]);
  const ids = Uint32Array.from([7, 3, 4_000_000_000]);
  const binary = Uint8Array.from({ length: 13 }, () => rng.int(256));
  const signed = Int32Array.from([-1, 2, -3]);
  return { mean, eigenvalues, bits, ids, binary, signed };
}

function sampleObject(): Uint8Array {
  const s = sampleSections();
  return writeObject(ObjectKind.PARTITION, [
    { id: SectionId.KLT_MEAN, bytes: bytesOf(s.mean) },
    { id: SectionId.BITS, bytes: s.bits },
    { id: SectionId.KLT_EIGENVALUES, bytes: bytesOf(s.eigenvalues) },
    { id: SectionId.BINARY_CODES, bytes: s.binary },
    { id: SectionId.META, bytes: new Uint8Array(0) },
    { id: SectionId.IDS, bytes: bytesOf(s.ids) },
    { id: SectionId.EXTERNAL_IDS, bytes: bytesOf(s.signed) },
  ]);
}

/** Reads the header and every section; what a reader of a whole object does. */
function readEverything(bytes: Uint8Array): void {
  const header = readObjectHeader(bytes, WHAT);
  for (const section of header.sections) readSection(bytes, header, section.id, WHAT);
}

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('writeObject / readObjectHeader / readSection', () => {
  it('round-trips every section, typed, with 8-byte aligned payloads', () => {
    const bytes = sampleObject();
    const s = sampleSections();
    const header = readObjectHeader(bytes, WHAT, { kind: ObjectKind.PARTITION });
    expect(header.layoutVersion).toBe(1);
    expect(header.kind).toBe(ObjectKind.PARTITION);
    expect(header.headerBytes).toBe(headerByteLength(7));
    expect(header.sections.map((section) => section.offset % 8)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(header.sections.map((section) => section.length)).toEqual([20, 5, 40, 13, 0, 12, 12]);
    const object = IndexObject.open(bytes, WHAT, ObjectKind.PARTITION);
    expect(object.f32(SectionId.KLT_MEAN)).toEqual(s.mean);
    expect(object.section(SectionId.BITS)).toEqual(s.bits);
    expect(object.f64(SectionId.KLT_EIGENVALUES)).toEqual(s.eigenvalues);
    expect(object.section(SectionId.BINARY_CODES)).toEqual(s.binary);
    expect(object.section(SectionId.META)).toEqual(new Uint8Array(0));
    expect(object.u32(SectionId.IDS)).toEqual(s.ids);
    expect(object.i32(SectionId.EXTERNAL_IDS)).toEqual(s.signed);
    expect(object.has(SectionId.VECTORS)).toBe(false);
    expect(bytes.byteLength).toBe(header.sections.at(-1)!.offset + 12);
  });

  it('writes the documented header bytes', () => {
    const bytes = writeObject(ObjectKind.CENTROIDS, [
      { id: SectionId.CENTROIDS, bytes: Uint8Array.from([1, 2, 3]) },
    ]);
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('SQSHIDX\0');
    expect([view.getUint32(8, true), view.getUint32(12, true), view.getUint32(16, true)]).toEqual([1, 2, 1]);
    expect(view.getUint32(24, true)).toBe(SectionId.CENTROIDS);
    expect(Number(view.getBigUint64(32, true))).toBe(56);
    expect(Number(view.getBigUint64(40, true))).toBe(3);
    expect(view.getUint32(48, true)).toBe(0xf130f21e); // CRC32C of 01 02 03 (bitwise reference)
    expect(Array.from(bytes.subarray(56))).toEqual([1, 2, 3]);
  });

  it('refuses duplicate section ids when writing', () => {
    expect(() =>
      writeObject(ObjectKind.PARTITION, [
        { id: SectionId.IDS, bytes: new Uint8Array(4) },
        { id: SectionId.IDS, bytes: new Uint8Array(4) },
      ]),
    ).toThrow('section ids is given twice');
  });

  it('reads a header from a range read of the object start', () => {
    const bytes = sampleObject();
    const prefix = bytes.slice(0, headerByteLength(7));
    const header = readObjectHeader(prefix, WHAT, { objectBytes: bytes.byteLength });
    expect(header.sections).toEqual(readObjectHeader(bytes, WHAT).sections);
    expect(() => readSection(prefix, header, SectionId.IDS, WHAT)).toThrow(IndexFormatError);
  });

  it('makes zero-copy views when aligned and copies when not', () => {
    const bytes = sampleObject();
    const object = IndexObject.open(bytes, WHAT);
    expect(object.f64(SectionId.KLT_EIGENVALUES).buffer).toBe(bytes.buffer);

    const shifted = new Uint8Array(bytes.byteLength + 1);
    shifted.set(bytes, 1);
    const unaligned = IndexObject.open(shifted.subarray(1), WHAT);
    const eigenvalues = unaligned.f64(SectionId.KLT_EIGENVALUES);
    expect(eigenvalues.buffer).not.toBe(shifted.buffer);
    expect(eigenvalues).toEqual(sampleSections().eigenvalues);
    expect(unaligned.u32(SectionId.IDS)).toEqual(sampleSections().ids);
  });

  it('rejects views over a byte count that is not a whole number of elements', () => {
    const odd = new Uint8Array(10);
    expect(() => f32View(odd, 'section vectors of `p.bin`')).toThrow(
      'section vectors of `p.bin` has 10 bytes; expected a multiple of 4 (float32 values)',
    );
    expect(() => f64View(odd, 'x')).toThrow(IndexFormatError);
    expect(() => u32View(odd, 'x')).toThrow(IndexFormatError);
    expect(() => i32View(odd, 'x')).toThrow(IndexFormatError);
  });
});

describe('corrupted objects are rejected with IndexFormatError, never a RangeError', () => {
  it('names a flipped payload byte in each section by its CRC32C, leaving the others readable', () => {
    const clean = sampleObject();
    const header = readObjectHeader(clean, WHAT);
    for (const section of header.sections) {
      if (section.length === 0) continue;
      for (const at of new Set([0, section.length >> 1, section.length - 1])) {
        const bytes = clean.slice();
        bytes[section.offset + at]! ^= 0x10;
        const corrupted = readObjectHeader(bytes, WHAT);
        const error = caught(() => readSection(bytes, corrupted, section.id, WHAT));
        expect(error).toBeInstanceOf(IndexFormatError);
        expect((error as Error).message).toMatch(
          new RegExp(
            `^section ${sectionName(section.id)} of \`partitions/3\\.bin\` fails its CRC32C: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$`,
          ),
        );
        for (const other of header.sections) {
          if (other.id !== section.id)
            expect(() => readSection(bytes, corrupted, other.id, WHAT)).not.toThrow();
        }
      }
    }
  });

  it('detects a flip of any header or payload byte, and only padding may change unnoticed', () => {
    const clean = sampleObject();
    const header = readObjectHeader(clean, WHAT);
    const covered = (i: number) =>
      i < header.headerBytes ||
      header.sections.some((section) => i >= section.offset && i < section.offset + section.length);
    for (let i = 0; i < clean.byteLength; i++) {
      for (const mask of [0x01, 0x80]) {
        const bytes = clean.slice();
        bytes[i]! ^= mask;
        const error = caught(() => readEverything(bytes));
        if (covered(i)) expect(error, `byte ${i} ^ ${mask}`).toBeInstanceOf(IndexFormatError);
        else expect(error, `padding byte ${i}`).toBeUndefined();
      }
    }
  });

  it('reports a truncation at every length with where the object ends and what needed more', () => {
    const clean = sampleObject();
    const header = readObjectHeader(clean, WHAT);
    for (let length = 0; length < clean.byteLength; length++) {
      const error = caught(() => readEverything(clean.slice(0, length)));
      expect(error, `truncated to ${length}`).toBeInstanceOf(IndexFormatError);
      const message = (error as Error).message;
      expect(message.startsWith(`\`${WHAT}\` ends at byte ${length}; `), message).toBe(true);
      if (length < 24)
        expect(message).toBe(`\`${WHAT}\` ends at byte ${length}; the header needs bytes 0..24`);
      else if (length < header.headerBytes) {
        expect(message).toBe(
          `\`${WHAT}\` ends at byte ${length}; the section table (7 sections) needs bytes 24..${header.headerBytes}`,
        );
      } else expect(message).toMatch(/; section \w+ needs bytes \d+\.\.\d+$/);
    }
    const cut = clean.byteLength - 5;
    const last = header.sections.at(-1)!;
    expect(() => readEverything(clean.slice(0, cut))).toThrow(
      `\`${WHAT}\` ends at byte ${cut}; section ${sectionName(last.id)} needs bytes ${last.offset}..${last.offset + last.length}`,
    );
  });

  it('reports a wrong magic with the bytes found', () => {
    const bytes = sampleObject();
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(() => readObjectHeader(bytes, WHAT)).toThrow(
      '`partitions/3.bin` is not a squash index object (magic 89504e470d0a1a0a; expected 5351534849445800 "SQSHIDX\\0")',
    );
    expect(() => readObjectHeader(new TextEncoder().encode('{"a":1}'), WHAT)).toThrow(
      'is not a squash index object',
    );
  });

  it('reports an unsupported object layout version', () => {
    const bytes = sampleObject();
    new DataView(bytes.buffer).setUint32(8, 7, true);
    expect(() => readObjectHeader(bytes, WHAT)).toThrow(
      '`partitions/3.bin` has object layout version 7; this build reads 1',
    );
  });

  it('reports a header whose checksum does not match', () => {
    const bytes = sampleObject();
    bytes[28]! ^= 1; // a reserved field of the first section entry
    expect(() => readObjectHeader(bytes, WHAT)).toThrow(
      /^the header of `partitions\/3\.bin` fails its CRC32C: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$/,
    );
  });

  it('reports the wrong object kind and a missing section', () => {
    const bytes = sampleObject();
    expect(() => readObjectHeader(bytes, WHAT, { kind: ObjectKind.CENTROIDS })).toThrow(
      '`partitions/3.bin` is a partition object; expected a centroids object',
    );
    expect(() => IndexObject.open(bytes, WHAT).f32(SectionId.VECTORS)).toThrow(
      '`partitions/3.bin` has no section vectors (it has: kltMean, bits, kltEigenvalues, binaryCodes, meta, ids, externalIds)',
    );
  });
});
