import {
  bytesOf,
  FORMAT_VERSION,
  type Manifest,
  ObjectKind,
  objectRef,
  SectionId,
  versionKeys,
  writeObject,
} from '../../../shared/format/index.ts';

/** A small, valid two-partition index version: its objects by key and its manifest. */
export function sampleVersion(version = 1): { objects: Map<string, Uint8Array>; manifest: Manifest } {
  const keys = versionKeys(version);
  const objects = new Map<string, Uint8Array>();
  const dim = 4;
  const partitionCounts = [3, 2];
  const partitions = partitionCounts.map((count, p) => {
    const vectors = Float32Array.from({ length: count * dim }, (_, i) => i + 100 * p);
    const ids = Uint32Array.from({ length: count }, (_, i) => p * 3 + i);
    const bytes = writeObject(ObjectKind.PARTITION, [
      { id: SectionId.BINARY_CODES, bytes: Uint8Array.from({ length: count }, (_, i) => i * 37) },
      { id: SectionId.IDS, bytes: bytesOf(ids) },
      { id: SectionId.VECTORS, bytes: bytesOf(vectors) },
    ]);
    objects.set(keys.partition(p), bytes);
    return { ...objectRef(keys.partition(p), bytes), count };
  });
  const centroids = writeObject(ObjectKind.CENTROIDS, [
    { id: SectionId.CENTROIDS, bytes: bytesOf(Float32Array.from({ length: 2 * dim }, (_, i) => i / 2)) },
  ]);
  objects.set(keys.centroids, centroids);
  const attributes = writeObject(ObjectKind.ALLOCATOR_ATTRIBUTES, [
    { id: SectionId.ATTRIBUTE_CODES, bytes: Uint8Array.from([0, 1, 2, 255, 4]) },
  ]);
  objects.set(keys.attributes, attributes);
  const manifest: Manifest = {
    format: 'squash-index',
    formatVersion: FORMAT_VERSION,
    version,
    createdAt: '2026-11-28T17:56:00.000Z',
    count: 5,
    dim,
    storedDim: dim,
    metric: 'l2',
    maxNorm: 0,
    bitsPerVector: 16,
    partitions: 2,
    schema: { attributes: [{ name: 'price', kind: 'number' }] },
    attributeQuantizer: { attributes: [{ kind: 'number', boundaries: [0, 1, 2] }] },
    attributeDictionaries: [[]],
    objects: {
      centroids: objectRef(keys.centroids, centroids),
      attributes: objectRef(keys.attributes, attributes),
      partitions,
    },
    build: { seed: 1, bitsPerDim: 4, kmeansIterations: 30 },
  };
  return { objects, manifest };
}
