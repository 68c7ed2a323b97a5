/**
 * Builder entry (docs/build-on-lambda.md): runs one task of a staged build — sample, train, assign or
 * encode (shared/build/build-task.ts) — for a driver that fans a build out over this function
 * (`squash build --on-lambda`, `lambdaBuildRunner`). Event: a `BuildTask`; answer: its
 * `BuildTaskResult`, or `{ error: { code, message } }` for a typed error (bad input is `INVALID_INPUT`,
 * which the driver does not retry). One log line per task.
 */
import type { Context } from 'aws-lambda';
import { createTelemetry } from '../observability/telemetry.ts';
import { serveBuilder } from './serve-builder.ts';

const telemetry = await createTelemetry('builder');

export function handler(event: unknown, context?: Context) {
  return telemetry.invoke(context, () => serveBuilder(event, telemetry));
}
