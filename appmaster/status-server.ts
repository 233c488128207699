import { lookup } from 'node:dns/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AmStatus } from '../protocols/am-status/index.js';
import { UI_SERVED_BY_HEADER, uiNotFound, uiResponse, type UiDocument } from '../protocols/web-ui/index.js';

/**
 * The AM's tracking URL: a small HTTP server answering GET and HEAD with the status document
 * (protocols/am-status) as JSON. The RM links to it and proxies it (yarn.web-proxy), so users reach
 * it from the RM UI and `spindle` reads it through the proxy.
 *
 * Like Hadoop's AmIpFilter, it answers only the web proxy: a request from any other address is
 * redirected (302) to the same path behind the proxy, where the RM's authentication and the
 * application's view ACLs apply. The proxy is recognised by address, the proxy hosts resolved when
 * the server starts and again every few minutes (a proxy that moved is followed, as Hadoop does).
 *
 * With `ui`, it also serves the web UI (protocols/web-ui): `/` answers a browser (Accept: text/html)
 * with the overview page and everyone else (`spindle status` asks for application/json; curl for
 * anything) with the status document as before; `/api/status` is always the status document; the
 * UI's other pages, its model and its static files are at their relative paths (web-ui/routes.ts).
 */

/** How long resolved proxy addresses are trusted before they are looked up again (AmIpFilter: 5 min). */
export const PROXY_ADDRESSES_TTL_MS = 5 * 60_000;
/**
 * Connections held at once; more are closed as they arrive. Its callers are the RM's web proxy (a
 * few keep-alive connections) and the odd redirected browser: anyone can connect before the proxy
 * check, so the count must not be left to them.
 */
export const STATUS_MAX_CONNECTIONS = 32;
/**
 * A request must be whole within this long (headers and body), or its connection is closed: a
 * status request is a few hundred bytes, and a caller trickling bytes would otherwise hold a
 * connection for Node's default of five minutes.
 */
export const STATUS_REQUEST_TIMEOUT_MS = 10_000;
/** How often Node looks for connections past their deadline (its default, 30 s, would triple the deadline). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface StatusServerOptions {
  /**
   * Base URLs of the web proxies (`http://host:port`: the RMs' web addresses, or yarn.web-proxy.address).
   * Empty: every caller is answered (an older client's spec names none).
   */
  proxies: readonly string[];
  /** APPLICATION_WEB_PROXY_BASE, e.g. `/proxy/application_1_0001`; without it nobody is redirected. */
  proxyBase?: string;
  /** Host name to addresses; default DNS (`dns.lookup`, all addresses). */
  resolve?: (host: string) => Promise<string[]>;
  now?: () => number;
  /** Default {@link STATUS_MAX_CONNECTIONS}. */
  maxConnections?: number;
  /** Default {@link STATUS_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** The web UI's document; absent: every path answers the status document. */
  ui?: () => UiDocument;
}

const defaultResolve = async (host: string): Promise<string[]> => (await lookup(host, { all: true })).map((a) => a.address);

/** An IPv4 address as IPv6-mapped sockets report it (`::ffff:10.0.0.1`) compares as itself. */
function plainAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

export class StatusServer {
  private server: Server | undefined;
  private proxyAddresses: Promise<Set<string>> | undefined;
  private resolvedAt = 0;

  constructor(
    private readonly status: () => AmStatus,
    private readonly options: StatusServerOptions = { proxies: [] },
  ) {}

  /** Listens on an ephemeral port on all interfaces; returns the port. */
  async start(): Promise<number> {
    const timeout = this.options.requestTimeoutMs ?? STATUS_REQUEST_TIMEOUT_MS;
    const serverOptions = {
      headersTimeout: timeout,
      requestTimeout: timeout,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, timeout),
    };
    const server = createServer(serverOptions, (req, res) => {
      this.answer(req, res).catch(() => {
        // Only a failed write to a connection that is gone can land here: nobody is left to answer.
        res.destroy();
      });
    });
    server.maxConnections = this.options.maxConnections ?? STATUS_MAX_CONNECTIONS;
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

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const redirect = await this.redirectFor(req);
    if (redirect) {
      res.writeHead(302, { location: redirect, 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const ui = this.options.ui;
    const url = new URL(req.url ?? '/', 'http://am');
    const wantsHtml = /\btext\/html\b/.test(req.headers.accept ?? '');
    if (!ui || url.pathname === '/api/status' || (url.pathname === '/' && !wantsHtml)) {
      const body = JSON.stringify(this.status(), null, 2);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', [UI_SERVED_BY_HEADER]: '1' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const page = uiResponse(url.pathname, url.searchParams, ui) ?? uiNotFound(url.pathname, ui);
    res.writeHead(page.status, { 'content-type': page.type, 'cache-control': 'no-store', [UI_SERVED_BY_HEADER]: '1' });
    res.end(req.method === 'HEAD' ? undefined : page.body);
  }

  /** Where a caller that is not the proxy is sent, or undefined to answer it. */
  private async redirectFor(req: IncomingMessage): Promise<string | undefined> {
    const { proxies, proxyBase } = this.options;
    if (proxies.length === 0 || !proxyBase) return undefined;
    const from = plainAddress(req.socket.remoteAddress);
    if ((await this.proxyAddressSet()).has(from)) return undefined;
    // As AmIpFilter: the same path behind the first proxy, with /redirect after /proxy so that the proxy
    // knows the AM sent the user (and does not bounce them back here).
    const base = proxyBase.replace(/^\/proxy\//, '/proxy/redirect/');
    return `${proxies[0]!.replace(/\/+$/, '')}${base}${req.url ?? '/'}`;
  }

  private proxyAddressSet(): Promise<Set<string>> {
    const now = (this.options.now ?? Date.now)();
    if (!this.proxyAddresses || now - this.resolvedAt > PROXY_ADDRESSES_TTL_MS) {
      this.resolvedAt = now;
      const resolve = this.options.resolve ?? defaultResolve;
      this.proxyAddresses = Promise.all(
        this.options.proxies.map((url) =>
          // A proxy host that does not resolve matches no caller: its requests are redirected, never served.
          resolve(new URL(url).hostname.replace(/^\[|\]$/g, '')).catch(() => [] as string[]),
        ),
      ).then((lists) => new Set(lists.flat().map(plainAddress)));
    }
    return this.proxyAddresses;
  }
}
