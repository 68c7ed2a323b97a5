/**
 * Coordinator entry (Function URL, payload format 2.0): parse the event, route, shape the response.
 * Configuration is read once per container; the query work lives in `search.ts`.
 */
import { loadConfig, type SquashConfig } from '../config.ts';
import {
  errorResponse,
  type HttpResult,
  jsonResponse,
  methodNotAllowed,
  routeNotFound,
} from './http-response.ts';
import { search } from './search.ts';
import { parseJsonBody, parseUrlEvent } from './url-event.ts';

const config = loadConfig();

export async function handler(event: unknown): Promise<HttpResult> {
  try {
    const request = parseUrlEvent(event);
    switch (request.path) {
      case '/health':
        if (request.method !== 'GET') return methodNotAllowed(request, 'GET');
        return jsonResponse(200, health(config));
      case '/search':
        if (request.method !== 'POST') return methodNotAllowed(request, 'POST');
        return jsonResponse(200, await search(parseJsonBody(request), config));
      default:
        return routeNotFound(request);
    }
  } catch (error) {
    return errorResponse(error);
  }
}

/** What a caller may know about this deployment: its shape, not its bucket or function names. */
function health(current: SquashConfig) {
  return {
    status: 'ok',
    processorFunctions: current.processorFunctions.length,
    treeBranching: current.treeBranching,
    treeDepth: current.treeDepth,
    maxBatch: current.maxBatch,
  };
}
