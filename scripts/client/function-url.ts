/**
 * What every route of the search Function URL shares (`/search`, `/upsert`, `/delete`, `/compact`):
 * resolving a route from the URL a user holds, an optionally SigV4-signed JSON POST with an optional
 * per-request timeout, and error answers turned into `SearchHttpError` carrying the status and the
 * server's `{code, message}` (or saying that the Function URL itself answered, not squash).
 */
import type { Failure } from '../../functions/wire/path-stats.ts';
import { InvalidInputError, UpstreamError, UpstreamTimeoutError } from '../../shared/errors/index.ts';
import { type IncompleteSearchDetails, SearchHttpError, SearchIncompleteError } from './search-http-error.ts';
import { signingRegion, signRequest } from './sigv4-signer.ts';

export interface FunctionUrlOptions {
  readonly signal?: AbortSignal;
  /** SigV4-sign the request (Function URLs with `AWS_IAM` auth). @default false */
  readonly sign?: boolean;
  /** Signing region. @default the URL's region, else AWS_REGION */
  readonly region?: string;
}

/** A POST's outcome when the status was 2xx. */
export interface JsonAnswer {
  readonly response: Response;
  readonly text: string;
  /** The parsed body; undefined when it is not JSON. */
  readonly json: unknown;
}

/** A parsed http(s) URL; `what` names it in the error (e.g. "search URL"). */
export function parseHttpUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`${what} \`${url}\` is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidInputError(`${what} \`${url}\` must be http or https`);
  }
  return parsed;
}

/**
 * POSTs `body` (JSON text) to `target`; returns the answer when its status is 2xx, else throws
 * `SearchHttpError`. A network failure is `UpstreamError`; a request that outlived `timeoutMs` is
 * `UpstreamTimeoutError`; the caller's own abort is rethrown as it came.
 */
export async function postJson(
  target: URL,
  body: string,
  options: FunctionUrlOptions & { readonly timeoutMs?: number },
): Promise<JsonAnswer> {
  let headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.sign) {
    headers = await signRequest(
      { url: target, method: 'POST', headers, body },
      signingRegion(target, options.region),
    );
  }
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signal =
    options.signal && timeout ? AbortSignal.any([options.signal, timeout]) : (options.signal ?? timeout);
  const failed = (error: unknown): never => {
    if (timeout?.aborted && !options.signal?.aborted) {
      throw new UpstreamTimeoutError(`POST ${target.href} got no answer within ${options.timeoutMs} ms`);
    }
    if (error instanceof Error && error.name === 'AbortError') throw error;
    throw new UpstreamError(`POST ${target.href} failed: ${(error as Error)?.message ?? String(error)}`);
  };
  const response = await fetch(target, {
    method: 'POST',
    headers,
    body,
    ...(signal ? { signal } : {}),
  }).catch(failed);
  const text = await response.text().catch(failed);
  const json = parseJson(text);
  if (!response.ok) throw httpError(target, response, json, text);
  return { response, text, json };
}

function httpError(target: URL, response: Response, json: unknown, text: string): SearchHttpError {
  const { code, message, details } = errorBody(json);
  const status = response.status;
  const awsErrorType = response.headers.get('x-amzn-errortype');
  const from =
    code === undefined && awsErrorType
      ? status === 413
        ? ` (${awsErrorType} from the Function URL, not an answer from squash: it refused a body over its 6 MB ` +
          'limit before the coordinator ran; send less per request)'
        : ` (${awsErrorType} from the Function URL, not an answer from squash: the coordinator function failed, ` +
          'timed out or could not start; its logs say why)'
      : '';
  const what = `POST ${target.href} answered ${status}${code ? ` ${code}` : ''}${from}: ${message ?? text.slice(0, 200)}`;
  return details
    ? new SearchIncompleteError(status, code, what, details)
    : new SearchHttpError(status, code, what);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorBody(json: unknown): {
  code: string | undefined;
  message: string | undefined;
  details: IncompleteSearchDetails | undefined;
} {
  if (typeof json !== 'object' || json === null)
    return { code: undefined, message: undefined, details: undefined };
  const { code, message, Message, missingPartitions, queriesAffected, failures } = json as Record<
    string,
    unknown
  >;
  const text = typeof message === 'string' ? message : typeof Message === 'string' ? Message : undefined;
  return {
    code: typeof code === 'string' ? code : undefined,
    message: text,
    details: Array.isArray(missingPartitions)
      ? {
          missingPartitions: missingPartitions as number[],
          queriesAffected: typeof queriesAffected === 'number' ? queriesAffected : 0,
          failures: Array.isArray(failures) ? (failures as Failure[]) : [],
        }
      : undefined,
  };
}
