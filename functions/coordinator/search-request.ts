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
import { defaultQueryOptions } from '../../shared/search/query-executor.ts';
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
  .transform((values) => values as number[]);

export const publicQuerySchema = z
  .strictObject({
    /** The query vector as JSON numbers. */
    vector: numberArraySchema.optional(),
    /** The query vector as base64 of little-endian float32 values. */
    vectorBase64: z.string().min(1, 'must not be empty').optional(),
    /** DESIGN §4 filter; absent or null matches everything. */
    filter: z.unknown().optional(),
  })
  .refine((query) => (query.vector === undefined) !== (query.vectorBase64 === undefined), {
    error: 'give exactly one of `vector` (JSON numbers) or `vectorBase64` (little-endian float32)',
  });

export const publicOptionsSchema = z.strictObject({
  /**
   * Exact re-rank depth R (R·k rows per partition are re-ranked exactly); `true` means the default.
   * @default 4
   */
  rerank: z
    .union([z.number().int().min(1).max(100), z.literal(true)], {
      error: 'must be an integer in 1..100 (the re-rank depth R) or true for the default',
    })
    .optional(),
  /** Visit partitions within this factor of the nearest centroid distance. @default 1.2 */
  partitionFactor: z.number().min(1, 'must be at least 1').max(1000, 'must be at most 1000').optional(),
  /**
   * Partition selection adds partitions (in centroid order) until they hold matchesFactor·k quantized
   * filter matches; higher finds more filtered neighbours for more partitions visited. @default 10
   */
  matchesFactor: z.number().min(1, 'must be at least 1').max(1000, 'must be at most 1000').optional(),
  /** Share of candidates kept by Hamming pruning, in percent; 100 turns pruning off. @default 100 */
  hammingKeepPercent: z.number().gt(0, 'must be above 0').max(100, 'must be at most 100').optional(),
  /** Leading KLT dimensions used for pruning and lower bounds. @default 32 */
  pruningDims: z.number().int().min(1, 'must be at least 1').max(65_536).optional(),
  /** Return each hit's attributes. @default false */
  includeAttributes: z.boolean().optional(),
  /** Scan every partition with matches and return the true top-k. @default false */
  exact: z.boolean().optional(),
  /**
   * Most allocator invocations for this request (0 runs the allocator step in the coordinator). The
   * tree is the deployed one (b, l) shrunk to fit. @default sized by the allocator work (see
   * `ALLOCATOR_WORK_TARGET`), in-process below two allocators' worth
   */
  maxAllocators: z.number().int().min(0, 'must be at least 0').max(100_000).optional(),
  /**
   * Answer even when partitions could not be searched (after retries): the response then says
   * `complete: false`, names them in `stats.missingPartitions` (and per query) and carries the header
   * `X-Squash-Partial: true`. Without it such a search fails with 502, or 504 when a timeout caused it.
   * @default false
   */
  allowPartial: z.boolean().optional(),
  /** Removed: searches are complete or fail by default; see `allowPartial`. */
  strict: z
    .never({
      error:
        'was removed: a search now fails with 502/504 naming the failed partitions unless partial answers are allowed; ' +
        'send `allowPartial: true` to accept partial answers, or leave both out for complete-or-fail',
    })
    .optional(),
});

export const searchRequestSchema = z.strictObject({
  index: indexNameSchema,
  k: kSchema,
  queries: z.array(publicQuerySchema).min(1, 'must hold at least one query'),
  options: publicOptionsSchema.optional(),
});

export type PublicQuery = z.infer<typeof publicQuerySchema>;
export type PublicOptions = z.infer<typeof publicOptionsSchema>;
export type SearchRequest = z.infer<typeof searchRequestSchema>;

export function resolveOptions(options: PublicOptions = {}): ResolvedOptions {
  return {
    partitionFactor: options.partitionFactor ?? defaultQueryOptions.partitionFactor,
    matchesFactor: options.matchesFactor ?? defaultQueryOptions.matchesFactor,
    rerank:
      options.rerank === undefined || options.rerank === true ? defaultQueryOptions.rerank : options.rerank,
    hammingKeepPercent: options.hammingKeepPercent ?? defaultQueryOptions.hammingKeepPercent,
    pruningDims: options.pruningDims ?? defaultQueryOptions.pruningDims ?? 32,
    exact: options.exact ?? defaultQueryOptions.exact,
    includeAttributes: options.includeAttributes ?? false,
    allowPartial: options.allowPartial ?? false,
  };
}
