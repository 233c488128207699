/**
 * GET over node:http(s) with a keep-alive agent, answering raw bytes (log files are bytes, not
 * necessarily UTF-8). Behind a one-function interface so tests can replace it.
 */
import http from 'node:http';
import https from 'node:https';
import { ConnectionError, TimeoutError } from '../errors/index.js';

export interface NmHttpRequest {
  /** Absolute URL including the query string. */
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface NmHttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** Rejects with ConnectionError (unreachable, broken) or TimeoutError (no full answer in time). */
export type NmHttpTransport = (request: NmHttpRequest) => Promise<NmHttpResponse>;

/** A transport with its own keep-alive agents; `close()` releases their sockets. */
export interface ClosableTransport {
  send: NmHttpTransport;
  close(): void;
}

/** The default transport. Polling logs every second reuses one socket per NodeManager. */
export function keepAliveTransport(): ClosableTransport {
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 8 }), https: new https.Agent({ keepAlive: true, maxSockets: 8 }) };
  const send: NmHttpTransport = (request) =>
    new Promise((resolve, reject) => {
      const url = new URL(request.url);
      const secure = url.protocol === 'https:';
      const lib = secure ? https : http;
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const req = lib.get(url, { headers: request.headers, agent: secure ? agents.https : agents.http }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(unreachable(url, err)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const headers: Record<string, string | undefined> = {};
          for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
      });
      const timer = setTimeout(() => {
        fail(new TimeoutError(`no answer from the NodeManager at ${url.origin} within ${request.timeoutMs} ms`, { server: url.origin }));
        req.destroy();
      }, request.timeoutMs);
      req.on('error', (err) => fail(unreachable(url, err)));
    });
  return {
    send,
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function unreachable(url: URL, err: Error): ConnectionError {
  const code = (err as NodeJS.ErrnoException).code;
  return new ConnectionError(`cannot reach the NodeManager at ${url.origin} (${code ?? err.message})`, {
    server: url.origin,
    cause: err,
  });
}
