/**
 * One query's answer as it travels up the allocator tree and out of the Function URL: hits in the
 * index's metric (`shared/metric.ts` reported distances), ascending, with the executor's per-query stats.
 */
import { z } from 'zod';
import { positionSchema } from './fields.ts';

const count = z.number().int().nonnegative();

export const attributeValueSchema = z.union([z.number(), z.string(), z.array(z.string())]);

export const hitSchema = z.strictObject({
  /** Global ordinal (the row of the build input). */
  id: count,
  distance: z.number(),
  attributes: z.record(z.string(), attributeValueSchema).optional(),
});

export const queryStatsSchema = z.strictObject({
  plan: z.enum(['exact', 'approximate']),
  partitionsVisited: count,
  rounds: count,
  matchesEstimated: count,
  vectorsScanned: count,
  missingPartitions: z.array(count),
});

export const queryResultSchema = z.strictObject({
  /** The query's position in the coordinator's batch. */
  position: positionSchema,
  hits: z.array(hitSchema),
  stats: queryStatsSchema,
});

export type WireHit = z.infer<typeof hitSchema>;
export type WireQueryStats = z.infer<typeof queryStatsSchema>;
export type WireQueryResult = z.infer<typeof queryResultSchema>;
