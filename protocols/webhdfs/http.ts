/**
 * WebHDFS over the shared HTTP layer (protocols/http): one client's keep-alive agents and connect
 * timeout, and the wording of failures as "<OP> <path>: ... <server>" errors carrying operation, path
 * and server. The data paths (upload.ts, download.ts) drive `start()`'s request themselves, for
 * backpressure; metadata calls read whole answers with `fetchText()`.
 *
 * On a Kerberized cluster only NameNode calls negotiate (SPNEGO, through the shared layer's
 * negotiator). A DataNode has no SPNEGO filter: its leg authenticates by the `delegation` token the
 * NameNode wrote into the redirect URL, and never gets an Authorization header or a cookie.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { ConnectionError, ProtocolError, TimeoutError } from '../errors/index.js';
import {
  HttpAgents,
  exchange,
  readBody,
  start,
  type FailureWords,
  type HttpCall,
  type HttpMethod,
  type HttpNegotiator,
  type TransportOptions as SharedTransportOptions,
} from '../http/index.js';
import type { CallContext } from './remote-error.js';

/** Largest JSON answer we read; listings come one batch (dfs.ls.limit entries) at a time. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface TransportOptions {
  connectTimeoutMs: number;
  maxSocketsPerHost: number;
  /** SPNEGO for NameNode calls (a Kerberized cluster). */
  negotiator?: HttpNegotiator | undefined;
}

/** A whole small answer. */
export interface TextResponse {
  status: number;
  text: string;
}

/** Owns the keep-alive agents (http and https) shared by NameNode and DataNode calls. */
export class WebHdfsTransport {
  private readonly agents: HttpAgents;

  constructor(private readonly options: TransportOptions) {
    this.agents = new HttpAgents(options.maxSocketsPerHost);
  }

  /**
   * Start a request to a DataNode (the data legs; never authenticated but by the URL's token). Write
   * the body into `req` (and end it); await `response` for the headers.
   */
  start(method: HttpMethod, url: URL, ctx: CallContext, headers: Record<string, string> = {}): HttpCall {
    return start({ method, url: url.toString(), headers }, this.use(ctx, false));
  }

  /**
   * A complete NameNode request without a body whose answer is read whole (at most `maxBytes`), all
   * within `timeoutMs`. Error statuses are returned, not thrown: the caller maps them.
   */
  async fetchText(method: HttpMethod, url: URL, ctx: CallContext, timeoutMs: number, maxBytes = MAX_JSON_BYTES): Promise<TextResponse> {
    return this.fetch(method, url, ctx, timeoutMs, maxBytes, true);
  }

  /** {@link fetchText} to a DataNode: no SPNEGO, whatever the cluster. */
  async fetchDataNodeText(method: HttpMethod, url: URL, ctx: CallContext, timeoutMs: number): Promise<TextResponse> {
    return this.fetch(method, url, ctx, timeoutMs, MAX_JSON_BYTES, false);
  }

  private async fetch(
    method: HttpMethod,
    url: URL,
    ctx: CallContext,
    timeoutMs: number,
    maxBytes: number,
    toNameNode: boolean,
  ): Promise<TextResponse> {
    const res = await exchange({ method, url: url.toString(), headers: {}, timeoutMs, maxBytes }, this.use(ctx, toNameNode));
    return { status: res.status, text: res.body.toString('utf8') };
  }

  /** End every connection, pooled or in use (open streams fail); for when the client is done. */
  close(): void {
    this.agents.destroy();
  }

  private use(ctx: CallContext, toNameNode: boolean): SharedTransportOptions {
    const { negotiator, connectTimeoutMs } = this.options;
    return { words: wordsFor(ctx), agents: this.agents, connectTimeoutMs, ...(toNameNode && negotiator ? { negotiator } : {}) };
  }
}

/** How WebHDFS words a failed request: ConnectionError / TimeoutError / ProtocolError naming op, path and server. */
export function wordsFor(ctx: CallContext): FailureWords {
  const head = `${ctx.operation} ${ctx.path}`;
  return {
    socket: (failure) => {
      const fields = { ...contextFields(ctx), cause: failure.cause };
      if (failure.noConnection) {
        const what = failure.code === 'ECONNREFUSED' ? 'connection refused by' : `cannot reach (${failure.code})`;
        return new ConnectionError(`${head}: ${what} ${ctx.server}`, fields);
      }
      if (failure.timedOut) return new TimeoutError(`${head}: connection to ${ctx.server} timed out`, fields);
      return new ConnectionError(`${head}: connection to ${ctx.server} failed (${failure.detail})`, fields);
    },
    deadline: (ms) => callTimeout(ctx, ms),
    connectTimeout: (ms) => {
      const cause = Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' });
      return new TimeoutError(`${head}: no connection to ${ctx.server} within ${ms} ms`, { ...contextFields(ctx), cause });
    },
    tooLarge: (maxBytes) => new ProtocolError(`${head}: answer from ${ctx.server} exceeds ${maxBytes} bytes`, contextFields(ctx)),
  };
}

/**
 * Read a response body as UTF-8 text, failing if it exceeds `maxBytes`. If the request was destroyed
 * with one of our errors (a deadline), that error is thrown rather than the socket's complaint.
 */
export async function readText(res: IncomingMessage, req: ClientRequest, ctx: CallContext, maxBytes = MAX_JSON_BYTES): Promise<string> {
  return (await readBody(res, req, wordsFor(ctx), maxBytes)).toString('utf8');
}

/** TimeoutError for a call that got no (complete) answer within `ms`. */
export function callTimeout(ctx: CallContext, ms: number): TimeoutError {
  return new TimeoutError(`${ctx.operation} ${ctx.path}: no answer from ${ctx.server} within ${ms} ms`, contextFields(ctx));
}

/** The structured fields of a call context, for error options. */
export function contextFields(ctx: CallContext): { operation: string; path: string; server: string } {
  return { operation: ctx.operation, path: ctx.path, server: ctx.server };
}
