/**
 * Lambda's synchronous payload limit and the upper bounds used to stay under it (DESIGN §5: every
 * request and response under 6 MB). Requests are measured exactly (they are serialised before sending);
 * responses are bounded before the work runs, from k and the index's schema.
 */
import type { AttributeDictionaries, AttributeSchema } from '../../shared/attributes/index.ts';

/** Lambda's limit on a RequestResponse invocation's request and response, and on a Function URL body. */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** JSON of one hit without attributes, at most: `{"id":4294967295,"distance":-1.2345678901234567e-300},`. */
export const HIT_JSON_BYTES = 56;

/** JSON of one query's envelope and stats in a response, at most (positions, counts, a few partitions). */
export const QUERY_RESULT_OVERHEAD_BYTES = 400;

/** Bytes of `"missingPartitions"` entries: one number and a comma per partition. */
export const PARTITION_NUMBER_BYTES = 8;

/**
 * The most bytes one hit's `attributes` object can take: every attribute present with its longest
 * value (numbers 24 characters, a category its longest dictionary string, tags every tag), strings
 * counted at twice their length to cover JSON escapes.
 */
export function attributeJsonBytes(schema: AttributeSchema, dictionaries: AttributeDictionaries): number {
  let total = '"attributes":{},'.length;
  schema.attributes.forEach(({ name, kind }, a) => {
    const dictionary = dictionaries[a] ?? [];
    total += 2 * name.length + 4;
    if (kind === 'number') total += 24;
    else if (kind === 'category') total += 2 + 2 * longest(dictionary);
    else total += 2 + dictionary.reduce((sum, value) => sum + 2 * value.length + 3, 0);
  });
  return total;
}

function longest(values: readonly string[]): number {
  let max = 0;
  for (const value of values) max = Math.max(max, value.length);
  return max;
}

/**
 * An upper bound on the JSON of `queries` results of `k` hits each. A query either has hits or, when
 * its whole subtree failed, none and every one of `partitions` listed as missing.
 */
export function resultsJsonBytes(queries: number, k: number, hitBytes: number, partitions: number): number {
  return (
    queries * (QUERY_RESULT_OVERHEAD_BYTES + Math.max(k * hitBytes, partitions * PARTITION_NUMBER_BYTES))
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
