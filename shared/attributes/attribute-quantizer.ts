/**
 * The GLOBAL attribute quantizer: one byte per row and attribute, trained once over all rows and
 * stored in the manifest. Codes are ATTRIBUTE-MAJOR (A × n: attribute a's n codes are contiguous), so a
 * filter reads one contiguous run per attribute it tests.
 * - number: ≤ 255 cells (`number-cells.ts`); 255 = missing.
 * - category: the dictionary code when the dictionary has ≤ 255 entries (exact); otherwise a bucket
 *   0..254 from `balanced-buckets.ts`, a cell then standing for a set of values; 255 = missing.
 * - tags: an 8-bit mask, bit b set when one of the row's tags falls in bucket b. With ≤ 8 tags in the
 *   dictionary bucket = tag code (exact); otherwise balanced buckets. A row without tags (missing) has
 *   mask 0, and only such a row has mask 0.
 */
import { z } from 'zod';
import { IndexFormatError, InvalidInputError } from '../errors/index.ts';
import type { AttributeTable } from './attribute-table.ts';
import { balancedBuckets } from './balanced-buckets.ts';
import {
  MAX_CELLS,
  MAX_POINT_VALUES,
  type NumberCells,
  numberCode,
  trainNumberCells,
} from './number-cells.ts';
import { type AttributeSchema, sameSchema } from './schema.ts';

/** The code of a missing number or category value. */
export const MISSING_CODE = 255;
/** Category cells (codes 0..254). */
export const CATEGORY_BUCKETS = 255;
/** Tag buckets: the bits of one byte. */
export const TAG_BUCKETS = 8;

export type QuantizedAttribute =
  | { readonly kind: 'number'; readonly name: string; readonly cells: NumberCells }
  | {
      readonly kind: 'category' | 'tags';
      readonly name: string;
      /** Dictionary size the quantizer was trained with. */
      readonly size: number;
      /** Dictionary code → bucket, or null when bucket = code (small dictionaries). */
      readonly buckets: Uint8Array | null;
    };

const nameSchema = z.string().min(1);
const dictionarySizeSchema = z.number().int().nonnegative();
const quantizerJsonSchema = z.strictObject({
  version: z.literal(1),
  attributes: z.array(
    z.discriminatedUnion('kind', [
      z.strictObject({
        name: nameSchema,
        kind: z.literal('number'),
        points: z.boolean(),
        cuts: z.array(z.number()),
      }),
      z.strictObject({
        name: nameSchema,
        kind: z.literal('category'),
        size: dictionarySizeSchema,
        buckets: z.base64().optional(),
      }),
      z.strictObject({
        name: nameSchema,
        kind: z.literal('tags'),
        size: dictionarySizeSchema,
        buckets: z.base64().optional(),
      }),
    ]),
  ),
});

/** The quantizer as stored in the manifest: cut values as numbers, bucket maps as base64 bytes. */
export type AttributeQuantizerJson = z.infer<typeof quantizerJsonSchema>;

export class AttributeQuantizer {
  constructor(
    readonly schema: AttributeSchema,
    readonly attributes: readonly QuantizedAttribute[],
  ) {}

  static train(table: AttributeTable): AttributeQuantizer {
    const attributes = table.columns.map((column, a): QuantizedAttribute => {
      const name = table.schema.attributes[a]!.name;
      if (column.kind === 'number') return { kind: 'number', name, cells: trainNumberCells(column.values) };
      const size = column.dictionary.length;
      const limit = column.kind === 'category' ? CATEGORY_BUCKETS : TAG_BUCKETS;
      if (size <= limit) return { kind: column.kind, name, size, buckets: null };
      // Rows per value (for tags: rows holding the tag) — what a bucket's false positives are made of.
      const counts = new Uint32Array(size);
      for (let i = 0; i < column.codes.length; i++) {
        const code = column.codes[i]!;
        if (code >= 0) counts[code] = counts[code]! + 1;
      }
      return { kind: column.kind, name, size, buckets: balancedBuckets(counts, limit) };
    });
    return new AttributeQuantizer(table.schema, attributes);
  }

