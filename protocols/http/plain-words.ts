/**
 * The default wording of request failures, for clients whose messages name a server by its address:
 * "GET /ws/v1/cluster/info: cannot reach http://rm:8088 (ECONNREFUSED)".
 */
import { ConnectionError, ProtocolError, TimeoutError } from '../errors/index.js';
import type { FailureWords, HttpRequest } from './request.js';

export interface PlainWordsOptions {
  /** Words for the server, e.g. "the NodeManager" ("the NodeManager at <origin>"); default its origin only. */
  serverName?: string;
  /** What the messages say was being done; default "<METHOD> <path>", '' for nothing (the caller adds it). */
  label?: string;
}

/** ConnectionError / TimeoutError / ProtocolError naming the request and its server (`server`, `method` fields). */
export function plainWords(request: Pick<HttpRequest, 'method' | 'url'>, options: PlainWordsOptions = {}): FailureWords {
  const url = new URL(request.url);
  const label = options.label ?? `${request.method} ${url.pathname}`;
  const what = label ? `${label}: ` : '';
  const server = options.serverName ? `${options.serverName} at ${url.origin}` : url.origin;
  const fields = { server: url.origin, method: request.method };
  return {
    socket: (failure) => {
      const cause = failure.cause;
      const reason = failure.unreachable ? failure.code : cause instanceof Error ? cause.message : String(cause);
      return new ConnectionError(`${what}cannot reach ${server} (${reason})`, { ...fields, cause });
    },
    deadline: (ms) => new TimeoutError(`${what}no answer from ${server} within ${ms} ms`, fields),
    connectTimeout: (ms) => new TimeoutError(`${what}no connection to ${server} within ${ms} ms`, fields),
    tooLarge: (maxBytes) => new ProtocolError(`${what}answer from ${server} exceeds ${maxBytes} bytes`, fields),
  };
}
