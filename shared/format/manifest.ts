import { z } from 'zod';
import { IndexFormatError } from '../errors/index.ts';
import { sealManifestJson, unsealManifestJson } from './manifest-seal.ts';

/**
 * `manifest.json`: everything a reader needs to plan its reads — shape, metric, schema, the global
 * attribute quantizer and, per object, its key, size, CRC32C and every section's offset, length and
 * CRC32C (so one section can be range-read without the object's header). Types are inferred from
 * the zod schema. Unknown fields are dropped on parse; add fields here before relying on them.
 *
 * The file also carries a SHA-256 checksum of its own content, checked before any field is trusted
 * (`manifest-seal.ts`): with the objects' CRC32Cs, every stored byte an answer depends on is checked.
 *
 * Index format versions (the manifest's `formatVersion`; binary objects keep their own layout
 * version, `OBJECT_LAYOUT_VERSION`, unchanged at 1):
 *  - 1: manifests without a checksum. Refused, with a message that says to rebuild: nothing could tell
 *    a damaged dictionary, quantizer cut or partition size from a real one, and a search engine that
 *    may answer wrongly without a word is worse than one that asks for a rebuild. A build into the
 *    same location publishes a version 2 index beside the old one.
 *  - 2: the manifest is sealed by its checksum, and `CURRENT` pins the manifest's SHA-256.
 */
export const FORMAT_VERSION = 2;
const u32 = z.number().int().min(0).max(0xffffffff);
const size = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const sectionRefSchema = z.object({ offset: size, length: size, crc32c: u32 });

export const objectRefSchema = z.object({
  key: z.string().min(1),
  bytes: size,
  crc32c: u32,
  /** By section name (`sectionName(id)`). */
  sections: z.record(z.string(), sectionRefSchema),
});

export const partitionRefSchema = objectRefSchema.extend({ count: size });

