/**
 * The coordinator's complete-or-fail decision on an assembled answer (`incomplete-search.ts`): which
 * answers count as complete, the status it fails with, what its message and body say, and the header of
 * a partial answer.
 */
import { describe, expect, it } from 'vitest';
import {
  assertComplete,
  IncompleteSearchError,
  PARTIAL_HEADER,
  searchHeaders,
} from '../../../functions/coordinator/incomplete-search.ts';
import { searchResponse } from '../../../functions/coordinator/search-response.ts';
import { emptyPathStats, type Failure, recordFailure } from '../../../functions/wire/path-stats.ts';
import type { WireQueryResult } from '../../../functions/wire/query-result.ts';

function result(position: number, missingPartitions: number[]): WireQueryResult {
  return {
    position,
    hits: [{ id: position, distance: 1 }],
    stats: {
      plan: 'approximate',
      partitionsVisited: 3,
      rounds: 1,
      matchesEstimated: 10,
      vectorsScanned: 30,
      missingPartitions,
    },
  };
}

function failure(partition: number, code = 'UPSTREAM'): Failure {
  return { target: `S-processor-${partition % 4}`, partition, code, message: `partition ${partition} broke` };
}

function answer(results: WireQueryResult[], failures: Failure[]) {
  const path = emptyPathStats();
  for (const f of failures) recordFailure(path, f);
  return searchResponse('idx', { version: 1, sequence: 0 }, results, path, 5);
}

function refusal(response: ReturnType<typeof answer>): IncompleteSearchError {
  try {
    assertComplete(response);
  } catch (error) {
    expect(error).toBeInstanceOf(IncompleteSearchError);
    return error as IncompleteSearchError;
  }
  throw new Error('assertComplete accepted an incomplete answer');
}

describe('complete or fail', () => {
  it('a complete answer says so, passes, and carries no partial header', () => {
    const response = answer([result(0, []), result(1, [])], []);
    expect(response.complete).toBe(true);
    expect(Object.keys(response)[0]).toBe('complete');
    expect(() => assertComplete(response)).not.toThrow();
    expect(searchHeaders(response)).toEqual({});
  });

  it('one query missing one partition makes the answer incomplete: 502 naming it, the queries and the cause', () => {
    const response = answer([result(0, []), result(1, [7]), result(2, [])], [failure(7)]);
    expect(response.complete).toBe(false);
    expect(searchHeaders(response)).toEqual({ [PARTIAL_HEADER]: 'true' });
    const error = refusal(response);
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toBe(
      'partitions 7 could not be searched for 1 of 3 queries: partition 7 broke. ' +
        'No partial answer is given unless `options.allowPartial` is true',
    );
    expect(error.details).toEqual({
      missingPartitions: [7],
      queriesAffected: 1,
      failures: [failure(7)],
      failuresOmitted: 0,
    });
  });

  it('a timeout among the causes makes it 504', () => {
    const response = answer([result(0, [1, 2])], [failure(1), failure(2, 'UPSTREAM_TIMEOUT')]);
    expect(refusal(response).code).toBe('UPSTREAM_TIMEOUT');
  });

  it('keeps the message short: 20 partitions and 3 causes quoted, the rest counted (all in the body)', () => {
    const missing = Array.from({ length: 30 }, (_, p) => p);
    const failures = missing.map((p) => failure(p));
    const error = refusal(answer([result(0, missing), result(1, missing)], failures));
    expect(error.message).toBe(
      `partitions ${missing.slice(0, 20).join(', ')}, … (30 in all) could not be searched for 2 of 2 queries: ` +
        'partition 0 broke; partition 1 broke; partition 2 broke; and 27 more failures. ' +
        'No partial answer is given unless `options.allowPartial` is true',
    );
    expect(error.details.missingPartitions).toEqual(missing);
    // The path keeps 16 failures and counts the rest.
    expect(error.details.failures).toHaveLength(16);
    expect(error.details.failuresOmitted).toBe(14);
  });
});
