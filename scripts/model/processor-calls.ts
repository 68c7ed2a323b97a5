/**
 * The processor calls one allocator step sends for a slice of queries
 * (`functions/tree/processor-searcher.ts`): on the approximate plan one call per partition the slice
 * touches, carrying all of the slice's queries for it; on the exact plan the partitions are coalesced
 * into one call per processor function, split when a call would pass COALESCE_MAX_ROWS rows or Lambda's
 * payload limit. Counts are expectations (a batch shares one filter; queries pick partitions
 * independently), so they can be fractional; calls of one kind are grouped with their multiplicity.
 */
import { LAMBDA_PAYLOAD_LIMIT_BYTES } from '../../functions/wire/payload-limits.ts';
import type { ModelConfiguration } from './configuration.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { callRequestBytes, callResponseBytes } from './payload-sizes.ts';
import type { QueryWork } from './query-work.ts';

/** processor-searcher.ts COALESCE_MAX_ROWS: rows one coalesced call may scan. */
export const COALESCE_MAX_ROWS = 65_536;

export interface CallGroup {
  /** Calls of this shape (an expectation). */
  readonly calls: number;
  readonly parts: number;
  readonly pairs: number;
  readonly queries: number;
  /** Handler time of one call on one vCPU, ms (partition loads not included). */
  readonly handlerMs: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
}

export function processorCalls(
  config: ModelConfiguration,
  inputs: MeasuredInputs,
  work: QueryWork,
  queries: number,
): CallGroup {
  if (queries === 0 || work.partitionsVisited === 0) {
    return { calls: 0, parts: 0, pairs: 0, queries: 0, handlerMs: 0, requestBytes: 0, responseBytes: 0 };
  }
  const { partitions } = config;
  const visited = work.partitionsVisited;
  const pairs = queries * visited;
  let calls: number;
  let parts: number;
  if (work.plan === 'approximate') {
    const touched = distinctPartitions(partitions, visited, queries);
    const pairsPerPartition = pairs / touched;
    const chunks = Math.ceil(
      Math.max(
        callRequestBytes(config, 1, pairsPerPartition, pairsPerPartition),
        callResponseBytes(config, 1, pairsPerPartition),
      ) / LAMBDA_PAYLOAD_LIMIT_BYTES,
    );
    calls = touched * chunks;
    parts = 1;
  } else {
    const functions = functionsTouched(partitions, config.processorFunctions, visited);
    const partsPerFunction = visited / functions;
    const rows = (pairs / functions) * work.rowsPerVisit;
    const bytes = Math.max(
      callRequestBytes(config, partsPerFunction, pairs / functions, queries),
      callResponseBytes(config, partsPerFunction, pairs / functions),
    );
    const perFunction = Math.max(
      1,
      Math.min(Math.ceil(partsPerFunction), Math.ceil(rows / COALESCE_MAX_ROWS)),
      Math.ceil(bytes / LAMBDA_PAYLOAD_LIMIT_BYTES),
    );
    calls = functions * perFunction;
    parts = visited / calls;
  }
  const callPairs = pairs / calls;
  const callQueries = Math.min(queries, callPairs);
  return {
    calls,
    parts,
    pairs: callPairs,
    queries: callQueries,
    handlerMs: inputs.processorCallMs + callPairs * work.pairMs,
    requestBytes: callRequestBytes(config, parts, callPairs, callQueries),
    responseBytes: callResponseBytes(config, parts, callPairs),
  };
}

/** Expected distinct partitions touched by `queries` queries each visiting `visited` of `partitions`. */
export function distinctPartitions(partitions: number, visited: number, queries: number): number {
  return partitions * -Math.expm1(queries * Math.log1p(-Math.min(visited, partitions) / partitions));
}

/**
 * Expected distinct processor functions (p mod G) among `visited` partitions drawn without replacement
 * from `partitions`: G times the chance that a function's partitions are not all missed.
 */
export function functionsTouched(partitions: number, functions: number, visited: number): number {
  const g = Math.min(functions, partitions);
  const own = partitions / g;
  const draws = Math.round(visited);
  let missed = 1;
  for (let i = 0; i < draws; i++) missed *= Math.max(0, partitions - own - i) / (partitions - i);
  return Math.max(1, g * (1 - missed));
}
