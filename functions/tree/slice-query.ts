/**
 * A query as the allocator step works on it: the prepared vector (for ordering and reported distances),
 * its wire form (forwarded to processors as is), the filter JSON (forwarded) and its compiled form (for
 * the single-pass match counts).
 */
import type { CompiledFilter } from '../../shared/attributes/index.ts';
import { InvalidQueryError } from '../../shared/errors/index.ts';
import type { IndexReader } from '../../shared/index/index-reader.ts';
import { decodeVector } from '../wire/vector-base64.ts';
import type { AllocatorQuery } from './allocator-payload.ts';

export interface SliceQuery {
  /** Position in the coordinator's batch. */
  readonly position: number;
  /** Metric-prepared vector of the index's stored dimension. */
  readonly vector: Float32Array;
  readonly vectorBase64: string;
  /** The filter JSON as the client wrote it; null matches everything. */
  readonly filterJson: unknown;
  readonly filter: CompiledFilter;
}

/** Decodes and compiles the wire queries of an allocator payload (through the reader's filter cache). */
export function sliceQueries(reader: IndexReader, queries: readonly AllocatorQuery[]): SliceQuery[] {
  const compile = reader.filterCompiler();
  return queries.map((query) => {
    const what = `allocator payload: query at position ${query.position}`;
    const vector = decodeVector(query.vectorBase64, `${what}: vectorBase64`);
    if (vector.length !== reader.manifest.storedDim) {
      throw new InvalidQueryError(
        `${what} has ${vector.length} prepared dims; the index stores ${reader.manifest.storedDim}`,
      );
    }
    const filterJson = query.filter ?? null;
    const filter = compile(filterJson);
    return { position: query.position, vector, vectorBase64: query.vectorBase64, filterJson, filter };
  });
}
