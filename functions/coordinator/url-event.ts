import { z } from 'zod';
import { InvalidQueryError, PayloadTooLargeError, shortened } from '../../shared/errors/index.ts';
import { parsePayload } from '../parse-payload.ts';
import { decodeBase64 } from '../wire/base64.ts';
import { formatBytes, LAMBDA_PAYLOAD_LIMIT_BYTES } from '../wire/payload-limits.ts';
import { checkJsonBounds } from './json-bounds.ts';

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
  /** The raw path, still percent-encoded, as Function URLs deliver it. */
  readonly path: string;
  /** The decoded body, or `undefined` when the request had none. */
  readonly body: string | undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function parseUrlEvent(event: unknown): UrlRequest {
  const parsed = parsePayload(functionUrlEventSchema, event, 'Function URL event');
  const method = parsed.requestContext.http.method.toUpperCase();
  const path = parsed.rawPath;
  const raw = parsed.body;
  const body = raw !== undefined && parsed.isBase64Encoded ? decodeBase64Body(raw, method, path) : raw;
  return { method, path, body };
}

/**
 * A base64 body (Function URLs encode bodies of non-text content types) as UTF-8 text: bytes that are
 * not UTF-8 are a 400, not U+FFFD characters that fail later with a vaguer message.
 */
function decodeBase64Body(raw: string, method: string, path: string): string {
  const bytes = decodeBase64(raw);
  if (bytes === undefined) {
    throw new InvalidQueryError(
      `${method} ${shownPath(path)} body is marked base64-encoded but is not base64`,
    );
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new InvalidQueryError(
      `${method} ${shownPath(path)} body is not UTF-8 text; expected a JSON body (content-type application/json)`,
    );
  }
}

/** A request path for messages, shortened so an error never echoes a huge path back. */
export function shownPath(path: string): string {
  return shortened(path, 200);
}

/**
 * The request body as JSON; an empty or malformed body is a 400, one over 6 MB a 413, and one nested
 * too deep or too large to walk safely a 400 naming the limit (`json-bounds.ts`).
 */
export function parseJsonBody(request: UrlRequest): unknown {
  if (request.body === undefined || request.body.trim() === '') {
    throw new InvalidQueryError(
      `${request.method} ${shownPath(request.path)} needs a JSON body, received none`,
    );
  }
  const bytes = Buffer.byteLength(request.body);
  if (bytes > LAMBDA_PAYLOAD_LIMIT_BYTES) {
    throw new PayloadTooLargeError(
      `${request.method} ${shownPath(request.path)} body is ${bytes} bytes; the limit is ${LAMBDA_PAYLOAD_LIMIT_BYTES} bytes (${formatBytes(LAMBDA_PAYLOAD_LIMIT_BYTES)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(request.body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidQueryError(
      `${request.method} ${shownPath(request.path)} body is not valid JSON: ${reason}`,
    );
  }
  checkJsonBounds(json, `${request.method} ${shownPath(request.path)} body`);
  return json;
}
