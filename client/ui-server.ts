import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uiNotFound, uiResponse, type UiDocument } from '../protocols/web-ui/index.js';

/**
 * `spindle ui`'s local web server: the same pages the AM serves (protocols/web-ui), on 127.0.0.1
 * only (the event log is the user's to read; nobody else on the network should be handed it).
 */
export class LocalUiServer {
  private server: Server | undefined;

  constructor(private readonly document: () => UiDocument) {}

  /** Listens on 127.0.0.1:`port` (0: a free port); returns the port. */
  async start(port = 0): Promise<number> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const page = uiResponse(url.pathname, url.searchParams, this.document) ?? uiNotFound(url.pathname, this.document);
      res.writeHead(page.status, { 'content-type': page.type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : page.body);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }
}
