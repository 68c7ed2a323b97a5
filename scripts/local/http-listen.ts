import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How long an idle keep-alive connection stays open. Node's default (5 s) is shorter than clients'
 * idle sockets live (undici and the AWS SDK keep them longer), so a request sent on a socket the
 * server is closing failed with "fetch failed"; AWS endpoints keep idle connections for about a minute.
 */
const KEEP_ALIVE_MS = 60_000;

/** Listens on 127.0.0.1 and resolves to the bound port. */
export function listenOnLoopback(server: Server, port: number): Promise<number> {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes the server and drops its keep-alive connections. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
