/**
 * Small helpers shared by the search-path tests: public query bodies, the wire encoding of vectors, and
 * the rejection of a request as a `SearchHttpError`.
 */
import { expect } from 'vitest';
import { SearchHttpError } from '../../../scripts/client/index.ts';

export interface TestQuery {
  readonly vector: Float32Array;
  readonly filter?: unknown;
}

/** A public query with its vector as base64 of little-endian float32 (exactly the bits searched in process). */
export function wireQuery(query: TestQuery): { vectorBase64: string; filter?: unknown } {
  const bytes = Buffer.from(query.vector.buffer, query.vector.byteOffset, query.vector.byteLength);
  return {
    vectorBase64: bytes.toString('base64'),
    ...(query.filter === undefined ? {} : { filter: query.filter }),
  };
}

/** Awaits the rejection and checks it is a SearchHttpError with this status and a message matching `message`. */
export async function expectHttpError(
  request: Promise<unknown>,
  status: number,
  message: RegExp,
): Promise<SearchHttpError> {
  const error = await request.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'the request should have been rejected').toBeInstanceOf(SearchHttpError);
  const http = error as SearchHttpError;
  expect(http.status, http.message).toBe(status);
  expect(http.message).toMatch(message);
  return http;
}
