import { describe, expect, it } from 'vitest';
import { IndexFormatError } from '../../../shared/errors/index.ts';
import {
  f32View,
  fetchSection,
  fetchSections,
  ObjectKind,
  readObjectHeader,
  SectionId,
  sectionEntry,
  u32View,
  verifyObject,
} from '../../../shared/format/index.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { sampleVersion } from './sample-manifest.ts';

async function storedSample() {
  const { objects, manifest } = sampleVersion();
  const store = new MemoryBlobStore();
  for (const [key, bytes] of objects) await store.put(key, bytes);
  return { store, objects, manifest };
}

describe('object references', () => {
  it('records every section of the object as the header does', () => {
    const { objects, manifest } = sampleVersion();
    const ref = manifest.objects.partitions[0]!;
    const bytes = objects.get(ref.key)!;
    const header = readObjectHeader(bytes, ref.key);
    expect(ref.bytes).toBe(bytes.byteLength);
    expect(Object.keys(ref.sections)).toEqual(['binaryCodes', 'ids', 'vectors']);
    for (const section of header.sections) expect(sectionEntry(ref, section.id)).toEqual(section);
  });

  it('fetches one section with one exact range GET', async () => {
    const { store, manifest } = await storedSample();
    const ref = manifest.objects.partitions[1]!;
    const vectors = f32View(await fetchSection(store, ref, SectionId.VECTORS), 'vectors');
    expect(Array.from(vectors)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    expect(store.stats).toMatchObject({ gets: 0, rangeGets: 1, bytesRead: 32 });
  });

  it('fetches several sections with one range GET spanning them', async () => {
    const { store, manifest } = await storedSample();
    const ref = manifest.objects.partitions[0]!;
    const sections = await fetchSections(store, ref, [SectionId.IDS, SectionId.BINARY_CODES]);
    expect(Array.from(u32View(sections.get(SectionId.IDS)!, 'ids'))).toEqual([0, 1, 2]);
    expect(Array.from(sections.get(SectionId.BINARY_CODES)!)).toEqual([0, 37, 74]);
    expect(store.stats.rangeGets).toBe(1);
    expect(store.stats.bytesRead).toBe(ref.sections.ids!.offset + 12 - ref.sections.binaryCodes!.offset);
  });

  it('rejects a fetched section whose bytes changed since the manifest was written', async () => {
    const { store, objects, manifest } = await storedSample();
    const ref = manifest.objects.partitions[0]!;
    const tampered = objects.get(ref.key)!.slice();
    tampered[ref.sections.vectors!.offset + 3]! ^= 1;
    await store.put(ref.key, tampered);
    await expect(fetchSection(store, ref, SectionId.VECTORS)).rejects.toThrow(
      /^section vectors of `v1\/partitions\/0\.bin` fails its CRC32C: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$/,
    );
    await expect(fetchSection(store, ref, SectionId.CENTROIDS)).rejects.toThrow(
      'the manifest lists no section centroids for `v1/partitions/0.bin` (it has: binaryCodes, ids, vectors)',
    );
  });

  it('verifies a whole object against its manifest entry', () => {
    const { objects, manifest } = sampleVersion();
    const ref = manifest.objects.centroids;
    const bytes = objects.get(ref.key)!;
    expect(verifyObject(bytes, ref, ObjectKind.CENTROIDS).kind).toBe(ObjectKind.CENTROIDS);
    expect(() => verifyObject(bytes.subarray(0, 40), ref)).toThrow(
      `\`v1/centroids.bin\` has 40 bytes; the manifest says ${ref.bytes}`,
    );
    const other = objects.get(manifest.objects.attributes.key)!;
    expect(() => verifyObject(other, { ...ref, bytes: other.byteLength })).toThrow(IndexFormatError);
    expect(() => verifyObject(other, { ...ref, bytes: other.byteLength })).toThrow(
      /^`v1\/centroids\.bin` fails its CRC32C: the manifest says 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$/,
    );
  });
});
