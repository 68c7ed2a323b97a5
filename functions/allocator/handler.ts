/**
 * Allocator entry: every node of the allocator tree is an invocation of this function. Parses the
 * payload and hands it to `allocate`; errors propagate as the invocation's FunctionError.
 */
import { loadConfig } from '../config.ts';
import { parsePayload } from '../parse-payload.ts';
import { allocate } from './allocate.ts';
import { allocatorPayloadSchema } from './payload.ts';

const config = loadConfig();

export async function handler(event: unknown): Promise<unknown> {
  return allocate(parsePayload(allocatorPayloadSchema, event, 'allocator payload'), config);
}
