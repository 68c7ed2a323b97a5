/**
 * A published index as readers see it: the manifest (via CURRENT), the centroids and the allocator's
 * attribute codes, plus partition loading by byte range — two range GETs per partition: every section
 * the search needs, then the vectors (last in the object). Callers own caching (processors keep loaded
 * partitions in an LRU; the in-process search keeps them all).
 */
import {
  type AttributeDictionaries,
  AttributeQuantizer,
  type AttributeSchema,
  type CompiledFilter,
  compileFilter,
  parseDictionaries,
  parseFilter,
  parseSchema,
} from '../attributes/index.ts';
import { IndexFormatError } from '../errors/index.ts';
import {
  f32View,
  fetchSection,
  fetchSections,
  type Manifest,
  ObjectKind,
  readCurrentManifest,
  readManifest,
  readSection,
  SectionId,
  verifyObject,
} from '../format/index.ts';
import type { MetricSpace } from '../metric.ts';
import type { PartitionData } from '../search/partition-data.ts';
import type { IndexLayout } from '../search/query-executor.ts';
import type { BlobStore } from '../store/index.ts';
import { decodePartition, searchSections } from './partition-object.ts';

export class IndexReader {
  readonly space: MetricSpace;
  readonly schema: AttributeSchema;
  readonly dictionaries: AttributeDictionaries;
  readonly attributeQuantizer: AttributeQuantizer;
  readonly layout: IndexLayout;
  /** Bytes read from the store so far (manifest excluded). */
  bytesFetched: number;

  private constructor(
    readonly store: BlobStore,
    readonly manifest: Manifest,
    readonly centroids: Float32Array,
    allocatorCodes: Uint8Array,
    bytesFetched: number,
  ) {
    this.bytesFetched = bytesFetched;
    this.space = {
      metric: manifest.metric,
      inputDim: manifest.dim,
      storedDim: manifest.storedDim,
      maxNorm: manifest.maxNorm,
    };
    this.schema = parseSchema(manifest.schema);
    this.dictionaries = parseDictionaries(manifest.attributeDictionaries, this.schema);
    this.attributeQuantizer =
      manifest.attributeQuantizer === null
        ? new AttributeQuantizer(this.schema, [])
        : AttributeQuantizer.fromJSON(manifest.attributeQuantizer, this.schema);
    const sizes = manifest.objects.partitions.map((ref) => ref.count);
    const attributeCount = this.schema.attributes.length;
    const offsets: number[] = [];
    let offset = 0;
    for (const size of sizes) {
      offsets.push(offset);
      offset += size * attributeCount;
    }
    if (allocatorCodes.byteLength !== offset) {
      throw new IndexFormatError(
        `\`${manifest.objects.attributes.key}\` holds ${allocatorCodes.byteLength} attribute codes; expected ${offset}`,
      );
    }
    this.layout = {
      partitions: manifest.partitions,
      dim: manifest.storedDim,
      centroids,
      partitionSizes: sizes,
      countMatches: (filter, p) => {
        const start = offsets[p]!;
        return filter.countCandidates(
          allocatorCodes.subarray(start, start + sizes[p]! * attributeCount),
          sizes[p]!,
        );
      },
    };
  }

  /** Opens the published version (or a given one). */
  static async open(store: BlobStore, version?: number): Promise<IndexReader> {
    const manifest =
      version === undefined
        ? (await readCurrentManifest(store)).manifest
        : await readManifest(store, version);
    const [centroidBytes, codeBytes] = await Promise.all([
      store.get(manifest.objects.centroids.key),
      store.get(manifest.objects.attributes.key),
    ]);
    const centroidsHeader = verifyObject(centroidBytes, manifest.objects.centroids, ObjectKind.CENTROIDS);
    const codesHeader = verifyObject(codeBytes, manifest.objects.attributes, ObjectKind.ALLOCATOR_ATTRIBUTES);
    const centroids = f32View(
      readSection(centroidBytes, centroidsHeader, SectionId.CENTROIDS, manifest.objects.centroids.key),
      manifest.objects.centroids.key,
    );
    if (centroids.length !== manifest.partitions * manifest.storedDim) {
      throw new IndexFormatError(
        `\`${manifest.objects.centroids.key}\` holds ${centroids.length} values; expected ${manifest.partitions} × ${manifest.storedDim}`,
      );
    }
    const codes = readSection(
      codeBytes,
      codesHeader,
      SectionId.ATTRIBUTE_CODES,
      manifest.objects.attributes.key,
    );
    return new IndexReader(
      store,
      manifest,
      centroids,
      codes,
      centroidBytes.byteLength + codeBytes.byteLength,
    );
  }

  /** Parses and compiles a filter (null/undefined = match all) against this index's schema. */
  compileFilter(json: unknown): CompiledFilter {
    const ast = json === undefined || json === null ? null : parseFilter(json, this.schema);
    return compileFilter(ast, this.schema, this.attributeQuantizer, this.dictionaries);
  }

  /** Loads partition p with two byte-range GETs (search sections, then vectors), CRC-checked. */
  async loadPartition(p: number): Promise<PartitionData> {
    const ref = this.manifest.objects.partitions[p];
    if (!ref) throw new IndexFormatError(`partition ${p} is outside 0..${this.manifest.partitions - 1}`);
    const [sections, vectors] = await Promise.all([
      fetchSections(this.store, ref, searchSections),
      fetchSection(this.store, ref, SectionId.VECTORS),
    ]);
    sections.set(SectionId.VECTORS, vectors);
    let bytes = 0;
    for (const section of sections.values()) bytes += section.byteLength;
    this.bytesFetched += bytes;
    return decodePartition(sections, {
      partition: p,
      count: ref.count,
      dim: this.manifest.storedDim,
      schema: this.schema,
      dictionaries: this.dictionaries,
      key: ref.key,
    });
  }
}

/**
 * Per partition and attribute, how many rows carry each code (P × A × 256): single-attribute filters
 * count their matches from these in 256 steps instead of a pass over the partition's codes.
 */
function codeHistograms(codes: Uint8Array, sizes: readonly number[], attributes: number): Uint32Array {
  const histograms = new Uint32Array(sizes.length * attributes * 256);
  let offset = 0;
  sizes.forEach((size, p) => {
    for (let a = 0; a < attributes; a++) {
      const histogram = (p * attributes + a) * 256;
      for (let i = 0; i < size; i++) histograms[histogram + codes[offset + i]!]!++;
      offset += size;
    }
  });
  return histograms;
}
