/**
 * Function URL requests and responses in Lambda's payload format 2.0 (the same as HTTP API payload
 * 2.0). Bodies of text content types travel as text, others base64-encoded. A handler result with a
 * numeric `statusCode` is read as `{statusCode, headers, cookies, body, isBase64Encoded}`; any other
 * result is returned as 200 `application/json` with the result's JSON as the body.
 *
 * Design decision: the path is passed RAW, still percent-encoded (`rawPath` and
 * `requestContext.http.path`), as Function URLs deliver it; the function decodes what it routes on.
 * Building an event never throws, whatever the request line holds (`/%ZZ`, `//x`, `http://h/p`): the
 * function answers every request that reached the URL, as on AWS, instead of the emulator answering 502.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

export interface FunctionUrlRequest {
  readonly method: string;
  /** Path and query, as in the request line. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly urlId: string;
  readonly requestId: string;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|yaml)\b|[^;]*\+(json|xml)\b)/i;

export function functionUrlEvent(request: FunctionUrlRequest): LambdaFunctionURLEvent {
  const { path, query: rawQueryString } = splitRequestTarget(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }
  const now = new Date();
  const hasBody = request.body.length > 0;
  const isText = TEXT_TYPES.test(request.headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString,
    ...(request.headers.cookie === undefined ? {} : { cookies: request.headers.cookie.split(/;\s*/) }),
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters: query }),
    requestContext: {
      accountId: 'anonymous',
      apiId: request.urlId,
      domainName: request.headers.host ?? 'localhost',
      domainPrefix: request.urlId,
      http: {
        method: request.method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: isText ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !isText,
  };
}

/**
 * The raw path and query string of a request target: origin form (`/a%20b?x=1`) split at the first `?`
 * (a fragment, never sent by clients, is dropped); absolute form (`http://host/p?x`) reduced to its path
 * and query; anything else (`*`, garbage) is the root path `/`.
 */
export function splitRequestTarget(target: string): { path: string; query: string } {
  let rest = target.split('#', 1)[0]!;
  if (!rest.startsWith('/')) {
    const afterAuthority = /^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i.exec(rest);
    rest = afterAuthority ? rest.slice(afterAuthority[0].length) : '';
    if (!rest.startsWith('/')) rest = `/${rest.startsWith('?') ? rest : ''}`;
  }
  const mark = rest.indexOf('?');
  return mark < 0 ? { path: rest, query: '' } : { path: rest.slice(0, mark), query: rest.slice(mark + 1) };
}

export function functionUrlReply(payload: string): HttpReply {
  const result: unknown = JSON.parse(payload);
  if (!isStructured(result)) {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(payload) };
  }
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (Array.isArray(result.cookies) && result.cookies.length > 0)
    headers['set-cookie'] = result.cookies.map(String);
  const text =
    typeof result.body === 'string'
      ? result.body
      : result.body === undefined
        ? ''
        : JSON.stringify(result.body);
  return {
    status: result.statusCode,
    headers,
    body: Buffer.from(text, result.isBase64Encoded === true ? 'base64' : 'utf8'),
  };
}

interface StructuredResult {
  statusCode: number;
  headers?: Record<string, unknown>;
  cookies?: unknown[];
  body?: unknown;
  isBase64Encoded?: boolean;
}

function isStructured(result: unknown): result is StructuredResult {
  return (
    typeof result === 'object' &&
    result !== null &&
    !Array.isArray(result) &&
    typeof (result as { statusCode?: unknown }).statusCode === 'number'
  );
}
