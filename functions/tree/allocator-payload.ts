/**
 * The allocator's wire format. Every tree node is an invocation of the allocator function; its request
 * carries the queries of its whole subtree (a contiguous run of batch positions, see
 * `shared/plan/invocation-tree.ts`), the tree's shape and its own place in it, so it can serve its own
 * slice and forward each child its sub-range. Vectors are metric-prepared, base64 float32; options are
 * resolved. The response carries one result per subtree query (reported distances) and the subtree's
 * summed cost.
 */
import { z } from 'zod';
import { indexNameSchema, kSchema, positionSchema, sequenceSchema, versionSchema } from '../wire/fields.ts';
import { pathStatsSchema } from '../wire/path-stats.ts';
import { resolvedOptionsSchema } from '../wire/query-options.ts';
import { queryResultSchema } from '../wire/query-result.ts';

export const allocatorQuerySchema = z.strictObject({
  /** Position in the coordinator's batch. */
  position: positionSchema,
  /** The metric-prepared query vector (stored dimension), base64 of little-endian float32. */
  vectorBase64: z.string(),
  /** DESIGN §4 filter JSON, already validated by the coordinator; null matches everything. */
  filter: z.unknown(),
});

export const allocatorPayloadSchema = z.strictObject({
  index: indexNameSchema,
  version: versionSchema,
  /** The snapshot's log sequence: every node and processor of the tree applies the log through it. */
  sequence: sequenceSchema,
  k: kSchema,
  options: resolvedOptionsSchema,
  tree: z.strictObject({
    branching: z.number().int().min(1).max(64),
    depth: z.number().int().min(1).max(8),
  }),
  node: z.strictObject({ id: z.number().int().nonnegative(), level: z.number().int().min(1) }),
  /** Queries in the coordinator's whole batch (the tree slices positions 0..batchSize−1). */
  batchSize: z.number().int().min(1),
  /** Epoch ms by which the caller needs the answer. */
  deadline: z.number().int().positive(),
  queries: z.array(allocatorQuerySchema).min(1, 'must hold at least one query'),
});

export const allocatorResponseSchema = z.strictObject({
  /** One per query of the subtree, in position order. */
  results: z.array(queryResultSchema),
  stats: pathStatsSchema,
});

export type AllocatorQuery = z.infer<typeof allocatorQuerySchema>;
export type AllocatorPayload = z.infer<typeof allocatorPayloadSchema>;
export type AllocatorResponse = z.infer<typeof allocatorResponseSchema>;
