import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AmStatus } from '../protocols/am-status/index.js';

/**
 * The AM's tracking URL: a small HTTP server answering every GET with the status document
 * (protocols/am-status) as JSON. The RM links to it and proxies it (yarn.web-proxy), so users reach
 * it from the RM UI and `spindle` reads it through the proxy.
 */
export class StatusServer {
  private server: Server | undefined;

  constructor(private readonly status: () => AmStatus) {}

  /** Listens on an ephemeral port on all interfaces; returns the port. */
  async start(): Promise<number> {
    const server = createServer((req, res) => {
      const body = JSON.stringify(this.status(), null, 2);
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 200 : 405, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, () => resolve());
    });
    server.unref();
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
