import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IndexFormatError } from '../../../shared/errors/index.ts';
import {
  CURRENT_KEY,
  encodeCurrent,
  encodeManifest,
  f32View,
  fetchSection,
  IndexObject,
  manifestKey,
  ObjectKind,
  readCurrentManifest,
  readManifest,
  SectionId,
  verifyObject,
} from '../../../shared/format/index.ts';
import { LocalDirectoryStore } from '../../../shared/store/index.ts';
import { sampleVersion } from './sample-manifest.ts';

/**
 * The golden index of format version 2 (STYLE §8): committed bytes that every later build must
 * still read. Regenerate only for a deliberate format change, with a new version folder:
 *   UPDATE_GOLDEN=1 npx vitest run test/unit/format/golden.test.ts
 * format-v1/ is the golden index of format version 1 (manifests without a checksum): kept to show
 * that it is refused with a message saying why, and that the binary objects did not change.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures');
const GOLDEN = join(FIXTURES, 'format-v2');
const GOLDEN_V1 = join(FIXTURES, 'format-v1');

function goldenFiles(): Map<string, Uint8Array> {
  const { objects, manifest } = sampleVersion(1);
  const files = new Map(objects);
  const manifestBytes = encodeManifest(manifest);
  files.set(manifestKey(1), manifestBytes);
  files.set(CURRENT_KEY, encodeCurrent(1, manifestBytes));
  return files;
}

describe('golden index, format version 2', () => {
  it.runIf(process.env.UPDATE_GOLDEN === '1')('is regenerated on request', async () => {
    for (const [key, bytes] of goldenFiles()) {
      await mkdir(dirname(join(GOLDEN, key)), { recursive: true });
      await writeFile(join(GOLDEN, key), bytes);
    }
  });

  it('is what this build writes, byte for byte', async () => {
    for (const [key, bytes] of goldenFiles()) {
      const committed = new Uint8Array(await readFile(join(GOLDEN, key)));
      expect(committed, key).toEqual(bytes);
    }
  });

  it('reads back through the store: manifest, checksums and section contents', async () => {
    const store = new LocalDirectoryStore(GOLDEN);
    const { manifest } = await readCurrentManifest(store);
    expect(manifest).toMatchObject({ version: 1, count: 5, dim: 4, partitions: 2, metric: 'l2' });

    const centroidsRef = manifest.objects.centroids;
    verifyObject(await store.get(centroidsRef.key), centroidsRef, ObjectKind.CENTROIDS);
    const centroids = f32View(await fetchSection(store, centroidsRef, SectionId.CENTROIDS), 'centroids');
    expect(Array.from(centroids)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);

    const partitionRef = manifest.objects.partitions[1]!;
    const bytes = await store.get(partitionRef.key);
    verifyObject(bytes, partitionRef, ObjectKind.PARTITION);
    const partition = IndexObject.open(bytes, partitionRef.key, ObjectKind.PARTITION);
    expect(Array.from(partition.u32(SectionId.IDS))).toEqual([3, 4]);
    expect(Array.from(partition.section(SectionId.BINARY_CODES))).toEqual([0, 37]);
    expect(Array.from(partition.f32(SectionId.VECTORS))).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);

    const attributes = IndexObject.open(await store.get(manifest.objects.attributes.key), 'attributes.bin');
    expect(Array.from(attributes.section(SectionId.ATTRIBUTE_CODES))).toEqual([0, 1, 2, 255, 4]);
  });
});

describe('golden index, format version 1', () => {
  it('is refused with a message saying why, through CURRENT and by version', async () => {
    const store = new LocalDirectoryStore(GOLDEN_V1);
    await expect(readCurrentManifest(store)).rejects.toThrow(
      /^`CURRENT` in .*format-v1 holds only a version number \(1\): it was published by index format 1, whose manifests carry no checksum \(or the rest of its line was lost\); this build reads format version 2: rebuild the index/,
    );
    await expect(readManifest(store, 1)).rejects.toThrow(IndexFormatError);
    await expect(readManifest(store, 1)).rejects.toThrow(
      '`v1/manifest.json` has format version 1, whose manifest carries no checksum',
    );
  });

  it('has the same binary objects as format version 2 (the object layout did not change)', async () => {
    for (const [key, bytes] of goldenFiles()) {
      if (!key.endsWith('.bin')) continue;
      expect(new Uint8Array(await readFile(join(GOLDEN_V1, key))), key).toEqual(bytes);
    }
  });
});
