import { recordProcessing, recordRows } from '../observability/records.ts';
import { parsePayload } from '../parse-payload.ts';
import type { FunctionRuntime } from '../runtime.ts';
import { type ErrorReply, replyOf } from '../wire/function-reply.ts';
import { collectRows } from './collect-rows.ts';
import { type ProcessorResponse, processorPayloadSchema } from './payload.ts';
import { processPartition } from './process-partition.ts';
import { isRowsRequest, type RowsResponse, rowsPayloadSchema } from './rows-payload.ts';

/**
 * One processor invocation: validate the payload, search (or collect a filter's rows), report what it
 * did, answer typed errors as `{ error }`.
 */
export function serveProcessor(
  event: unknown,
  runtime: FunctionRuntime,
): Promise<ProcessorResponse | RowsResponse | ErrorReply> {
  return replyOf(async () => {
    if (isRowsRequest(event)) {
      const payload = parsePayload(rowsPayloadSchema, event, 'rows payload');
      runtime.telemetry.logger.appendKeys({ index: payload.index });
      const response = await collectRows(payload, runtime);
      recordRows(runtime.telemetry, payload, response);
      return response;
    }
    const payload = parsePayload(processorPayloadSchema, event, 'processor payload');
    runtime.telemetry.logger.appendKeys({ index: payload.index });
    const response = await processPartition(payload, runtime);
    recordProcessing(runtime.telemetry, payload, response);
    return response;
  }, runtime.telemetry.logger);
}
