/**
 * JSON bytes on each hop, after the wire formats: a query travels as `vectorBase64` (little-endian
 * float32, 4/3 expansion) with its filter; a result as `k` hits of at most HIT_JSON_BYTES plus its
 * envelope and stats (QUERY_RESULT_OVERHEAD_BYTES); a processor call adds an envelope, each part's and
 * each part-query's entry (`functions/tree/processor-searcher.ts`).
 */
import { HIT_JSON_BYTES, QUERY_RESULT_OVERHEAD_BYTES } from '../../functions/wire/payload-limits.ts';
import type { ModelConfiguration } from './configuration.ts';

/** `{"position":…,"vectorBase64":"…","filter":{…}},`: the JSON around the vector. */
const QUERY_ENVELOPE_BYTES = 48;
/** A one-condition filter such as `{"u":{"$lt":0.01}}`. */
const FILTER_BYTES = 24;
/** processor-searcher.ts: ENVELOPE_BYTES, PART_ENVELOPE_BYTES, PART_QUERY_BYTES. */
export const CALL_ENVELOPE_BYTES = 1024;
export const PART_ENVELOPE_BYTES = 128;
export const PART_QUERY_BYTES = 64;
/** A request's or allocator response's envelope and totals. */
const REQUEST_ENVELOPE_BYTES = 1024;

export function queryBytes(config: ModelConfiguration): number {
  const vector = 4 * Math.ceil((4 * config.dim) / 3);
  return QUERY_ENVELOPE_BYTES + vector + (config.selectivity < 1 ? FILTER_BYTES : 0);
}

export function resultBytes(config: ModelConfiguration): number {
  return QUERY_RESULT_OVERHEAD_BYTES + config.k * HIT_JSON_BYTES;
}

/** A search request or allocator payload carrying `queries` queries. */
export function queriesRequestBytes(config: ModelConfiguration, queries: number): number {
  return REQUEST_ENVELOPE_BYTES + queries * queryBytes(config);
}

/** A search response or allocator response answering `queries` queries. */
export function queriesResponseBytes(config: ModelConfiguration, queries: number): number {
  return REQUEST_ENVELOPE_BYTES + queries * resultBytes(config);
}

/** A processor call with `parts` partitions, `pairs` query entries over them and `queries` distinct queries. */
export function callRequestBytes(config: ModelConfiguration, parts: number, pairs: number, queries: number) {
  return (
    CALL_ENVELOPE_BYTES +
    parts * PART_ENVELOPE_BYTES +
    pairs * PART_QUERY_BYTES +
    queries * queryBytes(config)
  );
}

export function callResponseBytes(config: ModelConfiguration, parts: number, pairs: number): number {
  return CALL_ENVELOPE_BYTES + parts * PART_ENVELOPE_BYTES + pairs * resultBytes(config);
}
