/**
 * The one HTTP layer under the ResourceManager, NodeManager and WebHDFS clients: one request type,
 * one transport over Node's `http` (no redirects followed, whole or streamed bodies, a size cap on
 * whole answers), one classification of socket errors. Retrying is protocols/retry's business.
 */
export { DEFAULT_MAX_SOCKETS, HttpAgents } from './agents.js';
export {
  authCookieValue,
  cookieExpiry,
  HADOOP_AUTH_COOKIE,
  HttpNegotiator,
  isNegotiateChallenge,
  type NegotiateTokenSource,
  type NegotiatorOptions,
} from './negotiate.js';
export { plainWords, type PlainWordsOptions } from './plain-words.js';
export { DEFAULT_MAX_ANSWER_BYTES, type FailureWords, type HttpMethod, type HttpRequest, type HttpResponse } from './request.js';
export { classifySocketError, describeError, markNotSent, wasNotSent, type SocketFailure } from './socket-errors.js';
export {
  abortReason,
  abortRequest,
  exchange,
  readBody,
  requestFailure,
  start,
  type HttpCall,
  type TransportOptions,
} from './transport.js';
