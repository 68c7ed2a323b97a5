import { describe, expect, it } from 'vitest';
import { IndexFormatError } from '../../../shared/errors/index.ts';
import {
  fetchObjectSections,
  ObjectKind,
  objectRef,
  readObjectHeader,
  SectionId,
  u32View,
  writeObject,
} from '../../../shared/format/index.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { sampleVersion } from './sample-manifest.ts';

const groups = [[SectionId.BINARY_CODES, SectionId.IDS], [SectionId.VECTORS]];

/** Partition 0 of the sample (3 binary-code bytes, so 5 bytes of padding before the ids), stored as `bytes`. */
async function stored(edit: (bytes: Uint8Array) => Uint8Array = (bytes) => bytes) {
  const { objects, manifest } = sampleVersion();
  const ref = manifest.objects.partitions[0]!;
  const store = new MemoryBlobStore();
  await store.put(ref.key, edit(objects.get(ref.key)!));
  return { store, ref, bytes: objects.get(ref.key)! };
}

describe('fetching a whole object by ranges', () => {
  it('reads every byte in one range GET per group, from the header to the end', async () => {
    const { store, ref } = await stored();
    const { sections, bytesRead } = await fetchObjectSections(store, ref, ObjectKind.PARTITION, groups);
    expect(Array.from(u32View(sections.get(SectionId.IDS)!, 'ids'))).toEqual([0, 1, 2]);
    expect([...sections.keys()]).toEqual([SectionId.BINARY_CODES, SectionId.IDS, SectionId.VECTORS]);
    expect(bytesRead).toBe(ref.bytes);
    expect(store.stats).toMatchObject({ gets: 0, rangeGets: 2, bytesRead: ref.bytes });
  });

  it('refuses non-zero padding between sections', async () => {
    const { bytes } = await stored();
    const header = readObjectHeader(bytes, 'p');
    const padding = header.sections[0]!.offset + header.sections[0]!.length;
    const { store, ref } = await stored((original) => {
      const damaged = original.slice();
      damaged[padding] = 7;
      return damaged;
    });
    await expect(fetchObjectSections(store, ref, ObjectKind.PARTITION, groups)).rejects.toThrow(
      `\`${ref.key}\` has byte 7 at offset ${padding}, in padding between sections; expected 0`,
    );
  });

  it('refuses an object longer or shorter than the manifest records', async () => {
    const longer = await stored((bytes) => Uint8Array.from([...bytes, 0]));
    await expect(fetchObjectSections(longer.store, longer.ref, ObjectKind.PARTITION, groups)).rejects.toThrow(
      `\`${longer.ref.key}\` has ${longer.ref.bytes + 1} bytes; the manifest says ${longer.ref.bytes}`,
    );
    const shorter = await stored((bytes) => bytes.slice(0, bytes.byteLength - 4));
    // Whichever of the two range reads notices first.
    await expect(
      fetchObjectSections(shorter.store, shorter.ref, ObjectKind.PARTITION, groups),
    ).rejects.toThrow(
      /^`v1\/partitions\/0\.bin` (has \d+ bytes; the manifest says \d+|is shorter than the \d+ bytes the manifest records)/,
    );
  });

  it('refuses a header whose section table differs from the manifest', async () => {
    const { store, ref } = await stored();
    // Another valid object of the same size under the same key: its header passes its own CRC32C.
    const other = writeObject(ObjectKind.PARTITION, [
      { id: SectionId.IDS, bytes: new Uint8Array(12) },
      { id: SectionId.BINARY_CODES, bytes: new Uint8Array(3) },
      { id: SectionId.VECTORS, bytes: new Uint8Array(48) },
    ]);
    expect(other.byteLength).toBe(ref.bytes);
    await store.put(ref.key, other);
    const error = await fetchObjectSections(store, ref, ObjectKind.PARTITION, groups).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(IndexFormatError);
    expect(error.message).toMatch(
      /^the manifest places section|^the header of `v1\/partitions\/0\.bin` lists section/,
    );
    // With its own manifest entry it reads fine.
    const own = await fetchObjectSections(store, objectRef(ref.key, other), ObjectKind.PARTITION, groups);
    expect(own.sections.get(SectionId.IDS)!.byteLength).toBe(12);
  });

  it('refuses an object of another kind', async () => {
    const { store, ref } = await stored();
    await expect(fetchObjectSections(store, ref, ObjectKind.CENTROIDS, groups)).rejects.toThrow(
      'is a partition object; expected a centroids object',
    );
  });
});
