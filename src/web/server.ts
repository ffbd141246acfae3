import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from './env.js';

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left. */
  close(graceMs?: number): Promise<void>;
}

export function listen(app: Hono<AppEnv>, opts: { port: number; host: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    // node itself reads and discards a body no route read (src/web/body.ts); @hono/node-server's own
    // clean-up gives up after 500 ms and closes the socket under a keep-alive client
    const server = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host, autoCleanupIncoming: false }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({ url: `http://${host}:${info.port}`, port: info.port, close: (graceMs) => drain(server as Server, graceMs) });
    }) as Server;
    server.keepAliveTimeout = 5_000;
    server.requestTimeout = 60_000;
    server.once('error', reject);
  });
}

// @hono/node-server has no shutdown API: close the listener, keep closing idle keep-alive sockets
// so in-flight requests can finish, and cut the rest at the deadline.
function drain(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
