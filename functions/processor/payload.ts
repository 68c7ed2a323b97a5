/**
 * The processor's wire format. Request: one index version, each query of the call once (its position in
 * the allocator's slice, prepared vector as base64 float32 and filter as the client wrote it), and a list
 * of parts, each a partition and the queries the allocator routes to it by position (with k and the
 * executor's mode). Usually one part; the allocator coalesces exact-plan calls for several partitions of
 * the same processor function into one (processor-searcher.ts), and a query visiting several of them
 * carries its vector once.
 * Response: per part, in request order, whether its partition had to be loaded and, per query in
 * request order, the partition's hits as parallel arrays of global ordinals and SQUARED distances in
 * the prepared space (the allocator merges by them), plus what the search did; per call, whether it
 * started a container and its wall time.
 */
import { z } from 'zod';
import { indexNameSchema, kSchema, positionSchema, sequenceSchema, versionSchema } from '../wire/fields.ts';
import { partitionOptionsSchema } from '../wire/query-options.ts';
import { attributeValueSchema } from '../wire/query-result.ts';

const count = z.number().int().nonnegative();

export const processorQuerySchema = z.strictObject({
  /** The query's position in the allocator's slice: the parts name it by this, results echo it. */
  position: positionSchema,
  /** The metric-prepared query vector (stored dimension), base64 of little-endian float32. */
  vectorBase64: z.string(),
  /** DESIGN §4 filter JSON; null or absent matches everything. */
  filter: z.unknown(),
});

/** One query's work in one partition. */
export const processorPartQuerySchema = z.strictObject({
  /** A position of the call's `queries`. */
  position: positionSchema,
  k: kSchema,
  mode: z.enum(['approximate', 'exact']),
});

export const processorPartSchema = z.strictObject({
  partition: count,
  queries: z.array(processorPartQuerySchema).min(1, 'must hold at least one query'),
});

export const processorPayloadSchema = z.strictObject({
  index: indexNameSchema,
  version: versionSchema,
  /** The snapshot's log sequence (see the allocator payload). */
  sequence: sequenceSchema,
  options: partitionOptionsSchema,
  /** Every query the parts name, once each. */
  queries: z.array(processorQuerySchema).min(1, 'must hold at least one query'),
  parts: z.array(processorPartSchema).min(1, 'must hold at least one part'),
});

export const processorResultSchema = z.strictObject({
  position: positionSchema,
  /** Global ordinals, ascending by (distance, id). */
  ids: z.array(count),
  /** Squared L2 distances in the prepared space, parallel to `ids`. */
  distances: z.array(z.number()),
  /** Present when `options.includeAttributes`: each hit's attributes, parallel to `ids`. */
  attributes: z.array(z.record(z.string(), attributeValueSchema)).optional(),
  /** Rows passing the quantized filter. */
  candidates: count,
  /** Rows whose exact distance was computed. */
  reranked: count,
  /** Every candidate was checked exactly. */
  exhausted: z.boolean(),
  plan: z.enum(['exact', 'approximate']),
});

export const processorPartResultSchema = z.strictObject({
  partition: count,
  /** True when the partition had to be loaded from the store (not in this container's cache). */
  cold: z.boolean(),
  /** Bytes this part read from the store (the first part also counts opening the index). */
  bytesFetched: count,
  /** One per query of the part, in request order. */
  results: z.array(processorResultSchema),
});

export const processorResponseSchema = z.strictObject({
  /** True when this was the first invocation of a new execution environment. */
  containerStart: z.boolean(),
  /** Wall time inside the handler, in ms. */
  ms: z.number().nonnegative(),
  /** One per part of the request, in request order. */
  parts: z.array(processorPartResultSchema),
});

export type ProcessorQuery = z.infer<typeof processorQuerySchema>;
export type ProcessorPartQuery = z.infer<typeof processorPartQuerySchema>;
export type ProcessorPart = z.infer<typeof processorPartSchema>;
export type ProcessorPayload = z.infer<typeof processorPayloadSchema>;
export type ProcessorResult = z.infer<typeof processorResultSchema>;
export type ProcessorPartResult = z.infer<typeof processorPartResultSchema>;
export type ProcessorResponse = z.infer<typeof processorResponseSchema>;
