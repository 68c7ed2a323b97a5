import { type ErrorCode, SquashError } from '../../shared/errors/index.ts';

const knownCodes: ReadonlySet<string> = new Set<ErrorCode>([
  'INVALID_QUERY',
  'INVALID_INPUT',
  'INDEX_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'INDEX_FORMAT',
  'BLOB_NOT_FOUND',
  'PRECONDITION_FAILED',
  'UPSTREAM',
  'UPSTREAM_TIMEOUT',
  'INTERNAL',
]);

/**
 * A search URL answered with an error status. `code` is the server's code when it is one of ours
 * (`INVALID_QUERY`, `INDEX_NOT_FOUND`, …), otherwise derived from the status; `remoteCode` keeps what
 * the server said (e.g. `ROUTE_NOT_FOUND`, or nothing when a proxy answered).
 */
export class SearchHttpError extends SquashError {
  constructor(
    readonly status: number,
    readonly remoteCode: string | undefined,
    message: string,
  ) {
    super(codeOf(status, remoteCode), message);
  }
}

function codeOf(status: number, remoteCode: string | undefined): ErrorCode {
  if (remoteCode !== undefined && knownCodes.has(remoteCode)) return remoteCode as ErrorCode;
  if (status === 400) return 'INVALID_QUERY';
  if (status === 404) return 'INDEX_NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 504) return 'UPSTREAM_TIMEOUT';
  return status >= 500 ? 'UPSTREAM' : 'INVALID_INPUT';
}
