/**
 * A client for the search Function URL (DESIGN §4): POSTs the public request and returns the parsed
 * answer, or throws `SearchHttpError` carrying the status and the server's `{code, message}`.
 * `url` may be the Function URL itself (as `cdk deploy` and `squash local` print it) or its `/search`
 * route. With `sign`, the request is SigV4-signed for `AWS_IAM` auth from the default credential chain.
 */
import type { z } from 'zod';
import type { searchRequestSchema } from '../../functions/coordinator/search-request.ts';
import type { SearchResponse } from '../../functions/coordinator/search-response.ts';
import { InvalidInputError, UpstreamError } from '../../shared/errors/index.ts';
import { SearchHttpError } from './search-http-error.ts';
import { signingRegion, signRequest } from './sigv4-signer.ts';

export type SearchRequestBody = z.input<typeof searchRequestSchema>;
export type { SearchResponse };

export interface SearchUrlOptions {
  readonly signal?: AbortSignal;
  /** SigV4-sign the request (Function URLs with `AWS_IAM` auth). @default false */
  readonly sign?: boolean;
  /** Signing region. @default the URL's region, else AWS_REGION */
  readonly region?: string;
}

export async function searchUrl(
  url: string,
  request: SearchRequestBody,
  options: SearchUrlOptions = {},
): Promise<SearchResponse> {
  const target = searchEndpoint(url);
  const body = JSON.stringify(request);
  let headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.sign) {
    headers = await signRequest(
      { url: target, method: 'POST', headers, body },
      signingRegion(target, options.region),
    );
  }
  const response = await fetch(target, {
    method: 'POST',
    headers,
    body,
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((error: unknown) => {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    throw new UpstreamError(`POST ${target.href} failed: ${(error as Error)?.message ?? String(error)}`);
  });
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    const { code, message } = errorBody(json);
    throw new SearchHttpError(
      response.status,
      code,
      `POST ${target.href} answered ${response.status}${code ? ` ${code}` : ''}: ${message ?? text.slice(0, 200)}`,
    );
  }
  if (json === undefined || typeof json !== 'object' || !Array.isArray((json as SearchResponse).results)) {
    throw new UpstreamError(
      `POST ${target.href} answered ${response.status} without search results: ${text.slice(0, 200)}`,
    );
  }
  return json as SearchResponse;
}

/** `https://x.lambda-url.r.on.aws/` → `…/search`; a URL already ending in `/search` is kept. */
export function searchEndpoint(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`search URL \`${url}\` is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidInputError(`search URL \`${url}\` must be http or https`);
  }
  if (parsed.pathname.endsWith('/search')) return parsed;
  return new URL('search', parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorBody(json: unknown): { code: string | undefined; message: string | undefined } {
  if (typeof json !== 'object' || json === null) return { code: undefined, message: undefined };
  const { code, message } = json as { code?: unknown; message?: unknown };
  return {
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/**
 * A hit's global ordinal (row of the build input), for indexes built without external ids; a hit that
 * carries an input id has no ordinal to give.
 */
export function hitOrdinal(hit: { readonly id: number | string }): number {
  if (typeof hit.id !== 'number') {
    throw new InvalidInputError(`hit id ${JSON.stringify(hit.id)} is an input id, not a row ordinal`);
  }
  return hit.id;
}
