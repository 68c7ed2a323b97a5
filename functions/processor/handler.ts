/**
 * Processor entry: the G processor functions all run this file; partition p is routed to function
 * p mod G. Parses the payload and hands it to `processPartition`; errors propagate as the invocation's
 * FunctionError.
 */
import { loadConfig } from '../config.ts';
import { parsePayload } from '../parse-payload.ts';
import { processorPayloadSchema } from './payload.ts';
import { processPartition } from './process-partition.ts';

const config = loadConfig();

export async function handler(event: unknown): Promise<unknown> {
  return processPartition(parsePayload(processorPayloadSchema, event, 'processor payload'), config);
}
