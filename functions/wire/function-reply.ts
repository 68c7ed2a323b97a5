/**
 * How the allocator and processor answer. A typed error (`SquashError`) is returned as the payload
 * `{ error: { code, message } }`, so the caller rebuilds it by code with `errorFromWire` (Lambda's own
 * FunctionError carries only a class name and message, and bundling may rename classes). Anything else
 * is a bug or a crash: it propagates as the invocation's FunctionError, is logged with its stack
 * (`Telemetry.invoke`), and the caller treats it as a failed attempt. A typed error is logged here with
 * its type and code: at INFO when it describes the request (the caller answers it as a 4xx), else ERROR.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { type ErrorCode, errorToWire, SquashError, type WireError } from '../../shared/errors/index.ts';

/** Codes that describe the request rather than a failure of this function. */
const REQUEST_CODES: ReadonlySet<ErrorCode> = new Set([
  'INVALID_QUERY',
  'INVALID_INPUT',
  'INDEX_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
]);

export interface ErrorReply {
  readonly error: WireError;
}

const errorReplySchema = z.strictObject({
  error: z.strictObject({ code: z.string().min(1), message: z.string() }),
});

export async function replyOf<T>(run: () => Promise<T>, logger: Logger): Promise<T | ErrorReply> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof SquashError)) throw error;
    const fields = { error: { name: error.name, code: error.code, message: error.message } };
    if (REQUEST_CODES.has(error.code)) logger.info('request refused', fields);
    else logger.error('request failed', fields);
    return { error: errorToWire(error) };
  }
}

/** The wire error when `reply` is an error reply; undefined otherwise. */
export function errorOfReply(reply: unknown): WireError | undefined {
  const parsed = errorReplySchema.safeParse(reply);
  return parsed.success
    ? { code: parsed.data.error.code as ErrorCode, message: parsed.data.error.message }
    : undefined;
}
