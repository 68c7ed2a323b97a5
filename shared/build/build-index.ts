/**
 * Index build (DESIGN §3): metric preparation → balanced k-means → per partition: OSQ quantizer (KLT,
 * bit allocation, Lloyd boundaries), OSQ and binary codes, attribute codes, raw attributes, ids and
 * full-precision vectors in one sectioned object → centroids and allocator attribute codes → manifest →
 * CURRENT. Objects go under a fresh `v<version>/` prefix and the manifest and CURRENT are written last,
 * so a failed build never publishes partial data (its partial objects are deleted on the way out).
 * `encodeManifest` seals the manifest with its checksum and `publishVersion` pins its hash in CURRENT.
 */
import { AttributeQuantizer, AttributeTable } from '../attributes/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import {
  bytesOf,
  type CurrentPointer,
  type ExternalIdKind,
  ExternalIds,
  encodeManifest,
  FORMAT_VERSION,
  type Manifest,
  ObjectKind,
  type ObjectRef,
  objectRef,
  publishVersion,
  readCurrentPointer,
  SectionId,
  versionKeys,
  writeObject,
} from '../format/index.ts';
import { encodePartition } from '../index/partition-object.ts';
import { type Metric, type MetricSpace, prepareBase } from '../metric.ts';
import { balancedKMeans } from '../partition/index.ts';
import { gatherRows } from '../partition/sample-rows.ts';
import { OsqQuantizer } from '../quantize/index.ts';
import type { BlobStore } from '../store/index.ts';

