/**
 * Allocator entry: every node of the allocator tree is an invocation of this function. The runtime
 * (config, telemetry, Lambda client, cached index data) lives at module scope and is reused while warm.
 */
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config.ts';
import { createTelemetry } from '../observability/telemetry.ts';
import { createRuntime, deadlineOf } from '../runtime.ts';
import { serveAllocator } from './serve-allocator.ts';

const telemetry = await createTelemetry('allocator');
const runtime = createRuntime(loadConfig(), { telemetry });

export function handler(event: unknown, context?: Context) {
  return telemetry.invoke(context, () => serveAllocator(event, runtime, deadlineOf(context)));
}
