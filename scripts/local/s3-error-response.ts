import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An S3 REST error: status, code and message, plus extra XML elements (Condition, Key, …). */
export interface S3ErrorReply {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, string | number>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Writes the error as S3 does (XML body) and discards whatever request body is still unread. */
export function sendS3Error(req: IncomingMessage, res: ServerResponse, reply: S3ErrorReply): void {
  const elements = { Code: reply.code, Message: reply.message, ...reply.details, RequestId: randomUUID() };
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    Object.entries(elements)
      .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
      .join('') +
    '</Error>';
  req.resume();
  res.writeHead(reply.status, {
    ...reply.headers,
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
