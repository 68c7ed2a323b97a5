import { parsePayload } from '../parse-payload.ts';
import type { FunctionRuntime } from '../runtime.ts';
import { type ErrorReply, replyOf } from '../wire/function-reply.ts';
import { type ProcessorResponse, processorPayloadSchema } from './payload.ts';
import { processPartition } from './process-partition.ts';

/** One processor invocation: validate the payload, search, answer typed errors as `{ error }`. */
export function serveProcessor(
  event: unknown,
  runtime: FunctionRuntime,
): Promise<ProcessorResponse | ErrorReply> {
  return replyOf(() =>
    processPartition(parsePayload(processorPayloadSchema, event, 'processor payload'), runtime),
  );
}
