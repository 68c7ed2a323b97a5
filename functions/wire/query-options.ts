/**
 * Query options as they travel between functions: resolved (every default applied by the coordinator),
 * so an allocator or processor never applies a default of its own and all hops agree. The fields, their
 * bounds and documentation are those of `shared/api/query-options.ts`, required and without defaults.
 *
 * `allowPartial` on the wire: answer without partitions that failed; then a query with a missing
 * partition may still run a further round (`shared/search/query-executor.ts`); otherwise it stops and the
 * coordinator fails.
 */
import type { z } from 'zod';
import { resolvedQueryOptionsSchema } from '../../shared/api/query-options.ts';

export const resolvedOptionsSchema = resolvedQueryOptionsSchema;

export type ResolvedOptions = z.infer<typeof resolvedOptionsSchema>;

/** The options a processor needs (the rest only steer the allocator). */
export const partitionOptionsSchema = resolvedOptionsSchema.pick({
  rerank: true,
  hammingKeepPercent: true,
  pruningDims: true,
  includeAttributes: true,
});

export type PartitionOptions = z.infer<typeof partitionOptionsSchema>;
