/**
 * One HTTP exchange over node:http(s), whole body in memory: the small JSON and log requests of the
 * ResourceManager and NodeManager REST clients (WebHDFS streams and has its own). Follows no
 * redirects (callers decide what a redirect means: a standby RM, an AM that has gone) and turns socket
 * failures into ConnectionError and a late answer into TimeoutError, naming the server.
 *
 * node:http rather than axios: these clients need raw bytes (logs), exact control of redirects and
 * agents, and typed errors; a wrapper over the same sockets adds nothing.
 */
import http from 'node:http';
import https from 'node:https';
import { ConnectionError, TimeoutError } from '../errors/index.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ExchangeRequest {
  method: HttpMethod;
  /** Absolute URL including the query string. */
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Abort (TimeoutError) when the full answer has not arrived by then. */
  timeoutMs: number;
  /** Keep-alive agents to use; default: Node's global agents. */
  agents?: { http: http.Agent; https: https.Agent };
  /** Words for the server in messages, e.g. "the NodeManager"; default its origin only. */
  serverName?: string;
  /** What the messages say was being done; default "<METHOD> <path>", '' for nothing (the caller adds it). */
  label?: string;
}

export interface ExchangeResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** Socket error codes that mean "this server is not there (now)". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

export function exchange(request: ExchangeRequest): Promise<ExchangeResponse> {
  return new Promise<ExchangeResponse>((resolve, reject) => {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const lib = secure ? https : http;
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const label = request.label ?? `${request.method} ${url.pathname}`;
    const what = label ? `${label}: ` : '';
    const server = request.serverName ? `${request.serverName} at ${url.origin}` : url.origin;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const unreachable = (err: Error): ConnectionError => {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code && UNREACHABLE_CODES.has(code) ? code : err.message;
      return new ConnectionError(`${what}cannot reach ${server} (${reason})`, { server: url.origin, method: request.method, cause: err });
    };
    const agent = request.agents ? (secure ? request.agents.https : request.agents.http) : undefined;
    const req = lib.request(url, { method: request.method, headers, ...(agent ? { agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err) => fail(unreachable(err)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const flat: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
      });
    });
    const timer = setTimeout(() => {
      fail(new TimeoutError(`${what}no answer from ${server} within ${request.timeoutMs} ms`, { server: url.origin, method: request.method }));
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (err) => fail(unreachable(err)));
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}

/** Keep-alive agents for clients that poll the same servers; `destroy()` releases their sockets. */
export function keepAliveAgents(maxSockets = 8): { http: http.Agent; https: https.Agent; destroy(): void } {
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets }), https: new https.Agent({ keepAlive: true, maxSockets }) };
  return { ...agents, destroy: () => (agents.http.destroy(), agents.https.destroy()) };
}
