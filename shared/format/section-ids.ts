/**
 * Section ids of index objects. The numbers are part of format version 1: never renumber; add new
 * ids at the end. Readers ignore sections they do not know.
 */
export const SectionId = {
  /** Small JSON with per-object facts a reader needs before touching other sections. */
  META: 1,
  /** KLT mean μ: D × float32. */
  KLT_MEAN: 2,
  /** KLT components: D × D float32, row j = j-th eigenvector. */
  KLT_COMPONENTS: 3,
  /** KLT eigenvalues: D × float64, descending. */
  KLT_EIGENVALUES: 4,
  /** Bits per KLT dimension: D × uint8. */
  BITS: 5,
  /** Ragged boundary offsets: (D + 1) × uint32. */
  BOUNDARY_OFFSETS: 6,
  /** All dimensions' boundaries concatenated: float32. */
  BOUNDARIES: 7,
  /** OSQ codes, segment-major: S × n uint8. */
  OSQ_CODES: 8,
  /** Binary sign codes, row-major: n × ⌈D/8⌉ uint8. */
  BINARY_CODES: 9,
  /** Quantized attribute codes, attribute-major: A × n uint8. */
  ATTRIBUTE_CODES: 10,
  /** Raw attribute columns (`AttributeTable.encode()`). */
  RAW_ATTRIBUTES: 11,
  /** Local row → global ordinal: n × uint32. */
  IDS: 12,
  /** Full-precision vectors: n × D float32; last in a partition so it can be fetched lazily. */
  VECTORS: 13,
  /** Partition centroids: P × D float32. */
  CENTROIDS: 14,
  /** Attribute dictionaries (categories, tags) as UTF-8 JSON. */
  ATTRIBUTE_DICTIONARIES: 15,
  /** External ids as UTF-8 strings: offsets (n + 1) × uint32 then the bytes. */
  EXTERNAL_IDS: 16,
  /** Per-partition vector counts: P × uint32. */
  PARTITION_SIZES: 17,
} as const;

export type SectionId = (typeof SectionId)[keyof typeof SectionId];

const names = new Map<number, string>(
  Object.entries(SectionId).map(([key, id]) => [
    id,
    key.toLowerCase().replace(/_([a-z])/g, (_, c) => c.toUpperCase()),
  ]),
);

/** `SectionId.KLT_MEAN` → `'kltMean'`: the name used in messages and in the manifest. */
export function sectionName(id: number): string {
  return names.get(id) ?? `section#${id}`;
}
