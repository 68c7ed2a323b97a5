/**
 * Typed errors with stable string codes (STYLE §6). Only the coordinator's edge maps them to HTTP;
 * across a Lambda hop they travel as `{ code, message }` and are rebuilt with `errorFromWire`.
 */
export type ErrorCode =
  | 'INVALID_QUERY'
  | 'INVALID_INPUT'
  | 'INDEX_NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'INDEX_FORMAT'
  | 'BLOB_NOT_FOUND'
  | 'PRECONDITION_FAILED'
  | 'UPSTREAM'
  | 'UPSTREAM_TIMEOUT'
  | 'WRITE_CONFLICT'
  | 'INTERNAL';

export class SquashError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A query, filter or request that cannot be answered as given (HTTP 400). */
export class InvalidQueryError extends SquashError {
  constructor(message: string) {
    super('INVALID_QUERY', message);
  }
}

/** Build input (vectors, attributes, schema, options) that cannot be indexed. */
export class InvalidInputError extends SquashError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

/** The named index has no published version (HTTP 404). */
export class IndexNotFoundError extends SquashError {
  constructor(message: string) {
    super('INDEX_NOT_FOUND', message);
  }
}

/** A request or batch over the size limits (HTTP 413). */
export class PayloadTooLargeError extends SquashError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message);
  }
}

/** An index object that is truncated, corrupted or of an unknown format version. */
export class IndexFormatError extends SquashError {
  constructor(message: string) {
    super('INDEX_FORMAT', message);
  }
}

/** A blob store key that does not exist. */
export class BlobNotFoundError extends SquashError {
  constructor(readonly key: string) {
    super('BLOB_NOT_FOUND', `object \`${key}\` does not exist`);
  }
}

/** A conditional write whose condition did not hold (someone else wrote first). */
export class PreconditionFailedError extends SquashError {
  constructor(message: string) {
    super('PRECONDITION_FAILED', message);
  }
}

/** A downstream invocation failed after its retry (HTTP 502). */
export class UpstreamError extends SquashError {
  constructor(message: string) {
    super('UPSTREAM', message);
  }
}

/** A downstream invocation timed out after its retry (HTTP 504). */
export class UpstreamTimeoutError extends SquashError {
  constructor(message: string) {
    super('UPSTREAM_TIMEOUT', message);
  }
}

/** A write that lost the race for the next log sequence too many times in a row (HTTP 503, retry). */
export class WriteConflictError extends SquashError {
  constructor(message: string) {
    super('WRITE_CONFLICT', message);
  }
}

export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
}

export function errorToWire(error: unknown): WireError {
  if (error instanceof SquashError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: 'internal error' };
}

const constructors: Partial<Record<ErrorCode, new (message: string) => SquashError>> = {
  INVALID_QUERY: InvalidQueryError,
  INVALID_INPUT: InvalidInputError,
  INDEX_NOT_FOUND: IndexNotFoundError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  INDEX_FORMAT: IndexFormatError,
  PRECONDITION_FAILED: PreconditionFailedError,
  UPSTREAM: UpstreamError,
  UPSTREAM_TIMEOUT: UpstreamTimeoutError,
  WRITE_CONFLICT: WriteConflictError,
};

export function errorFromWire(wire: WireError): SquashError {
  const Type = constructors[wire.code];
  return Type ? new Type(wire.message) : new SquashError(wire.code, wire.message);
}
