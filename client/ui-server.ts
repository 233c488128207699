import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uiNotFound, uiResponse, type UiDocument, type UiResponse } from '../protocols/web-ui/index.js';

/** Answers one GET of the local UI: `url` is the request's path and query, `accept` its Accept header. */
export type UiHandler = (url: URL, accept: string) => Promise<UiResponse>;

/** The handler that serves the UI's pages of one document (`spindle ui` from an event log). */
export function documentHandler(document: () => UiDocument): UiHandler {
  return async (url) => uiResponse(url.pathname, url.searchParams, document) ?? uiNotFound(url.pathname, document);
}

/**
 * `spindle ui`'s local web server: the same pages the AM serves (protocols/web-ui), on 127.0.0.1
 * only (the event log is the user's to read, and the live UI is reached with the user's own
 * credentials: nobody else on the network should be handed either).
 */
export class LocalUiServer {
  private server: Server | undefined;

  constructor(private readonly handle: UiHandler) {}

  /** Listens on 127.0.0.1:`port` (0: a free port); returns the port. */
  async start(port = 0): Promise<number> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      this.handle(url, req.headers.accept ?? '*/*').then(
        (page) => {
          res.writeHead(page.status, { 'content-type': page.type, 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : page.body);
        },
        // Handlers answer their own failures with a page; only a bug lands here.
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`spindle ui: ${(err as Error).message}\n`);
        },
      );
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
