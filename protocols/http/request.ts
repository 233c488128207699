/**
 * The one request and response shape of Spindle's HTTP clients (ResourceManager, NodeManager,
 * WebHDFS), and how a client words the failures of a request in its own messages.
 */
import type { SpindleError } from '../errors/index.js';
import type { SocketFailure } from './socket-errors.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** One HTTP request to one server. `Body` narrows the body's type (the RM client sends only JSON text). */
export interface HttpRequest<Body extends string | Buffer = string | Buffer> {
  method: HttpMethod;
  /** Absolute URL including the query string, sent exactly as given. */
  url: string;
  headers: Record<string, string>;
  /** A whole body (Content-Length is set from it). Streamed bodies are written into `start()`'s request instead. */
  body?: Body;
  /**
   * Deadline in ms: for `exchange()` until the last byte of the answer, for `start()` until the
   * response headers. Unset: no deadline (the caller times the call itself).
   */
  timeoutMs?: number;
  /** Aborts the request; it then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** `exchange()` only: refuse an answer larger than this. Default {@link DEFAULT_MAX_ANSWER_BYTES}. */
  maxBytes?: number;
}

/** Largest whole answer `exchange()` reads unless the request says otherwise. */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** A whole answer. `Body` is Buffer from the transport; the RM client hands its parser text. */
export interface HttpResponse<Body = Buffer> {
  status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string | undefined>;
  body: Body;
}

/**
 * How a client words the ways a request can fail: each returns the error the request then rejects
 * with, so that every client keeps its own messages (operation, path, server) over one transport.
 */
export interface FailureWords {
  /** The socket failed: refused, reset, unreachable, name not resolved... */
  socket(failure: SocketFailure): SpindleError;
  /** No answer (headers for `start()`, the whole body for `exchange()`) within `ms`. */
  deadline(ms: number): SpindleError;
  /** No TCP connection within `ms`. */
  connectTimeout(ms: number): SpindleError;
  /** The answer is larger than `maxBytes`. */
  tooLarge(maxBytes: number): SpindleError;
}
