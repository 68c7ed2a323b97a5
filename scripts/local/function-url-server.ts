/**
 * One Function URL on loopback: its own listener, so the URL's root is the function's root as on
 * AWS (`http://127.0.0.1:<port>/` ↔ `https://<id>.lambda-url.<region>.on.aws/`). Requests become payload
 * 2.0 events; a function error or timeout is 502, throttling 429, a body over 6 MB 413 (so is a body
 * whose event, base64 and headers included, passes Lambda's 6 MB invocation limit). Bodies are read with
 * bounded memory (`http-body.ts`) and any request line builds an event (`function-url-event.ts`), so
 * every request within the limits reaches the function. AWS_IAM auth is not enforced (requests need not
 * be signed), but a signed request must carry a right signature for the stack's credentials, or it is
 * refused with 403 as on AWS (`sigv4-check.ts`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { functionUrlEvent, functionUrlReply, type HttpReply } from './function-url-event.ts';
import { readBody } from './http-body.ts';
import { listenOnLoopback } from './http-listen.ts';
import type { PoolOutcome } from './lambda-function-pool.ts';
import { type Credentials, signatureProblem } from './sigv4-check.ts';

const PAYLOAD_LIMIT = 6 * 1024 * 1024;

/**
 * Requests Node's HTTP parser refuses before they reach the function (an unknown method, a malformed
 * request line or header, headers over 16 KiB) are answered as JSON like every other error here.
 */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

export interface FunctionUrlServerOptions {
  readonly port: number;
  /** Invokes the function synchronously; `undefined` when it does not exist (any more). */
  readonly invoke: (payload: string, requestId: string) => Promise<PoolOutcome | undefined>;
  /** Signed requests are checked against these (none: signatures are not checked). */
  readonly credentials?: Credentials;
}

export async function startFunctionUrlServer(
  options: FunctionUrlServerOptions,
): Promise<{ url: string; server: Server }> {
  const urlId = randomBytes(16).toString('hex');
  const server = createServer((req, res) => {
    const respond = (reply: HttpReply) => {
      res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
      res.end(req.method === 'HEAD' ? undefined : reply.body);
    };
    const serve = async (): Promise<void> => {
      const body = await readBody(req, PAYLOAD_LIMIT);
      if (body === undefined) return respond(message(413, 'Request Entity Too Large'));
      if (options.credentials) {
        const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
        const problem = await signatureProblem(request, options.credentials);
        if (problem !== undefined) return respond(forbidden(problem));
      }
      const requestId = randomUUID();
      // As on AWS: the invocation's request id, which the function's log lines carry.
      res.setHeader('x-amzn-RequestId', requestId);
      const event = functionUrlEvent({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        urlId,
        requestId,
      });
      const payload = JSON.stringify(event);
      if (Buffer.byteLength(payload) > PAYLOAD_LIMIT)
        return respond(message(413, 'Request Entity Too Large'));
      const outcome = await options.invoke(payload, requestId);
      if (outcome === undefined) return respond(message(404, 'Not Found'));
      if (outcome.kind === 'throttled') return respond(message(429, 'Too Many Requests'));
      if (outcome.kind === 'error') return respond(message(502, 'Internal Server Error'));
      respond(functionUrlReply(outcome.payload));
    };
    serve().catch(() => {
      if (res.headersSent) res.destroy();
      else respond(message(502, 'Internal Server Error'));
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const [status, text] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request'];
    const body = JSON.stringify({ Message: text });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  const port = await listenOnLoopback(server, options.port);
  return { url: `http://127.0.0.1:${port}/`, server };
}

function forbidden(why: string): HttpReply {
  return {
    status: 403,
    headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': 'AccessDeniedException' },
    body: Buffer.from(JSON.stringify({ Message: why })),
  };
}

function message(status: number, text: string): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': text.replace(/ /g, '') },
    body: Buffer.from(JSON.stringify({ Message: text })),
  };
}
