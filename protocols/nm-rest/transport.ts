/**
 * GET over the shared HTTP layer (protocols/http) with keep-alive agents, answering raw bytes (log
 * files are bytes, not necessarily UTF-8). Behind a one-function interface so tests can replace it.
 */
import { HttpAgents, type HttpNegotiator, exchange, plainWords, type HttpRequest, type HttpResponse } from '../http/index.js';

/** A NodeManager request: always a GET (the client sets `method`). */
export type NmHttpRequest = HttpRequest;

/** A NodeManager answer, its body as bytes. */
export type NmHttpResponse = HttpResponse;

/** Rejects with ConnectionError (unreachable, broken) or TimeoutError (no full answer in time). */
export type NmHttpTransport = (request: NmHttpRequest) => Promise<NmHttpResponse>;

/** A transport with its own keep-alive agents; `close()` releases their sockets. */
export interface ClosableTransport {
  send: NmHttpTransport;
  close(): void;
}

/**
 * The default transport. Polling logs every second reuses one socket per NodeManager; with a
 * negotiator, SPNEGO answers a Kerberized NodeManager's challenges (and its cookie spares the rest).
 */
export function keepAliveTransport(negotiator?: HttpNegotiator): ClosableTransport {
  const agents = new HttpAgents();
  const send: NmHttpTransport = (request) =>
    exchange(request, {
      agents,
      words: plainWords(request, { serverName: 'the NodeManager', label: '' }),
      ...(negotiator ? { negotiator } : {}),
    });
  return { send, close: () => agents.destroy() };
}
