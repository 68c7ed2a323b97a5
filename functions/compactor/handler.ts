/**
 * Compactor entry (docs/writes.md "Compaction"): folds an index's write log into a new version.
 * Event `{ "index": "<name>" }`, sent asynchronously by the coordinator (a write that crossed
 * `SQUASH_COMPACT_AFTER_ROWS`, or `POST /compact`), or synchronously by an operator. Answers the
 * summary; progress goes to the log, one line per stage.
 */
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config.ts';
import { createTelemetry } from '../observability/telemetry.ts';
import { createRuntime } from '../runtime.ts';
import { serveCompactor } from './serve-compactor.ts';

const telemetry = await createTelemetry('compactor');
const runtime = createRuntime(loadConfig(), { telemetry });

export function handler(event: unknown, context?: Context) {
  return telemetry.invoke(context, () => serveCompactor(event, runtime));
}
