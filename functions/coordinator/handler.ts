/**
 * Coordinator entry (Function URL, payload format 2.0). Configuration, the Lambda client, the index
 * catalog and cached index data live at module scope and are reused while the container is warm.
 */
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config.ts';
import { createRuntime, deadlineOf } from '../runtime.ts';
import { IndexCatalog } from './index-catalog.ts';
import { serveCoordinator } from './serve-coordinator.ts';

const runtime = createRuntime(loadConfig());
const coordinator = { runtime, catalog: new IndexCatalog(runtime) };

export function handler(event: unknown, context?: Context) {
  return serveCoordinator(event, coordinator, deadlineOf(context));
}
