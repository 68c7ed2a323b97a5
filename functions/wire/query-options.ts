/**
 * Query options as they travel between functions: resolved (every default applied by the coordinator),
 * so an allocator or processor never applies a default of its own and all hops agree.
 */
import { z } from 'zod';

export const resolvedOptionsSchema = z.strictObject({
  /** Visit partitions within this factor of the nearest centroid distance. */
  partitionFactor: z.number().min(1),
  /** Selection adds partitions until they hold matchesFactor·k quantized filter matches. */
  matchesFactor: z.number().min(1).max(1000),
  /** Exact re-rank depth R. */
  rerank: z.number().int().min(1).max(100),
  /** Hamming pruning keeps this share of the candidates, in percent (100 = off). */
  hammingKeepPercent: z.number().gt(0).max(100),
  /** Leading KLT dimensions used for pruning and lower bounds. */
  pruningDims: z.number().int().min(1).max(65_536),
  /** Scan every partition with matches and return the true top-k. */
  exact: z.boolean(),
  /** Return each hit's attributes. */
  includeAttributes: z.boolean(),
  /**
   * Answer without partitions that failed: then a query with a missing partition may still run a
   * further round (`shared/search/query-executor.ts`); otherwise it stops and the coordinator fails.
   */
  allowPartial: z.boolean(),
});

export type ResolvedOptions = z.infer<typeof resolvedOptionsSchema>;

/** The options a processor needs (the rest only steer the allocator). */
export const partitionOptionsSchema = resolvedOptionsSchema.pick({
  rerank: true,
  hammingKeepPercent: true,
  pruningDims: true,
  includeAttributes: true,
});

export type PartitionOptions = z.infer<typeof partitionOptionsSchema>;
