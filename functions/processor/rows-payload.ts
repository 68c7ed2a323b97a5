/**
 * The processor's second request: a filter's matching rows (`kind: "rows"`). The allocator asks each
 * processor function once for the rows of its partitions that a selective filter matches EXACTLY at the
 * snapshot (hidden base rows left out, log rows in), and answers the exact plan of every query with
 * that filter itself (`functions/tree/remote-matching.ts`). Response: per partition, in request order,
 * the rows' global ordinals, their vectors (prepared space, the index's own coordinate order, base64 of
 * little-endian float32, row after row) and, when asked, their attributes.
 */
import { z } from 'zod';
import { indexNameSchema, sequenceSchema, versionSchema } from '../wire/fields.ts';
import { attributeValueSchema } from '../wire/query-result.ts';

const count = z.number().int().nonnegative();

export const rowsPayloadSchema = z.strictObject({
  kind: z.literal('rows'),
  index: indexNameSchema,
  version: versionSchema,
  sequence: sequenceSchema,
  /** DESIGN §4 filter JSON, as the client wrote it; a filter that matches everything is refused. */
  filter: z.unknown(),
  partitions: z.array(count).min(1, 'must name at least one partition'),
  includeAttributes: z.boolean(),
});

export const partitionRowsSchema = z.strictObject({
  partition: count,
  /** True when the partition had to be loaded from the store (not in this container's cache). */
  cold: z.boolean(),
  /** Bytes this part read from the store (the first part also counts opening the index). */
  bytesFetched: count,
  /** Global ordinals of the matching rows. */
  ids: z.array(count),
  /** ids.length × dim float32, row after row, coordinates in the index's prepared order. */
  vectorsBase64: z.string(),
  /** Present when asked: each row's attributes, parallel to `ids`. */
  attributes: z.array(z.record(z.string(), attributeValueSchema)).optional(),
});

export const rowsResponseSchema = z.strictObject({
  containerStart: z.boolean(),
  ms: z.number().nonnegative(),
  /** One per requested partition, in request order. */
  parts: z.array(partitionRowsSchema),
});

export type RowsPayload = z.infer<typeof rowsPayloadSchema>;
export type PartitionRows = z.infer<typeof partitionRowsSchema>;
export type RowsResponse = z.infer<typeof rowsResponseSchema>;

/** Whether a processor event asks for rows (it is then validated against `rowsPayloadSchema`). */
export function isRowsRequest(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { kind?: unknown }).kind === 'rows';
}