export const manifestSchema = z
  .object({
    format: z.literal('squash-index'),
    formatVersion: z.literal(FORMAT_VERSION),
    version: z.number().int().positive(),
    createdAt: z.iso.datetime(),
    /** Vectors in the index. */
    count: z.number().int().positive(),
    /** Dimension of the input (and query) vectors. */
    dim: z.number().int().positive(),
    /** Dimension of the vectors as stored (dim + 1 for `dot`). */
    storedDim: z.number().int().positive(),
    metric: z.enum(['l2', 'cosine', 'dot']),
    /** Largest base-vector norm (`dot` only; 0 otherwise). */
    maxNorm: z.number().nonnegative(),
    bitsPerVector: z.number().int().positive(),
    partitions: z.number().int().positive(),
    /** Validated by its owner, `shared/attributes`. */
    schema: z.object({
      attributes: z.array(z.object({ name: z.string().min(1), kind: z.string().min(1) })),
    }),
    /** `AttributeQuantizer.toJSON()`, or null without attributes; validated by its owner. */
    attributeQuantizer: z.unknown(),
    /** One sorted dictionary per attribute (`[]` for numbers); validated by `shared/attributes`. */
    attributeDictionaries: z.array(z.array(z.string())),
    objects: z.object({
      centroids: objectRefSchema,
      attributes: objectRefSchema,
      partitions: z.array(partitionRefSchema),
      /** Present when the build input carried ids. */
      externalIds: objectRefSchema.optional(),
    }),
    /** How external ids read back: strings, or integers. Absent when the input carried none. */
    externalIdKind: z.enum(['string', 'integer']).optional(),
    /**
     * The last write-log sequence folded into this version by a compaction (docs/writes.md); readers
     * apply the log objects after it. Absent in a version built from input: nothing folded (0).
     */
    logThrough: z.number().int().positive().optional(),
    build: z.looseObject({
      seed: z.number().int(),
      bitsPerDim: z.number().positive(),
      kmeansIterations: z.number().int().nonnegative(),
    }),
  })
  .superRefine((manifest, context) => {
    const issue = (path: (string | number)[], message: string) =>
      context.addIssue({ code: 'custom', path, message });
    const { partitions } = manifest.objects;
    if (partitions.length !== manifest.partitions) {
      issue(
        ['objects', 'partitions'],
        `lists ${partitions.length} partitions; expected ${manifest.partitions}`,
      );
    }
    const total = partitions.reduce((sum, partition) => sum + partition.count, 0);
    if (total !== manifest.count) {
      issue(['objects', 'partitions'], `partition counts sum to ${total}; expected count ${manifest.count}`);
    }
    if (manifest.storedDim < manifest.dim) {
      issue(['storedDim'], `is ${manifest.storedDim}; expected at least dim ${manifest.dim}`);
    }
    if (manifest.attributeDictionaries.length !== manifest.schema.attributes.length) {
      issue(
        ['attributeDictionaries'],
        `has ${manifest.attributeDictionaries.length} dictionaries; expected one per attribute (${manifest.schema.attributes.length})`,
      );
    }
    const names = new Set<string>();
    manifest.schema.attributes.forEach(({ name }, i) => {
      if (names.has(name)) issue(['schema', 'attributes', i, 'name'], `"${name}" is declared twice`);
      names.add(name);
    });
    const refs: [(string | number)[], z.infer<typeof objectRefSchema>][] = [
      [['objects', 'centroids'], manifest.objects.centroids],
      [['objects', 'attributes'], manifest.objects.attributes],
      ...partitions.map((ref, p): [(string | number)[], typeof ref] => [['objects', 'partitions', p], ref]),
      ...(manifest.objects.externalIds
        ? [
            [['objects', 'externalIds'], manifest.objects.externalIds] as [
              (string | number)[],
              z.infer<typeof objectRefSchema>,
            ],
          ]
        : []),
    ];
    if ((manifest.objects.externalIds === undefined) !== (manifest.externalIdKind === undefined)) {
      issue(['externalIdKind'], 'must be given exactly when objects.externalIds is');
    }
    for (const [path, ref] of refs) {
      for (const [name, section] of Object.entries(ref.sections)) {
        if (section.offset + section.length > ref.bytes) {
          issue(
            [...path, 'sections', name],
            `needs bytes ${section.offset}..${section.offset + section.length} of a ${ref.bytes}-byte object`,
          );
        }
      }
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ObjectRef = z.infer<typeof objectRefSchema>;
export type PartitionRef = z.infer<typeof partitionRefSchema>;
export type SectionRef = z.infer<typeof sectionRefSchema>;

/** Validates a parsed `manifest.json`; `what` (its key) names it in messages. */
export function parseManifest(json: unknown, what: string): Manifest {
  checkFormat(json, what);
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 3)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
  const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : '';
  throw new IndexFormatError(`manifest \`${what}\` is invalid: ${problems}${more}`);
}

/** An object whose `format` and `formatVersion` this build reads. */
function checkFormat(json: unknown, what: string): asserts json is Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new IndexFormatError(`manifest \`${what}\` is ${describe(json)}; expected a JSON object`);
  }
  const { format, formatVersion } = json as Record<string, unknown>;
  if (format !== 'squash-index') {
    throw new IndexFormatError(
      `\`${what}\` is not a squash index manifest (format ${JSON.stringify(format) ?? 'missing'}; expected "squash-index")`,
    );
  }
  if (formatVersion === 1) {
    throw new IndexFormatError(
      `\`${what}\` has format version 1, whose manifest carries no checksum (its dictionaries, schema and ` +
        `quantizer cannot be verified); this build reads format version ${FORMAT_VERSION}: rebuild the index ` +
        '(`squash build` into the same location publishes the next version)',
    );
  }
  if (typeof formatVersion === 'number' && formatVersion !== FORMAT_VERSION) {
    throw new IndexFormatError(
      `\`${what}\` has format version ${formatVersion}; this build reads ${FORMAT_VERSION}`,
    );
  }
}

/**
 * Bytes of `manifest.json` → a validated manifest: format and version first (so an old index gets the
 * message about its version), then the checksum and byte-exact form, then every field.
 */
export function decodeManifest(bytes: Uint8Array, what: string): Manifest {
  let text: string;
  let json: unknown;
  try {
    // ignoreBOM keeps a byte-order mark in the text, where JSON.parse refuses it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    json = JSON.parse(text);
  } catch (error) {
    throw new IndexFormatError(`manifest \`${what}\` is not valid UTF-8 JSON: ${(error as Error).message}`);
  }
  checkFormat(json, what);
  return parseManifest(unsealManifestJson(text, json, what), what);
}

/** A manifest → the bytes of `manifest.json` with its checksum, validated first so a builder bug cannot publish it. */
export function encodeManifest(manifest: Manifest): Uint8Array {
  const checked = parseManifest(manifest, `v${manifest.version}/manifest.json (being written)`);
  return sealManifestJson(checked);
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