export interface BuildOptions {
  readonly partitions: number;
  /** OSQ bits per dimension on average (B = bitsPerDim · D). @default 4 */
  readonly bitsPerDim: number;
  readonly metric: Metric;
  readonly seed: number;
  /** Balanced k-means Lloyd iterations. @default 30 */
  readonly kmeansIterations: number;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** The options a version was built with, as its manifest records them (compaction rebuilds with them). */
export function buildOptionsOf(manifest: Manifest): BuildOptions {
  return {
    partitions: manifest.partitions,
    bitsPerDim: manifest.build.bitsPerDim,
    metric: manifest.metric,
    seed: manifest.build.seed,
    kmeansIterations: manifest.build.kmeansIterations,
  };
}

export const defaultBuildOptions: Omit<BuildOptions, 'partitions'> = {
  bitsPerDim: 4,
  metric: 'l2',
  seed: 1,
  kmeansIterations: 30,
};

export interface BuildInput {
  readonly vectors: Float32Array;
  readonly count: number;
  readonly dim: number;
  readonly attributes?: AttributeTable;
  /** External ids the input carried, one per vector (strings, or safe integers); ordinals otherwise. */
  readonly ids?: readonly (string | number)[];
}

export interface BuildSummary {
  readonly location: string;
  readonly version: number;
  readonly count: number;
  readonly dim: number;
  readonly partitions: number;
  readonly metric: Metric;
  readonly bitsPerVector: number;
  readonly attributes: string[];
  readonly bytes: number;
  readonly seconds: number;
  readonly partitionSizes: { readonly min: number; readonly max: number };
}

export async function buildIndex(
  input: BuildInput,
  store: BlobStore,
  options: BuildOptions,
): Promise<BuildSummary> {
  const started = performance.now();
  validateInput(input, options);
  const externalIdKind = input.ids ? ExternalIds.check(input.ids, input.count) : undefined;
  const { space, vectors } = prepareBase(input.vectors, input.count, input.dim, options.metric);
  const partitioning = partitionVectors(vectors, input.count, space.storedDim, options);
  // The pointer alone (not followed): a build publishes over a format 1 or damaged version too.
  const previous = await readCurrentPointer(store);
  return writeVersion(
    store,
    {
      space,
      vectors,
      count: input.count,
      attributes: input.attributes ?? new AttributeTable({ attributes: [] }, input.count, []),
      ...(input.ids && externalIdKind ? { ids: input.ids, externalIdKind } : {}),
    },
    partitioning,
    options,
    { previous, started },
  );
}

/** Metric-prepared rows ready to be written as a version (what a build and a compaction both hold). */
export interface PreparedRows {
  readonly space: MetricSpace;
  /** count × space.storedDim, row-major, coordinates in natural order. */
  readonly vectors: Float32Array;
  readonly count: number;
  readonly attributes: AttributeTable;
  readonly ids?: readonly (string | number)[];
  readonly externalIdKind?: ExternalIdKind;
}

export interface Partitioning {
  /** P × storedDim. */
  readonly centroids: Float32Array;
  /** Row → partition. */
  readonly assignment: Uint32Array;
}

/** Balanced k-means over prepared rows (DESIGN §3 step 1). */
export function partitionVectors(
  vectors: Float32Array,
  count: number,
  dim: number,
  options: Pick<BuildOptions, 'partitions' | 'seed' | 'kmeansIterations' | 'onProgress'>,
): Partitioning {
  const progress = options.onProgress ?? (() => {});
  progress('partitioning', 0, options.kmeansIterations);
  const kmeans = balancedKMeans(vectors, count, dim, {
    partitions: options.partitions,
    seed: options.seed,
    maxIterations: options.kmeansIterations,
    onProgress: (iteration) => progress('partitioning', iteration, options.kmeansIterations),
  });
  progress('partitioning', options.kmeansIterations, options.kmeansIterations);
  return { centroids: kmeans.centroids, assignment: kmeans.assignment };
}

export interface VersionContext {
  /** `CURRENT` as read before the work began: the publish is conditional on it. */
  readonly previous: CurrentPointer | undefined;
  readonly started: number;
  /** The last write-log sequence the rows include (compaction). */
  readonly logThrough?: number;
  /** The version number to write (default: the previous one + 1). */
  readonly version?: number;
}

/**
 * Per partition: OSQ quantizer, codes and the sectioned object; then centroids, allocator codes, ids,
 * the manifest and CURRENT (conditional on `context.previous`). Partial objects are removed on failure.
 */
export async function writeVersion(
  store: BlobStore,
  rows: PreparedRows,
  partitioning: Partitioning,
  options: BuildOptions,
  context: VersionContext,
): Promise<BuildSummary> {
  const { previous } = context;
  const progress = options.onProgress ?? (() => {});
  const { space, vectors, attributes, count, ids, externalIdKind } = rows;
  const dim = space.storedDim;
  const members = membersByPartition(partitioning.assignment, options.partitions);

  const attributeQuantizer = AttributeQuantizer.train(attributes);
  const attributeCodes = attributeQuantizer.encode(attributes);
  const attributeCount = attributes.schema.attributes.length;

  const version = context.version ?? (previous?.version ?? 0) + 1;
  const keys = versionKeys(version);
  const written: string[] = [];
  const writer: VersionWriter = {
    raw: async (key, bytes) => {
      await store.put(key, bytes, { ifNoneMatch: '*' });
      written.push(key);
    },
    object: async (key, bytes) => {
      await writer.raw(key, bytes);
      return objectRef(key, bytes);
    },
  };

  try {
    const bitsPerVector = Math.round(options.bitsPerDim * dim);
    const partitionRefs: Manifest['objects']['partitions'] = [];
    for (let p = 0; p < options.partitions; p++) {
      progress('quantizing partitions', p, options.partitions);
      const rows = members[p]!;
      const partitionVectors = gatherRows(vectors, dim, rows);
      const { quantizer, ...codes } = OsqQuantizer.trainAndEncode(partitionVectors, rows.length, dim, {
        bitsPerVector,
        seed: options.seed + p,
      });
      const object = encodePartition({
        partition: p,
        rows,
        vectors: partitionVectors,
        dim,
        quantizer,
        codes,
        attributeCodes: gatherAttributeCodes(attributeCodes, attributeCount, count, rows),
        attributes: attributes.select(rows),
      });
      partitionRefs.push({ ...(await writer.object(keys.partition(p), object)), count: rows.length });
    }
    progress('quantizing partitions', options.partitions, options.partitions);
    return await publishObjects(
      store,
      writer,
      {
        version,
        space,
        count,
        bitsPerVector,
        attributes,
        attributeQuantizer,
        partitionRefs,
        centroids: partitioning.centroids,
        allocatorCodes: concatPartitionCodes(attributeCodes, attributeCount, count, members),
        ...(ids && externalIdKind ? { ids, externalIdKind } : {}),
      },
      options,
      context,
    );
  } catch (error) {
    await Promise.allSettled(written.map((key) => store.delete(key)));
    throw error;
  }
}

/** Writes one new object of a version: `object` for sectioned objects (returns the manifest's ref). */
export interface VersionWriter {
  raw(key: string, bytes: Uint8Array): Promise<void>;
  object(key: string, bytes: Uint8Array): Promise<ObjectRef>;
}

/** What a version holds besides its partition objects, once those are written. */
export interface VersionObjects {
  readonly version: number;
  readonly space: MetricSpace;
  readonly count: number;
  readonly bitsPerVector: number;
  /** The rows' attributes (schema and dictionaries go into the manifest). */
  readonly attributes: Pick<AttributeTable, 'schema' | 'dictionaries'>;
  readonly attributeQuantizer: AttributeQuantizer;
  readonly partitionRefs: Manifest['objects']['partitions'];
  /** P × storedDim. */
  readonly centroids: Float32Array;
  /** Each partition's attribute-major codes, partitions in order. */
  readonly allocatorCodes: Uint8Array;
  readonly ids?: readonly (string | number)[];
  readonly externalIdKind?: ExternalIdKind;
}

/**
 * Writes the centroids, the allocator's attribute codes, the external ids and the manifest through
 * `put`, then publishes `CURRENT` conditionally on `context.previous` (DESIGN §3).
 */
export async function publishObjects(
  store: BlobStore,
  writer: VersionWriter,
  objects: VersionObjects,
  options: BuildOptions,
  context: VersionContext,
): Promise<BuildSummary> {
  const { version, space, count, bitsPerVector, attributes, partitionRefs, ids, externalIdKind } = objects;
  const { previous, started } = context;
  const keys = versionKeys(version);
  const centroidsRef = await writer.object(
    keys.centroids,
    writeObject(ObjectKind.CENTROIDS, [{ id: SectionId.CENTROIDS, bytes: bytesOf(objects.centroids) }]),
  );
  const attributesRef = await writer.object(
    keys.attributes,
    writeObject(ObjectKind.ALLOCATOR_ATTRIBUTES, [
      { id: SectionId.ATTRIBUTE_CODES, bytes: objects.allocatorCodes },
    ]),
  );
  const externalIdsRef = ids
    ? await writer.object(
        keys.externalIds,
        writeObject(ObjectKind.EXTERNAL_IDS, [
          { id: SectionId.EXTERNAL_IDS, bytes: ExternalIds.encode(ids) },
        ]),
      )
    : undefined;

  const manifest: Manifest = {
    format: 'squash-index',
    formatVersion: FORMAT_VERSION,
    version,
    createdAt: new Date().toISOString(),
    count,
    dim: space.inputDim,
    storedDim: space.storedDim,
    metric: options.metric,
    maxNorm: space.maxNorm,
    bitsPerVector,
    partitions: options.partitions,
    schema: { attributes: [...attributes.schema.attributes] },
    attributeQuantizer: objects.attributeQuantizer.toJSON(),
    attributeDictionaries: attributes.dictionaries.map((dictionary) => [...dictionary]),
    objects: {
      centroids: centroidsRef,
      attributes: attributesRef,
      partitions: partitionRefs,
      ...(externalIdsRef ? { externalIds: externalIdsRef } : {}),
    },
    ...(externalIdKind ? { externalIdKind } : {}),
    ...(context.logThrough === undefined ? {} : { logThrough: context.logThrough }),
    build: {
      seed: options.seed,
      bitsPerDim: options.bitsPerDim,
      kmeansIterations: options.kmeansIterations,
      ...(previous === undefined ? {} : { previousVersion: previous.version }),
    },
  };
  const manifestBytes = encodeManifest(manifest);
  await writer.raw(keys.manifest, manifestBytes);
  await publishVersion(store, version, previous?.etag);

  const sizes = partitionRefs.map((ref) => ref.count);
  return {
    location: store.description,
    version,
    count,
    dim: space.inputDim,
    partitions: options.partitions,
    metric: options.metric,
    bitsPerVector,
    attributes: manifest.schema.attributes.map((a) => a.name),
    bytes: sumBytes(partitionRefs, centroidsRef, attributesRef, manifestBytes.length),
    seconds: (performance.now() - started) / 1000,
    partitionSizes: { min: Math.min(...sizes), max: Math.max(...sizes) },
  };
}

function validateInput(input: BuildInput, options: BuildOptions): void {
  if (input.count < 1) throw new InvalidInputError('no vectors to index');
  if (input.vectors.length !== input.count * input.dim) {
    throw new InvalidInputError(
      `vectors hold ${input.vectors.length} values, expected ${input.count} × ${input.dim} = ${input.count * input.dim}`,
    );
  }
  if (!Number.isInteger(options.partitions) || options.partitions < 1 || options.partitions > input.count) {
    throw new InvalidInputError(
      `--partitions ${options.partitions} is not valid for ${input.count} vectors; expected an integer in 1..${input.count}`,
    );
  }
  if (!(options.bitsPerDim > 0 && options.bitsPerDim <= 8)) {
    throw new InvalidInputError(
      `--bits-per-dim ${options.bitsPerDim} is not valid; expected a number in (0, 8]`,
    );
  }
  if (input.attributes && input.attributes.count !== input.count) {
    throw new InvalidInputError(
      `attributes have ${input.attributes.count} rows but there are ${input.count} vectors; expected one attribute row per vector`,
    );
  }
  for (let i = 0; i < input.vectors.length; i++) {
    if (!Number.isFinite(input.vectors[i]!)) {
      throw new InvalidInputError(
        `vector ${Math.floor(i / input.dim)} has a non-finite value at dimension ${i % input.dim}`,
      );
    }
  }
}

/** Global ordinals of each partition's members, ascending. */
function membersByPartition(assignment: Uint32Array, partitions: number): Uint32Array[] {
  const sizes = new Uint32Array(partitions);
  for (let i = 0; i < assignment.length; i++) sizes[assignment[i]!]!++;
  const members = Array.from(sizes, (size) => new Uint32Array(size));
  const filled = new Uint32Array(partitions);
  for (let i = 0; i < assignment.length; i++) {
    const p = assignment[i]!;
    members[p]![filled[p]!++] = i;
  }
  return members;
}

/** Attribute-major codes (A × N) of the given rows → attribute-major A × rows.length. */
export function gatherAttributeCodes(
  codes: Uint8Array,
  attributes: number,
  n: number,
  rows: Uint32Array,
): Uint8Array {
  const out = new Uint8Array(attributes * rows.length);
  for (let a = 0; a < attributes; a++) {
    const from = a * n;
    const to = a * rows.length;
    for (let i = 0; i < rows.length; i++) out[to + i] = codes[from + rows[i]!]!;
  }
  return out;
}

/** The allocator's codes: each partition's attribute-major block, partitions in order. */
function concatPartitionCodes(
  codes: Uint8Array,
  attributes: number,
  n: number,
  members: readonly Uint32Array[],
): Uint8Array {
  const out = new Uint8Array(attributes * n);
  let offset = 0;
  for (const rows of members) {
    out.set(gatherAttributeCodes(codes, attributes, n, rows), offset);
    offset += attributes * rows.length;
  }
  return out;
}

function sumBytes(
  partitions: readonly { bytes: number }[],
  centroids: { bytes: number },
  attributes: { bytes: number },
  manifestBytes: number,
): number {
  return (
    partitions.reduce((sum, ref) => sum + ref.bytes, 0) + centroids.bytes + attributes.bytes + manifestBytes
  );
}
