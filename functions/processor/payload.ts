import { z } from 'zod';

/**
 * The processor's invocation payload. Its fields belong to the serverless query issue, which narrows this
 * schema; until then any JSON object is accepted and anything else is rejected with a clear message.
 */
export const processorPayloadSchema = z.record(z.string(), z.unknown(), {
  error: 'expected a JSON object',
});

export type ProcessorPayload = z.infer<typeof processorPayloadSchema>;
