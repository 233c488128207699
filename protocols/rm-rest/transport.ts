/**
 * The HTTP exchange itself, behind a one-function interface so tests can replace it. The default
 * uses node:http(s), follows no redirects (a redirect from an RM means "I am standby", which the
 * failover layer handles) and turns socket failures into ConnectionError / TimeoutError.
 */
import http from 'node:http';
import https from 'node:https';
import { ConnectionError, TimeoutError } from '../errors/index.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT';

/** One HTTP request to one server. */
export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL including the query string. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Abort (TimeoutError) when the full answer has not arrived by then. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: string;
}

/**
 * Sends one request. Must reject with ConnectionError when the server cannot be reached or the
 * connection breaks, and with TimeoutError when no full answer arrives in time.
 */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** Socket error codes that mean "this server is not there (now)". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/** The default transport over node:http / node:https. */
export const nodeHttpTransport: HttpTransport = (request) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const url = new URL(request.url);
    const lib = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const req = lib.request(url, { method: request.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err) => fail(connectionError(request, err)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const flat: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = setTimeout(() => {
      fail(
        new TimeoutError(`${request.method} ${url.pathname}: no answer from ${url.origin} within ${request.timeoutMs} ms`, {
          server: url.origin,
          method: request.method,
        }),
      );
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (err) => fail(connectionError(request, err)));
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });

function connectionError(request: HttpRequest, err: Error): Error {
  const url = new URL(request.url);
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code && UNREACHABLE_CODES.has(code) ? code : err.message;
  return new ConnectionError(`${request.method} ${url.pathname}: cannot reach ${url.origin} (${reason})`, {
    server: url.origin,
    method: request.method,
    cause: err,
  });
}
