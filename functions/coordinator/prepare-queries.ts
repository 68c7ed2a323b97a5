/**
 * Validates every query of a request against the index BEFORE anything fans out (DESIGN §4): vector
 * dimension, finite float32 values, the metric's own checks, and the filter against the schema. Messages
 * name the query and field: "queries[3].vector has 96 dims, index `sift` expects 128".
 */
import { InvalidQueryError } from '../../shared/errors/index.ts';
import type { IndexReader } from '../../shared/index/index-reader.ts';
import { prepareQuery } from '../../shared/metric.ts';
import type { SliceQuery } from '../tree/slice-query.ts';
import { decodeVector, encodeVector } from '../wire/vector-base64.ts';
import type { PublicQuery } from './search-request.ts';

export function prepareQueries(
  reader: IndexReader,
  index: string,
  queries: readonly PublicQuery[],
): SliceQuery[] {
  const compile = reader.filterCompiler();
  return queries.map((query, position) => {
    const vector = preparedVector(reader, index, query, position);
    const filterJson = query.filter ?? null;
    const filter = withPrefix(`queries[${position}].`, () => compile(filterJson));
    return { position, vector, vectorBase64: encodeVector(vector), filterJson, filter };
  });
}

function preparedVector(
  reader: IndexReader,
  index: string,
  query: PublicQuery,
  position: number,
): Float32Array {
  const field =
    query.vector !== undefined ? `queries[${position}].vector` : `queries[${position}].vectorBase64`;
  const values: ArrayLike<number> = query.vector ?? decodeVector(query.vectorBase64 ?? '', field);
  const dim = reader.space.inputDim;
  if (values.length !== dim) {
    throw new InvalidQueryError(`${field} has ${values.length} dims, index \`${index}\` expects ${dim}`);
  }
  for (let j = 0; j < values.length; j++) {
    const value = values[j]!;
    if (!Number.isFinite(value)) {
      throw new InvalidQueryError(`${field}[${j}] is ${value}; expected a finite number`);
    }
    if (!Number.isFinite(Math.fround(value))) {
      throw new InvalidQueryError(`${field}[${j}] is ${value}, outside the float32 range`);
    }
  }
  try {
    return prepareQuery(reader.space, values);
  } catch (error) {
    if (!(error instanceof InvalidQueryError)) throw error;
    // prepareQuery's messages start with "vector"; name the query's own field instead.
    const message = error.message.startsWith('vector')
      ? `${field}${error.message.slice('vector'.length)}`
      : `${field}: ${error.message}`;
    throw new InvalidQueryError(message);
  }
}

function withPrefix<T>(prefix: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof InvalidQueryError)) throw error;
    throw new InvalidQueryError(`${prefix}${error.message}`);
  }
}
