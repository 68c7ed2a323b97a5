import { recordProcessing } from '../observability/records.ts';
import { parsePayload } from '../parse-payload.ts';
import type { FunctionRuntime } from '../runtime.ts';
import { type ErrorReply, replyOf } from '../wire/function-reply.ts';
import { type ProcessorResponse, processorPayloadSchema } from './payload.ts';
import { processPartition } from './process-partition.ts';

/**
 * One processor invocation: validate the payload, search, report what it did, answer typed errors as
 * `{ error }`.
 */
export function serveProcessor(
  event: unknown,
  runtime: FunctionRuntime,
): Promise<ProcessorResponse | ErrorReply> {
  return replyOf(async () => {
    const payload = parsePayload(processorPayloadSchema, event, 'processor payload');
    runtime.telemetry.logger.appendKeys({ index: payload.index });
    const response = await processPartition(payload, runtime);
    recordProcessing(runtime.telemetry, payload, response);
    return response;
  }, runtime.telemetry.logger);
}
