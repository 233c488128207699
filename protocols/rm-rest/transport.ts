/**
 * The HTTP exchange itself, behind a one-function interface so tests can replace it. The default
 * uses node:http(s), follows no redirects (a redirect from an RM means "I am standby", which the
 * failover layer handles) and turns socket failures into ConnectionError / TimeoutError.
 */
import { exchange } from '../http/index.js';

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

/** The default transport over node:http / node:https (protocols/http). */
export const nodeHttpTransport: HttpTransport = async (request) => {
  const res = await exchange({ ...request });
  return { status: res.status, headers: res.headers, body: res.body.toString('utf8') };
};
