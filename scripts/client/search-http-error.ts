import type { IncompleteSearchDetails as ServerIncompleteSearchDetails } from '../../functions/coordinator/incomplete-search.ts';
import type { Failure } from '../../functions/wire/path-stats.ts';
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
 * The search Function URL answered with an error status (any route: search, upsert, delete, compact). `code` is the server's code when it is one of ours
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

/** What an incomplete search failed on, as the coordinator's 502/504 body names it. */
export type IncompleteSearchDetails = Omit<ServerIncompleteSearchDetails, 'failuresOmitted'>;

/**
 * The search could not visit every partition it needed and no partial answer was asked for: the
 * server's 502/504 (`status`), or a 200 answer that was not complete (`status` 200, from a server that
 * answers partially by default). `missingPartitions` and `failures` say which and why.
 */
export class SearchIncompleteError extends SearchHttpError implements IncompleteSearchDetails {
  readonly missingPartitions: readonly number[];
  readonly queriesAffected: number;
  readonly failures: readonly Failure[];

  constructor(
    status: number,
    remoteCode: string | undefined,
    message: string,
    details: IncompleteSearchDetails,
  ) {
    super(status, remoteCode ?? 'UPSTREAM', message);
    this.missingPartitions = details.missingPartitions;
    this.queriesAffected = details.queriesAffected;
    this.failures = details.failures;
  }
}
