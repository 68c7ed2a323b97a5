import type { ServerResponse } from 'node:http';

/** Writes a Lambda control-plane error the way the service does (REST-JSON; the SDK reads the header). */
export function sendServiceError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  const body = JSON.stringify({ Type: 'User', message, ...extra });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': type,
  });
  res.end(body);
}
