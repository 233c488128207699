/**
 * The one HTTP transport: Node's own `http`/`https`, no wrapper library. The clients need raw bytes
 * (logs, file data), exact control of redirects (a redirecting RM is a standby; a NameNode's DataNode
 * redirect is followed by hand), backpressure on streamed bodies, and to ignore the `100 Continue`
 * a DataNode sends unasked (Node skips it). Redirects are never followed here: a 3xx is an answer.
 *
 * `start()` begins a request and leaves its body and answer to the caller (WebHDFS data streams);
 * `exchange()` sends a whole body and reads a whole answer, at most `maxBytes` (JSON and log calls).
 * Failures reject with the error the caller's {@link FailureWords} make of them.
 */
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { SpindleError } from '../errors/index.js';
import type { HttpAgents } from './agents.js';
import { type HttpNegotiator, isNegotiateChallenge } from './negotiate.js';
import { DEFAULT_MAX_ANSWER_BYTES, type FailureWords, type HttpRequest, type HttpResponse } from './request.js';
import { classifySocketError, markNotSent } from './socket-errors.js';

/** How one client uses the transport. */
export interface TransportOptions {
  /** Turns failures into the client's errors. */
  words: FailureWords;
  /** Keep-alive agents; default Node's global agents. */
  agents?: HttpAgents;
  /** Abort (words.connectTimeout, marked not sent) when no TCP connection is made in time. Default: the OS decides. */
  connectTimeoutMs?: number;
  /**
   * SPNEGO for `exchange()` (a Kerberized cluster): cookies sent and kept, a Negotiate challenge
   * answered once with a fresh token. Never used by `start()`, whose body cannot be sent twice: its
   * only users are the DataNode legs of WebHDFS, which authenticate by the `delegation` in their URL.
   */
  negotiator?: HttpNegotiator;
}

/** A started request: write the body into `req` and end it; `response` resolves when headers arrive. */
export interface HttpCall {
  req: ClientRequest;
  /** Rejects with the client's error for the failure (or the error the request was aborted with). */
  response: Promise<IncomingMessage>;
}

/** The error a request was aborted with, so that later socket complaints do not hide it. */
const ABORT_REASON = Symbol('http.abortReason');

/**
 * Destroy `req` because of `err`: its failures are then reported as `err`, not as the socket's
 * "aborted" or "socket hang up". `err` is not handed to `destroy()`: Node would emit it on the socket,
 * which may already be back in the agent's pool (a whole answer read, an oversize one refused), where
 * nobody listens and it would crash the process.
 */
export function abortRequest(req: ClientRequest, err: Error): void {
  const tagged = req as ClientRequest & { [ABORT_REASON]?: Error };
  tagged[ABORT_REASON] ??= err;
  req.destroy();
}

/** The error `req` was aborted with, if any. */
export function abortReason(req: ClientRequest): Error | undefined {
  return (req as ClientRequest & { [ABORT_REASON]?: Error })[ABORT_REASON];
}

/**
 * The error to report for `err`, seen while `req` ran: the reason it was aborted with, an error of
 * ours as it is, or the client's words for a socket failure (marked when the request was not sent).
 */
export function requestFailure(err: unknown, req: ClientRequest, words: FailureWords): Error {
  const aborted = abortReason(req);
  if (aborted) return aborted;
  if (err instanceof SpindleError) return err;
  const failure = classifySocketError(err, req);
  const error = words.socket(failure);
  return failure.notSent ? markNotSent(error) : error;
}

/** Start `request` (its `body` is not written: the caller writes and ends `req`). */
export function start(request: HttpRequest, options: TransportOptions): HttpCall {
  const url = new URL(request.url);
  const agent = options.agents?.for(url);
  const init = { method: request.method, headers: request.headers, ...(agent ? { agent } : {}) };
  const req = url.protocol === 'https:' ? https.request(url, init) : http.request(url, init);
  const { words } = options;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.on('error', (err) => reject(requestFailure(err, req, words)));
  });
  // The caller may never await `response` if writing the body fails first.
  response.catch(() => undefined);
  const { timeoutMs, signal } = request;
  if (timeoutMs !== undefined) {
    const timer = setTimeout(() => abortRequest(req, words.deadline(timeoutMs)), timeoutMs);
    const clear = (): void => clearTimeout(timer);
    response.then(clear, clear);
  }
  if (options.connectTimeoutMs !== undefined) armConnectTimeout(req, options.connectTimeoutMs, words);
  if (signal) {
    const onAbort = (): void => abortRequest(req, signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }
  return { req, response };
}

function armConnectTimeout(req: ClientRequest, ms: number, words: FailureWords): void {
  req.once('socket', (socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(() => abortRequest(req, markNotSent(words.connectTimeout(ms))), ms);
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
  });
}

/**
 * Send `request` with its whole body and read the whole answer, all within `request.timeoutMs`
 * (each attempt, when a Negotiate challenge makes a second one). Error statuses and redirects are
 * answers, not failures: the caller interprets them (a 401 too, when no negotiator answers it).
 */
export async function exchange(request: HttpRequest, options: TransportOptions): Promise<HttpResponse> {
  const { negotiator } = options;
  if (!negotiator) return (await exchangeOnce(request, options)).response;
  const url = new URL(request.url);
  const first = await exchangeOnce(withHeaders(request, negotiator.cookieHeaders(url)), options);
  negotiator.remember(url, first.setCookies);
  if (!isNegotiateChallenge(first.response.status, first.response.headers['www-authenticate'])) return first.response;
  // The cookie (if one was sent) is stale: the server re-challenges rather than saying why.
  negotiator.forget(url);
  const second = await exchangeOnce(withHeaders(request, await negotiator.authorizationHeaders(url)), options);
  negotiator.remember(url, second.setCookies);
  return second.response;
}

function withHeaders(request: HttpRequest, extra: Record<string, string>): HttpRequest {
  return Object.keys(extra).length === 0 ? request : { ...request, headers: { ...request.headers, ...extra } };
}

/** One request and its whole answer, with the answer's Set-Cookie headers unjoined. */
async function exchangeOnce(request: HttpRequest, options: TransportOptions): Promise<{ response: HttpResponse; setCookies: string[] }> {
  const { timeoutMs, body, ...head } = request;
  const headers = { ...request.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const { req, response } = start({ ...head, headers }, options);
  const { words } = options;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => abortRequest(req, words.deadline(timeoutMs)), timeoutMs);
  try {
    if (body !== undefined) req.end(body);
    else req.end();
    const res = await response;
    const answer = await readBody(res, req, words, request.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES);
    return {
      response: { status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: answer },
      setCookies: res.headers['set-cookie'] ?? [],
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Read a response body whole, refusing (words.tooLarge) one over `maxBytes`. */
export async function readBody(res: IncomingMessage, req: ClientRequest, words: FailureWords, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        const err = words.tooLarge(maxBytes);
        abortRequest(req, err);
        throw err;
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw requestFailure(err, req, words);
  }
  return Buffer.concat(chunks);
}

/** Lower-cased names (as Node gives them), repeated headers joined with ", ". */
function flatHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) flat[k] = Array.isArray(v) ? v.join(', ') : v;
  return flat;
}
