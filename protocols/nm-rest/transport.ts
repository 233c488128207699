/**
 * GET over node:http(s) with a keep-alive agent, answering raw bytes (log files are bytes, not
 * necessarily UTF-8). Behind a one-function interface so tests can replace it.
 */
import { exchange, keepAliveAgents } from '../http/index.js';

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
  const agents = keepAliveAgents();
  const send: NmHttpTransport = (request) =>
    exchange({ method: 'GET', url: request.url, headers: request.headers, timeoutMs: request.timeoutMs, agents, serverName: 'the NodeManager', label: '' });
  return { send, close: () => agents.destroy() };
}
