import { z } from 'zod';
import { InvalidQueryError, PayloadTooLargeError } from '../../shared/errors/index.ts';
import { parsePayload } from '../parse-payload.ts';
import { formatBytes, LAMBDA_PAYLOAD_LIMIT_BYTES } from '../wire/payload-limits.ts';

/** The part of a Function URL event (payload format 2.0) the coordinator reads. */
const functionUrlEventSchema = z.object({
  version: z.literal('2.0'),
  rawPath: z.string().startsWith('/'),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({ http: z.object({ method: z.string().min(1) }) }),
});

export interface UrlRequest {
  readonly method: string;
  readonly path: string;
  /** The decoded body, or `undefined` when the request had none. */
  readonly body: string | undefined;
}

export function parseUrlEvent(event: unknown): UrlRequest {
  const parsed = parsePayload(functionUrlEventSchema, event, 'Function URL event');
  const raw = parsed.body;
  const body =
    raw !== undefined && parsed.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return { method: parsed.requestContext.http.method.toUpperCase(), path: parsed.rawPath, body };
}

/** The request body as JSON; an empty or malformed body is a 400 and one over 6 MB a 413. */
export function parseJsonBody(request: UrlRequest): unknown {
  if (request.body === undefined || request.body.trim() === '') {
    throw new InvalidQueryError(`${request.method} ${request.path} needs a JSON body, received none`);
  }
  const bytes = Buffer.byteLength(request.body);
  if (bytes > LAMBDA_PAYLOAD_LIMIT_BYTES) {
    throw new PayloadTooLargeError(
      `${request.method} ${request.path} body is ${bytes} bytes; the limit is ${LAMBDA_PAYLOAD_LIMIT_BYTES} bytes (${formatBytes(LAMBDA_PAYLOAD_LIMIT_BYTES)})`,
    );
  }
  try {
    return JSON.parse(request.body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidQueryError(`${request.method} ${request.path} body is not valid JSON: ${reason}`);
  }
}
