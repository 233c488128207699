/**
 * The HTTP exchange itself, behind a one-function interface so tests can replace it. The default
 * is the shared transport (protocols/http): it follows no redirects (a redirect from an RM means "I am
 * standby", which the failover layer handles), refuses answers over the size cap and turns socket
 * failures into ConnectionError / TimeoutError.
 */
import {
  exchange,
  type HttpNegotiator,
  plainWords,
  type HttpRequest as Request,
  type HttpResponse as WholeResponse,
} from '../http/index.js';

export type { HttpMethod } from '../http/index.js';

/** An RM request: its body, if any, is JSON text. */
export type HttpRequest = Request<string>;

/** An RM answer: its body as text, for the JSON parser. */
export type HttpResponse = WholeResponse<string>;

/**
 * Sends one request. Must reject with ConnectionError when the server cannot be reached or the
 * connection breaks, and with TimeoutError when no full answer arrives in time.
 */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * The transport over node:http / node:https (protocols/http), Node's global agents; with a negotiator,
 * SPNEGO answers the RM's Negotiate challenges (a Kerberized cluster).
 */
export function nodeTransport(negotiator?: HttpNegotiator): HttpTransport {
  return async (request) => {
    const res = await exchange(request, { words: plainWords(request), ...(negotiator ? { negotiator } : {}) });
    return { status: res.status, headers: res.headers, body: res.body.toString('utf8') };
  };
}

/** The default transport: {@link nodeTransport} without SPNEGO. */
export const nodeHttpTransport: HttpTransport = nodeTransport();
