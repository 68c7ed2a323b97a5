/**
 * The partition object (DESIGN §3 "Storage format"): the OSQ codec, codes, attribute codes, raw
 * attributes, ids and, last, the full-precision vectors, as sections of one index object. Encoding is
 * used by the build; decoding by processors, from sections fetched by byte range.
 */
import { type AttributeDictionaries, type AttributeSchema, AttributeTable } from '../attributes/index.ts';
import { IndexFormatError } from '../errors/index.ts';
import { bytesOf, f32View, f64View, ObjectKind, SectionId, u32View, writeObject } from '../format/index.ts';
import { binaryCodeBytes, type OsqEncoded, type OsqQuantizer, osqLayout } from '../quantize/index.ts';
import { permuteRows, varianceOrder } from '../search/coordinate-order.ts';
import type { PartitionData } from '../search/partition-data.ts';

export interface PartitionContents {
  readonly partition: number;
  /** Global ordinals of the partition's rows, ascending. */
  readonly rows: Uint32Array;
  /** The rows' prepared vectors, row-major. */
  readonly vectors: Float32Array;
  readonly dim: number;
  readonly quantizer: OsqQuantizer;
  /** The rows' OSQ and sign codes from `quantizer`. */
  readonly codes: OsqEncoded;
  /** Attribute-major codes of the rows. */
  readonly attributeCodes: Uint8Array;
  readonly attributes: AttributeTable;
}

/** Sections a processor needs before re-ranking: everything but the vectors (one range GET). */
export const searchSections = [
  SectionId.KLT_MEAN,
  SectionId.KLT_COMPONENTS,
  SectionId.KLT_EIGENVALUES,
  SectionId.BITS,
  SectionId.BOUNDARY_OFFSETS,
  SectionId.BOUNDARIES,
  SectionId.OSQ_CODES,
  SectionId.BINARY_CODES,
  SectionId.ATTRIBUTE_CODES,
  SectionId.RAW_ATTRIBUTES,
  SectionId.IDS,
] as const;

export function encodePartition(contents: PartitionContents): Uint8Array {
  const { klt, bits, boundaries, boundaryOffsets } = contents.quantizer.params;
  const { osq, binary } = contents.codes;
  return writeObject(ObjectKind.PARTITION, [
    { id: SectionId.KLT_MEAN, bytes: bytesOf(klt.mean) },
    { id: SectionId.KLT_COMPONENTS, bytes: bytesOf(klt.components) },
    { id: SectionId.KLT_EIGENVALUES, bytes: bytesOf(klt.eigenvalues) },
    { id: SectionId.BITS, bytes: bits },
    { id: SectionId.BOUNDARY_OFFSETS, bytes: bytesOf(boundaryOffsets) },
    { id: SectionId.BOUNDARIES, bytes: bytesOf(boundaries) },
    { id: SectionId.OSQ_CODES, bytes: osq },
    { id: SectionId.BINARY_CODES, bytes: binary },
    { id: SectionId.ATTRIBUTE_CODES, bytes: contents.attributeCodes },
    { id: SectionId.RAW_ATTRIBUTES, bytes: contents.attributes.encode() },
    { id: SectionId.IDS, bytes: bytesOf(contents.rows) },
    { id: SectionId.VECTORS, bytes: bytesOf(contents.vectors) },
  ]);
}

export interface PartitionContext {
  readonly partition: number;
  readonly count: number;
  readonly dim: number;
  readonly schema: AttributeSchema;
  readonly dictionaries: AttributeDictionaries;
  /** The object's key, for messages. */
  readonly key: string;
}

/** Builds a partition from its CRC-checked sections (`searchSections` plus VECTORS). */
export function decodePartition(
  sections: ReadonlyMap<number, Uint8Array>,
  context: PartitionContext,
): PartitionData {
  const { count, dim, key } = context;
  const section = (id: number, name: string, expectedBytes?: number): Uint8Array => {
    const bytes = sections.get(id);
    if (!bytes) throw new IndexFormatError(`\`${key}\` is missing its ${name} section`);
    if (expectedBytes !== undefined && bytes.byteLength !== expectedBytes) {
      throw new IndexFormatError(
        `\`${key}\` ${name} section has ${bytes.byteLength} bytes; expected ${expectedBytes} for ${count} × ${dim}`,
      );
    }
    return bytes;
  };
  const bits = section(SectionId.BITS, 'bits', dim);
  const layout = osqLayout(bits);
  const binaryBytes = binaryCodeBytes(dim);
  const attributeCount = context.schema.attributes.length;
  const raw = section(SectionId.RAW_ATTRIBUTES, 'raw attributes');
  const attributes = AttributeTable.decode(raw, context.schema, context.dictionaries);
  if (attributes.count !== count) {
    throw new IndexFormatError(`\`${key}\` raw attributes hold ${attributes.count} rows; expected ${count}`);
  }
  const stored = f32View(section(SectionId.VECTORS, 'vectors', count * dim * 4), key);
  const coordinateOrder = varianceOrder(stored, count, dim);
  return {
    partition: context.partition,
    count,
    dim,
    osq: {
      klt: {
        dim,
        mean: f32View(section(SectionId.KLT_MEAN, 'KLT mean', dim * 4), key),
        components: f32View(section(SectionId.KLT_COMPONENTS, 'KLT components', dim * dim * 4), key),
        eigenvalues: f64View(section(SectionId.KLT_EIGENVALUES, 'KLT eigenvalues', dim * 8), key),
      },
      bits,
      boundaryOffsets: u32View(section(SectionId.BOUNDARY_OFFSETS, 'boundary offsets', (dim + 1) * 4), key),
      boundaries: f32View(section(SectionId.BOUNDARIES, 'boundaries'), key),
    },
    layout,
    osqCodes: section(SectionId.OSQ_CODES, 'OSQ codes', layout.segments * count),
    binaryCodes: section(SectionId.BINARY_CODES, 'binary codes', binaryBytes * count),
    binaryBytes,
    attributeCodes: section(SectionId.ATTRIBUTE_CODES, 'attribute codes', attributeCount * count),
    attributes,
    ids: u32View(section(SectionId.IDS, 'ids', count * 4), key),
    vectors: permuteRows(stored, count, coordinateOrder),
    coordinateOrder,
  };
}
