/**
 * Coordinator entry (Function URL, payload format 2.0). Configuration, telemetry, the Lambda client,
 * the index catalog and cached index data live at module scope and are reused while the container is
 * warm.
 */
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config.ts';
import { recordAnswer } from '../observability/records.ts';
import { createTelemetry } from '../observability/telemetry.ts';
import { createRuntime, deadlineOf } from '../runtime.ts';
import { IndexCatalog } from './index-catalog.ts';
import { serveCoordinator } from './serve-coordinator.ts';

const telemetry = await createTelemetry('coordinator');
const runtime = createRuntime(loadConfig(), { telemetry });
const coordinator = { runtime, catalog: new IndexCatalog(runtime) };

export function handler(event: unknown, context?: Context) {
  return telemetry.invoke(context, async () => {
    const result = await serveCoordinator(event, coordinator, deadlineOf(context));
    recordAnswer(telemetry, result.statusCode);
    return result;
  });
}
