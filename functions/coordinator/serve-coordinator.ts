/**
 * The coordinator's routes (Function URL, payload format 2.0): `POST /search`, the writes
 * (`POST /upsert`, `POST /delete`, `POST /compact`, docs/writes.md), `GET /indexes/<name>`,
 * `GET /health` and `GET /openapi.json` (the OpenAPI document of these routes, docs/api.md). Typed
 * errors become status codes in `http-response.ts`, the only place that does.
 * Paths arrive raw (percent-encoded, as Function URLs deliver them); the index name is decoded once
 * here, and a malformed escape is a 400 naming the path.
 */
import { InvalidQueryError } from '../../shared/errors/index.ts';
import { openApiDocument } from '../api/openapi-document.ts';
import type { SquashConfig } from '../config.ts';
import { latestSequence } from '../index-log.ts';
import { indexNameSchema } from '../wire/fields.ts';
import {
  errorResponse,
  type HttpResult,
  jsonResponse,
  methodNotAllowed,
  routeNotFound,
} from './http-response.ts';
import { searchHeaders } from './incomplete-search.ts';
import { indexSummary } from './index-summary.ts';
import { type Coordinator, search } from './search.ts';
import { parseJsonBody, parseUrlEvent, shownPath } from './url-event.ts';
import { compactNow, deleteRows, upsert } from './write.ts';

const WRITE_ROUTES = { '/upsert': upsert, '/delete': deleteRows } as const;

const INDEX_ROUTE = /^\/indexes\/([^/]+)\/?$/;

export async function serveCoordinator(
  event: unknown,
  coordinator: Coordinator,
  deadline: number,
): Promise<HttpResult> {
  try {
    const request = parseUrlEvent(event);
    if (request.path === '/health') {
      if (request.method !== 'GET') return methodNotAllowed(request, 'GET');
      return jsonResponse(200, health(coordinator.runtime.config));
    }
    if (request.path === '/openapi.json') {
      if (request.method !== 'GET') return methodNotAllowed(request, 'GET');
      return jsonResponse(200, openApiDocument());
    }
    if (request.path === '/search') {
      if (request.method !== 'POST') return methodNotAllowed(request, 'POST');
      const answer = await search(parseJsonBody(request), coordinator, deadline);
      return jsonResponse(200, answer, searchHeaders(answer));
    }
    if (request.path === '/upsert' || request.path === '/delete') {
      if (request.method !== 'POST') return methodNotAllowed(request, 'POST');
      return jsonResponse(200, await WRITE_ROUTES[request.path](parseJsonBody(request), coordinator));
    }
    if (request.path === '/compact') {
      if (request.method !== 'POST') return methodNotAllowed(request, 'POST');
      return jsonResponse(202, await compactNow(parseJsonBody(request), coordinator));
    }
    const match = INDEX_ROUTE.exec(request.path);
    if (match) {
      if (request.method !== 'GET') return methodNotAllowed(request, 'GET');
      const name = indexName(match[1]!, request.path);
      const { reader } = await coordinator.catalog.resolve(name);
      const sequence = await latestSequence(coordinator.runtime, name, reader);
      return jsonResponse(200, indexSummary(name, reader, sequence));
    }
    return routeNotFound(request);
  } catch (error) {
    return errorResponse(error, coordinator.runtime.telemetry.logger);
  }
}

function indexName(segment: string, path: string): string {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    throw new InvalidQueryError(
      `path ${shownPath(path)} holds a malformed percent-encoding; expected /indexes/<name> with the name URL-encoded`,
    );
  }
  const parsed = indexNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new InvalidQueryError(
      `index name ${JSON.stringify(shownPath(name))} ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
    );
  }
  return parsed.data;
}

/** What a caller may know about this deployment: its shape, not its bucket or function names. */
function health(config: SquashConfig) {
  return {
    status: 'ok',
    processorFunctions: config.processorFunctions.length,
    treeBranching: config.treeBranching,
    treeDepth: config.treeDepth,
    maxBatch: config.maxBatch,
  };
}
