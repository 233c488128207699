/**
 * The HTTP layer under the WebHDFS client: Node's `http` with one keep-alive agent, connect timeouts,
 * call deadlines and the translation of socket failures into ConnectionError / TimeoutError naming the
 * operation, path and server. Plain `http` rather than axios: the data paths need direct control of
 * backpressure and of the socket (axios' redirect layer would also buffer request bodies).
 */
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { ConnectionError, ProtocolError, SpindleError, TimeoutError } from '../errors/index.js';
import type { CallContext } from './remote-error.js';

/** Largest JSON answer we read; listings come one batch (dfs.ls.limit entries) at a time. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Socket error codes that mean the request never reached a server, so any call may be repeated. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Marks errors for requests that certainly did not reach the server. */
const NOT_SENT = Symbol('webhdfs.notSent');
/** The error a request was aborted with, so that later socket complaints do not hide it. */
const ABORT_REASON = Symbol('webhdfs.abortReason');

/** Destroy `req` because of `err`; readers of its response then see `err`, not "aborted". */
export function abortRequest(req: ClientRequest, err: SpindleError): void {
  const tagged = req as ClientRequest & { [ABORT_REASON]?: SpindleError };
  tagged[ABORT_REASON] ??= err;
  req.destroy(err);
}

/** The error `req` was aborted with, if any. */
export function abortReason(req: ClientRequest): SpindleError | undefined {
  return (req as ClientRequest & { [ABORT_REASON]?: SpindleError })[ABORT_REASON];
}

/** True if the failed request certainly never reached the server (safe to repeat any operation). */
export function wasNotSent(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { [NOT_SENT]?: boolean })[NOT_SENT] === true;
}

function markNotSent<E extends Error>(err: E): E {
  Object.defineProperty(err, NOT_SENT, { value: true });
  return err;
}

export interface TransportOptions {
  connectTimeoutMs: number;
  maxSocketsPerHost: number;
}

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** A started request: the request to write a body into, and its response once headers arrive. */
export interface Exchange {
  req: ClientRequest;
  /** Rejects with ConnectionError/TimeoutError (or the error the request was destroyed with). */
  response: Promise<IncomingMessage>;
}

/** A whole small answer. */
export interface TextResponse {
  status: number;
  text: string;
}

/** Owns the keep-alive agents (http and https) shared by NameNode and DataNode calls. */
export class HttpTransport {
  private readonly agent: http.Agent;
  private readonly tlsAgent: https.Agent;

  constructor(private readonly options: TransportOptions) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSocketsPerHost,
      maxFreeSockets: options.maxSocketsPerHost,
      scheduling: 'lifo' as const,
    };
    this.agent = new http.Agent(agentOptions);
    this.tlsAgent = new https.Agent(agentOptions);
  }

  /** Start a request. Write the body into `req` (and end it); await `response` for the headers. */
  start(method: Method, url: URL, ctx: CallContext, headers: Record<string, string> = {}): Exchange {
    const req =
      url.protocol === 'https:'
        ? https.request(url, { method, agent: this.tlsAgent, headers })
        : http.request(url, { method, agent: this.agent, headers });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.on('error', (err) => reject(abortReason(req) ?? connectionError(err, ctx, req)));
    });
    // The caller may never await `response` if writing the body fails first.
    response.catch(() => undefined);
    req.once('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => {
        const cause = Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' });
        abortRequest(
          req,
          markNotSent(
            new TimeoutError(
              `${ctx.operation} ${ctx.path}: no connection to ${ctx.server} within ${this.options.connectTimeoutMs} ms`,
              { ...contextFields(ctx), cause },
            ),
          ),
        );
      }, this.options.connectTimeoutMs);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    return { req, response };
  }

  /**
   * A complete request without a body whose answer is read whole (at most `maxBytes`), all within
   * `timeoutMs`. Error statuses are returned, not thrown: the caller maps them.
   */
  async fetchText(method: Method, url: URL, ctx: CallContext, timeoutMs: number, maxBytes = MAX_JSON_BYTES): Promise<TextResponse> {
    const { req, response } = this.start(method, url, ctx);
    const timer = setTimeout(() => abortRequest(req, callTimeout(ctx, timeoutMs)), timeoutMs);
    try {
      req.end();
      const res = await response;
      const text = await readText(res, req, ctx, maxBytes);
      return { status: res.statusCode ?? 0, text };
    } finally {
      clearTimeout(timer);
    }
  }

  /** End every connection, pooled or in use (open streams fail); for when the client is done. */
  close(): void {
    this.agent.destroy();
    this.tlsAgent.destroy();
  }
}

/**
 * Read a response body as UTF-8 text, failing if it exceeds `maxBytes`. If the request was destroyed
 * with one of our errors (a deadline), that error is thrown rather than the socket's complaint.
 */
export async function readText(res: IncomingMessage, req: ClientRequest, ctx: CallContext, maxBytes = MAX_JSON_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        const err = new ProtocolError(`${ctx.operation} ${ctx.path}: answer from ${ctx.server} exceeds ${maxBytes} bytes`, contextFields(ctx));
        abortRequest(req, err);
        throw err;
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw abortReason(req) ?? connectionError(err, ctx, req);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Our error for a failed socket or request: ConnectionError / TimeoutError naming op, path and server. */
export function connectionError(err: unknown, ctx: CallContext, req?: ClientRequest): SpindleError {
  if (err instanceof SpindleError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const fields = { ...contextFields(ctx), cause: err };
  const head = `${ctx.operation} ${ctx.path}`;
  if (code !== undefined && NOT_SENT_CODES.has(code)) {
    const what = code === 'ECONNREFUSED' ? 'connection refused by' : `cannot reach (${code})`;
    return markNotSent(new ConnectionError(`${head}: ${what} ${ctx.server}`, fields));
  }
  if (code === 'ETIMEDOUT') return new TimeoutError(`${head}: connection to ${ctx.server} timed out`, fields);
  const error = new ConnectionError(`${head}: connection to ${ctx.server} failed (${describeError(err)})`, fields);
  // A keep-alive socket the server closed while idle: the request was not processed (Node's advice).
  if (req?.reusedSocket && code === 'ECONNRESET' && !hasResponse(req)) markNotSent(error);
  return error;
}

/** TimeoutError for a call that got no (complete) answer within `ms`. */
export function callTimeout(ctx: CallContext, ms: number): TimeoutError {
  return new TimeoutError(`${ctx.operation} ${ctx.path}: no answer from ${ctx.server} within ${ms} ms`, contextFields(ctx));
}

/** The structured fields of a call context, for error options. */
export function contextFields(ctx: CallContext): { operation: string; path: string; server: string } {
  return { operation: ctx.operation, path: ctx.path, server: ctx.server };
}

function hasResponse(req: ClientRequest): boolean {
  return (req as { res?: unknown }).res != null;
}

/** A short description of a socket error: its code and message. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
