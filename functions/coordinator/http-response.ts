import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ErrorCode, SquashError } from '../../shared/errors/index.ts';
import { IncompleteSearchError } from './incomplete-search.ts';
import { shownPath, type UrlRequest } from './url-event.ts';

/**
 * The coordinator's HTTP edge: the only place typed errors become status codes (STYLE §6). Error bodies
 * are `{ code, message }` (an incomplete search adds which partitions failed and why); unknown errors
 * answer 500 with a generic message and are logged in full. Every error answer is logged with its
 * type, code and status: at INFO for 4xx (the request's fault), ERROR for 5xx.
 */
export type HttpResult = APIGatewayProxyStructuredResultV2;

const statusByCode: Partial<Record<ErrorCode, number>> = {
  INVALID_QUERY: 400,
  INVALID_INPUT: 400,
  INDEX_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UPSTREAM: 502,
  UPSTREAM_TIMEOUT: 504,
  WRITE_CONFLICT: 503,
  // A damaged or unreadable index: the message names the object and what was expected (docs/robustness.md).
  INDEX_FORMAT: 500,
};

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: unknown, logger: Logger): HttpResult {
  const status = error instanceof SquashError ? statusByCode[error.code] : undefined;
  if (error instanceof SquashError && status !== undefined) {
    const fields = { status, error: { name: error.name, code: error.code, message: error.message } };
    if (status < 500) logger.info('request refused', fields);
    else logger.error('request failed', fields);
    const details = error instanceof IncompleteSearchError ? error.details : {};
    return jsonResponse(status, { code: error.code, message: error.message, ...details });
  }
  logger.error('unhandled error', { status: 500, error });
  return jsonResponse(500, { code: 'INTERNAL', message: 'internal error' });
}

export function routeNotFound(request: UrlRequest): HttpResult {
  return jsonResponse(404, {
    code: 'ROUTE_NOT_FOUND',
    message: `no route for ${shownMethod(request.method)} ${shownPath(request.path)}; expected POST /search, POST /upsert, POST /delete, POST /compact, GET /indexes/<name> or GET /health`,
  });
}

export function methodNotAllowed(request: UrlRequest, allowed: string): HttpResult {
  return jsonResponse(
    405,
    {
      code: 'METHOD_NOT_ALLOWED',
      message: `${shownPath(request.path)} accepts ${allowed}, received ${shownMethod(request.method)}`,
    },
    { allow: allowed },
  );
}

function shownMethod(method: string): string {
  return method.length > 20 ? `${method.slice(0, 20)}…` : method;
}
