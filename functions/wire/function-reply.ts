/**
 * How the allocator and processor answer. A typed error (`SquashError`) is returned as the payload
 * `{ error: { code, message } }`, so the caller rebuilds it by code with `errorFromWire` (Lambda's own
 * FunctionError carries only a class name and message, and bundling may rename classes). Anything else
 * is a bug or a crash: it propagates as the invocation's FunctionError, is logged by the runtime, and
 * the caller treats it as a failed attempt.
 */
import { z } from 'zod';
import { type ErrorCode, errorToWire, SquashError, type WireError } from '../../shared/errors/index.ts';

export interface ErrorReply {
  readonly error: WireError;
}

const errorReplySchema = z.strictObject({
  error: z.strictObject({ code: z.string().min(1), message: z.string() }),
});

export async function replyOf<T>(run: () => Promise<T>): Promise<T | ErrorReply> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof SquashError)) throw error;
    console.error(`${error.code}: ${error.message}`);
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
