/**
 * Reads a request body up to a limit, holding at most `limitBytes` in memory whatever the client sends.
 *
 * Design decisions:
 * - A declared `content-length` over the limit is refused before a byte is read; a body that grows past
 *   the limit (chunked, or lying about its length) is refused as soon as it does, its chunks dropped.
 * - Refusing does not destroy the socket: the rest of the body is read and discarded (at most
 *   DISCARD_LIMIT_BYTES more, then the connection is cut), so the client gets the 413 the caller sends
 *   instead of a reset while it is still writing.
 */
import type { IncomingMessage } from 'node:http';

/** How much of a refused body is drained (and dropped) before the connection is cut instead. */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

/** The body, or `undefined` when it exceeds `limitBytes` (the caller answers 413). */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    discard(req);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off('data', onData);
      req.off('end', onEnd);
      discard(req);
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, length));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}

/** Reads and drops the rest of `req`; past DISCARD_LIMIT_BYTES the socket is destroyed. */
function discard(req: IncomingMessage): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.on('error', () => {});
  req.resume();
}
