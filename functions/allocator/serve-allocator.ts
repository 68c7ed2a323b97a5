import { parsePayload } from '../parse-payload.ts';
import type { FunctionRuntime } from '../runtime.ts';
import { type AllocatorResponse, allocatorPayloadSchema } from '../tree/allocator-payload.ts';
import { type ErrorReply, replyOf } from '../wire/function-reply.ts';
import { allocate } from './allocate.ts';

/** One allocator invocation: validate the payload, serve the tree node, answer typed errors as `{ error }`. */
export function serveAllocator(
  event: unknown,
  runtime: FunctionRuntime,
  deadline: number,
): Promise<AllocatorResponse | ErrorReply> {
  return replyOf(async () => {
    const payload = parsePayload(allocatorPayloadSchema, event, 'allocator payload');
    runtime.telemetry.logger.appendKeys({ index: payload.index });
    return allocate(payload, runtime, deadline);
  }, runtime.telemetry.logger);
}
