/**
 * The plan of a staged build (docs/build.md): everything its tasks need to agree on, written once to
 * the work location as `plan.json` before any task runs, so that a task in another process (a Lambda
 * function) or a resumed run reads the same decisions.
 */
import { z } from 'zod';
import { metrics } from '../metric.ts';

export const buildPlanSchema = z.strictObject({
  buildId: z.string().min(1),
  /** Where the index goes: a directory or s3://bucket/prefix. */
  index: z.string().min(1),
  source: z.strictObject({ location: z.string().min(1), vectorColumn: z.string().optional() }),
  count: z.number().int().positive(),
  dim: z.number().int().positive(),
  metric: z.enum(metrics as ['l2', 'cosine', 'dot']),
  partitions: z.number().int().positive(),
  bitsPerDim: z.number().positive(),
  seed: z.number().int(),
  kmeansIterations: z.number().int().positive(),
  /** Rows k-means trains on; `count` when it trains on every row. */
  sampleSize: z.number().int().positive(),
  /** The input is split into this many chunks of ⌊c·count/chunks⌋ … rows. */
  chunks: z.number().int().positive(),
  /** The version this build writes (claimed under v<version>/build.json). */
  version: z.number().int().positive(),
  previous: z.strictObject({ version: z.number().int().positive(), etag: z.string() }).optional(),
  /** Whether the driver wrote attribute slices (work `attributes/`). */
  attributes: z.boolean(),
});

export type BuildPlan = z.infer<typeof buildPlanSchema>;

/** Rows [start, end) of chunk `c`: chunk sizes differ by at most one row. */
export function chunkRange(
  plan: Pick<BuildPlan, 'count' | 'chunks'>,
  c: number,
): { start: number; end: number } {
  return {
    start: Math.floor((c * plan.count) / plan.chunks),
    end: Math.floor(((c + 1) * plan.count) / plan.chunks),
  };
}

/** Keys under the work location. */
export const workKeys = {
  plan: 'plan.json',
  sample: (chunk: number) => `sample/${chunk}.bin`,
  centroids: 'centroids.bin',
  shard: (chunk: number) => `shards/${chunk}.bin`,
  shardCounts: 'shard-counts.json',
  attributeSchema: 'attributes/schema.json',
  attributeSlice: (partition: number) => `attributes/${partition}.bin`,
  result: (task: string) => `results/${task}.json`,
} as const;
