/**
 * Processor entry: the G processor functions all run this file; partition p is routed to function
 * p mod G. The runtime (config, telemetry, cache) lives at module scope so a warm container keeps its
 * partitions.
 */
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config.ts';
import { createTelemetry } from '../observability/telemetry.ts';
import { createRuntime } from '../runtime.ts';
import { serveProcessor } from './serve-processor.ts';

const telemetry = await createTelemetry('processor');
const runtime = createRuntime(loadConfig(), { telemetry });

export function handler(event: unknown, context?: Context) {
  return telemetry.invoke(context, () => serveProcessor(event, runtime));
}
