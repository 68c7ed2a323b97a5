/**
 * The public `POST /search` body (DESIGN §4):
 * `{ index, k, queries: [{ vector | vectorBase64, filter? }], options? }`. Shape only: dimensions,
 * finiteness and filters are checked against the index in `prepare-queries.ts`. Unknown fields are
 * rejected, so a misspelt option cannot be silently ignored.
 *
 * Design decision: `options.strict` (fail instead of answering partially, off by default) was replaced
 * by `options.allowPartial` (answer partially instead of failing, off by default). `strict` is rejected
 * with a 400 that names `allowPartial`, not kept as an alias: `strict: false` used to mean "partial
 * answers are fine", and silently honouring it would hand partial answers to callers that were written
 * before they had to check `complete`; ignoring it would change its meaning without a word.
 */
import { z } from 'zod';
import {
  acceptedValues,
  maxAllocatorsSchema,
  queryOptionDefaults,
  queryOptionsSchema,
} from '../../shared/api/query-options.ts';
import { indexNameSchema, kSchema } from '../wire/fields.ts';
import type { ResolvedOptions } from '../wire/query-options.ts';

/**
 * JSON numbers, checked in one pass that reports only the FIRST element that is not a number: zod's
 * `z.array(z.number())` builds one issue per bad element, and a 6 MB body of a million strings cost
 * seconds, hundreds of MB and a stack overflow (500) before this (issue 9).
 */
export const numberArraySchema = z
  .array(z.unknown())
  .min(1, 'must not be empty')
  .superRefine((values, context) => {
    const bad = values.findIndex((value) => typeof value !== 'number');
    if (bad < 0) return;
    const value = values[bad];
    const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    context.addIssue({
      code: 'custom',
      path: [bad],
      message: `Invalid input: expected number, received ${received}`,
    });
  })
  .meta({ items: { type: 'number' } })
  .transform((values) => values as number[]);

export const publicQuerySchema = z
  .strictObject({
    vector: numberArraySchema.optional().describe('The query vector as JSON numbers.'),
    vectorBase64: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('The query vector as standard base64 of little-endian float32 values.'),
    filter: z
      .unknown()
      .optional()
      .describe(
        'A Mongo-style filter over the index attributes ($eq $ne $gt $gte $lt $lte $in $nin $exists $and ' +
          '$or $not; fields at one level are ANDed, a bare value means $eq). Absent or null matches everything.',
      ),
  })
  .refine((query) => (query.vector === undefined) !== (query.vectorBase64 === undefined), {
    error: 'give exactly one of `vector` (JSON numbers) or `vectorBase64` (little-endian float32)',
  })
  .describe('One query: exactly one of `vector` or `vectorBase64`, and an optional filter.');

const { rerank, ...resolvedWithDefaults } = queryOptionsSchema.shape;

/**
 * The request's options: the query options of `shared/api/query-options.ts` (bounds, defaults and
 * documentation live there; an absent option takes its default when parsed), `rerank: true` for the
 * default depth, the request-only `maxAllocators`, and the removed `strict`.
 */
export const publicOptionsSchema = z.strictObject({
  ...resolvedWithDefaults,
  rerank: z
    .union([rerank.unwrap(), z.literal(true)], {
      error: `must be ${acceptedValues(rerank.unwrap())} (the re-rank depth R) or true for the default`,
    })
    .describe(`${rerank.unwrap().description} \`true\` means the default.`)
    .default(queryOptionDefaults.rerank),
  maxAllocators: maxAllocatorsSchema.optional(),
  /** Removed: searches are complete or fail by default; see `allowPartial`. */
  strict: z
    .never({
      error:
        'was removed: a search now fails with 502/504 naming the failed partitions unless partial answers are allowed; ' +
        'send `allowPartial: true` to accept partial answers, or leave both out for complete-or-fail',
    })
    .optional()
    .describe(
      'Removed: a search is complete or fails unless `allowPartial` is true; sending `strict` is a 400.',
    ),
});

export const searchRequestSchema = z.strictObject({
  index: indexNameSchema,
  k: kSchema,
  queries: z.array(publicQuerySchema).min(1, 'must hold at least one query'),
  options: publicOptionsSchema.optional(),
});

export type PublicQuery = z.infer<typeof publicQuerySchema>;
/** The options a caller may send (every one optional). */
export type PublicOptions = z.input<typeof publicOptionsSchema>;
export type SearchRequest = z.infer<typeof searchRequestSchema>;

/** The options every function of the search receives: defaults applied, `rerank: true` resolved. */
export function resolveOptions(
  options: z.output<typeof publicOptionsSchema> = publicOptionsSchema.parse({}),
): ResolvedOptions {
  const { maxAllocators: _, strict: __, rerank: depth, ...rest } = options;
  return { ...rest, rerank: depth === true ? queryOptionDefaults.rerank : depth };
}