  /** Codes of every attribute, attribute-major: A × table.count bytes. */
  encode(table: AttributeTable): Uint8Array {
    if (!sameSchema(table.schema, this.schema)) {
      throw new InvalidInputError('attribute quantizer: the table has a different schema than the quantizer');
    }
    const n = table.count;
    const out = new Uint8Array(this.attributes.length * n);
    this.attributes.forEach((attribute, a) => {
      const codes = out.subarray(a * n, (a + 1) * n);
      const column = table.columns[a]!;
      if (attribute.kind === 'number' && column.kind === 'number') {
        for (let i = 0; i < n; i++) {
          const x = column.values[i]!;
          codes[i] = Number.isNaN(x) ? MISSING_CODE : numberCode(attribute.cells, x);
        }
        return;
      }
      if (attribute.kind === 'number' || column.kind === 'number') return; // kinds agree: same schema
      if (column.dictionary.length !== attribute.size) {
        throw new InvalidInputError(
          `attribute quantizer: \`${attribute.name}\` was trained on a dictionary of ${attribute.size} entries; the table's has ${column.dictionary.length}`,
        );
      }
      const buckets = attribute.buckets;
      if (column.kind === 'category') {
        for (let i = 0; i < n; i++) {
          const code = column.codes[i]!;
          codes[i] = code < 0 ? MISSING_CODE : buckets ? buckets[code]! : code;
        }
        return;
      }
      for (let i = 0; i < n; i++) {
        let mask = 0;
        for (let j = column.offsets[i]!; j < column.offsets[i + 1]!; j++) {
          const code = column.codes[j]!;
          mask |= 1 << (buckets ? buckets[code]! : code);
        }
        codes[i] = mask;
      }
    });
    return out;
  }

  toJSON(): AttributeQuantizerJson {
    return {
      version: 1,
      attributes: this.attributes.map((attribute) => {
        if (attribute.kind === 'number') {
          return {
            name: attribute.name,
            kind: 'number',
            points: attribute.cells.points,
            cuts: [...attribute.cells.cuts],
          };
        }
        const json = { name: attribute.name, kind: attribute.kind, size: attribute.size };
        return attribute.buckets
          ? { ...json, buckets: Buffer.from(attribute.buckets).toString('base64') }
          : json;
      }),
    };
  }

  /** Reads the manifest's quantizer; IndexFormatError when it is malformed or does not fit `schema`. */
  static fromJSON(json: unknown, schema: AttributeSchema): AttributeQuantizer {
    const parsed = quantizerJsonSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new IndexFormatError(
        `attribute quantizer: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
    }
    const stored = parsed.data.attributes;
    if (stored.length !== schema.attributes.length) {
      throw new IndexFormatError(
        `attribute quantizer: ${stored.length} attributes; the schema declares ${schema.attributes.length}`,
      );
    }
    const attributes = stored.map((entry, a): QuantizedAttribute => {
      const declared = schema.attributes[a]!;
      if (entry.name !== declared.name || entry.kind !== declared.kind) {
        throw new IndexFormatError(
          `attribute quantizer: attribute ${a} is \`${entry.name}\` (${entry.kind}); the schema declares \`${declared.name}\` (${declared.kind})`,
        );
      }
      if (entry.kind === 'number')
        return { kind: 'number', name: entry.name, cells: numberCellsFromJson(entry) };
      const limit = entry.kind === 'category' ? CATEGORY_BUCKETS : TAG_BUCKETS;
      if (entry.size <= limit) {
        if (entry.buckets !== undefined) {
          throw new IndexFormatError(
            `attribute quantizer: \`${entry.name}\` has a bucket map for ${entry.size} values; expected none up to ${limit}`,
          );
        }
        return { kind: entry.kind, name: entry.name, size: entry.size, buckets: null };
      }
      const buckets = new Uint8Array(Buffer.from(entry.buckets ?? '', 'base64'));
      if (buckets.length !== entry.size || buckets.some((bucket) => bucket >= limit)) {
        throw new IndexFormatError(
          `attribute quantizer: \`${entry.name}\` needs a bucket map of ${entry.size} bytes below ${limit}; received ${buckets.length} bytes`,
        );
      }
      return { kind: entry.kind, name: entry.name, size: entry.size, buckets };
    });
    return new AttributeQuantizer(schema, attributes);
  }
}

function numberCellsFromJson(entry: { name: string; points: boolean; cuts: number[] }): NumberCells {
  const cuts = Float64Array.from(entry.cuts);
  const limit = entry.points ? MAX_POINT_VALUES : MAX_CELLS;
  const ascending = cuts.every((x, i) => Number.isFinite(x) && (i === 0 || cuts[i - 1]! < x));
  if (!ascending || cuts.length > limit || (!entry.points && cuts.length === 0)) {
    throw new IndexFormatError(
      `attribute quantizer: \`${entry.name}\` needs ${entry.points ? `0..${limit}` : `1..${limit}`} strictly ascending finite cuts; received ${cuts.length}`,
    );
  }
  return { cuts, points: entry.points };
}
