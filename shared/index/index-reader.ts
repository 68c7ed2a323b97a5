/**
 * A published index as readers see it: the manifest (via CURRENT) and, for allocators, the centroids and
 * the allocator's attribute codes; plus partition loading by byte range — two range GETs per partition:
 * the header and every section the search needs, then the vectors (last in the object).
 *
 * Every byte read is checked before it is used: the manifest by its own checksum (and, through
 * CURRENT, by the hash CURRENT pins), centroids and attribute codes by size and CRC32C of the whole
 * object plus the header's and each section's CRC32C, partitions by header CRC32C, a section table that
 * must match the manifest's, each section's CRC32C and zero padding (`shared/format/fetch-object.ts`). Processors open with
 * `{ allocator: false }` and read only the manifest and their partitions. Callers own caching
 * (processors keep loaded partitions in an LRU; the in-process search keeps them all).
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
  ExternalIds,
  f32View,
  fetchObjectSections,
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
import { FilterCache } from './filter-cache.ts';
import { decodePartition, searchSections } from './partition-object.ts';

export interface OpenOptions {
  /** A version other than the published one. */
  readonly version?: number;
  /** Also read the centroids and allocator attribute codes (needed for `layout`). @default true */
  readonly allocator?: boolean;
}

export class IndexReader {
  readonly space: MetricSpace;
  readonly schema: AttributeSchema;
  readonly dictionaries: AttributeDictionaries;
  readonly attributeQuantizer: AttributeQuantizer;
  /** Bytes read from the store so far (manifest excluded). */
  bytesFetched: number;
  readonly #layout: IndexLayout | undefined;
  #externalIds: Promise<ExternalIds | undefined> | undefined;
  readonly #filters = new FilterCache((json) => this.compileFilter(json));

  private constructor(
    readonly store: BlobStore,
    readonly manifest: Manifest,
    allocatorData: { centroids: Float32Array; codes: Uint8Array } | undefined,
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
    this.#layout =
      allocatorData && allocatorLayout(manifest, allocatorData.centroids, allocatorData.codes, this.schema);
  }

  /** What the allocator step needs: centroids and per-partition match counting. */
  get layout(): IndexLayout {
    if (!this.#layout) throw new TypeError('this IndexReader was opened without allocator data');
    return this.#layout;
  }

  get centroids(): Float32Array {
    return this.layout.centroids;
  }

  /** Opens the published version (or a given one). */
  static async open(store: BlobStore, options: OpenOptions | number = {}): Promise<IndexReader> {
    const { version, allocator = true } = typeof options === 'number' ? { version: options } : options;
    const manifest =
      version === undefined
        ? (await readCurrentManifest(store)).manifest
        : await readManifest(store, version);
    if (!allocator) return new IndexReader(store, manifest, undefined, 0);
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
      { centroids, codes },
      centroidBytes.byteLength + codeBytes.byteLength,
    );
  }

  /** The ids the build input carried (loaded once, on first use), or undefined when it carried none. */
  externalIds(): Promise<ExternalIds | undefined> {
    this.#externalIds ??= this.loadExternalIds();
    return this.#externalIds;
  }

  private async loadExternalIds(): Promise<ExternalIds | undefined> {
    const ref = this.manifest.objects.externalIds;
    const kind = this.manifest.externalIdKind;
    if (!ref || !kind) return undefined;
    const bytes = await this.store.get(ref.key);
    this.bytesFetched += bytes.byteLength;
    const header = verifyObject(bytes, ref, ObjectKind.EXTERNAL_IDS);
    return ExternalIds.decode(
      readSection(bytes, header, SectionId.EXTERNAL_IDS, ref.key),
      this.manifest.count,
      kind,
      ref.key,
    );
  }

  /** Parses and compiles a filter (null/undefined = match all) against this index's schema. */
  compileFilter(json: unknown): CompiledFilter {
    const ast = json === undefined || json === null ? null : parseFilter(json, this.schema);
    return compileFilter(ast, this.schema, this.attributeQuantizer, this.dictionaries);
  }

  /**
   * `compileFilter` through this reader's `FilterCache`: each distinct filter (by its JSON) compiles
   * once, so queries and calls with the same filter share one compiled filter (and what is cached per
   * compiled filter).
   */
  filterCompiler(): (json: unknown) => CompiledFilter {
    return this.#filters.compile.bind(this.#filters);
  }

  /**
   * Loads partition p with two byte-range GETs in parallel (header and search sections, then the
   * vectors) that together read every byte of the object, each checked (`fetchObjectSections`).
   */
  async loadPartition(p: number): Promise<PartitionData> {
    const ref = this.manifest.objects.partitions[p];
    if (!ref) throw new IndexFormatError(`partition ${p} is outside 0..${this.manifest.partitions - 1}`);
    const { sections, bytesRead } = await fetchObjectSections(this.store, ref, ObjectKind.PARTITION, [
      searchSections,
      [SectionId.VECTORS],
    ]);
    this.bytesFetched += bytesRead;
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

function allocatorLayout(
  manifest: Manifest,
  centroids: Float32Array,
  codes: Uint8Array,
  schema: AttributeSchema,
): IndexLayout {
  const sizes = manifest.objects.partitions.map((ref) => ref.count);
  const attributeCount = schema.attributes.length;
  const offsets: number[] = [];
  let offset = 0;
  for (const size of sizes) {
    offsets.push(offset);
    offset += size * attributeCount;
  }
  if (codes.byteLength !== offset) {
    throw new IndexFormatError(
      `\`${manifest.objects.attributes.key}\` holds ${codes.byteLength} attribute codes; expected ${offset}`,
    );
  }
  const histograms = codeHistograms(codes, sizes, attributeCount);
  const histogramBytes = attributeCount * 256;
  return {
    partitions: manifest.partitions,
    dim: manifest.storedDim,
    centroids,
    partitionSizes: sizes,
    countMatches: (filter, p) => {
      const fromHistograms = filter.countFromHistograms(histograms, p * histogramBytes);
      if (fromHistograms !== undefined) return fromHistograms;
      const start = offsets[p]!;
      return filter.countCandidates(codes.subarray(start, start + sizes[p]! * attributeCount), sizes[p]!);
    },
  };
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
