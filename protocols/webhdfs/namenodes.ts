/**
 * Calls to the NameNode(s): URL building, retry with backoff, and HA failover.
 *
 * - A StandbyError, or any connection failure or timeout, moves on to the next NameNode (when there
 *   are several); the first failover in a call goes at once, later ones wait the backoff.
 * - What is repeated: idempotent calls on any retriable error; every call when the server certainly
 *   did not act on it (refused connection, standby, safe mode). A non-idempotent call whose request
 *   may have been processed (a broken connection, a timeout) is not repeated.
 */
import {
  ConnectionError,
  ProtocolError,
  RetriableError,
  SafeModeError,
  SpindleError,
  StandbyError,
  TimeoutError,
} from '../errors/index.js';
import { isRetriable, retry } from '../retry/index.js';
import { wasNotSent, type HttpMethod } from '../http/index.js';
import type { WebHdfsTransport } from './http.js';
import type { ResolvedWebHdfsOptions } from './options.js';
import { errorFromResponse, type CallContext } from './remote-error.js';
import { buildUrl, type QueryValue } from './url.js';

/** One NameNode call. */
export interface NameNodeCall {
  method: HttpMethod;
  /** WebHDFS op, e.g. "GETFILESTATUS". */
  op: string;
  /** Normalized absolute path. */
  path: string;
  params?: Record<string, QueryValue>;
  /** Safe to repeat when the outcome of an attempt is unknown. */
  idempotent: boolean;
  /** How the call's target reads in messages, e.g. "/a -> /b". Default: `path`. */
  target?: string;
  /** The operation named in messages when this call serves another one. Default: `op`. */
  label?: string;
}

/** The NameNodes of one client and which of them is believed active. */
export class NameNodes {
  /** Index into `options.nameNodes` of the NameNode tried first. */
  private active = 0;

  constructor(
    private readonly options: ResolvedWebHdfsOptions,
    private readonly transport: WebHdfsTransport,
  ) {}

  /** host:port of the NameNode tried first. */
  get activeServer(): string {
    return this.options.nameNodes[this.active]!.host;
  }

  /**
   * Run `attempt` with the call's URL on the NameNode believed active, repeating per the policy above.
   * `attempt` may do more than the NameNode request (e.g. read from the DataNode it names), as long
   * as all of it is safe to repeat when `call.idempotent` says so.
   */
  async run<T>(call: NameNodeCall, attempt: (url: URL, ctx: CallContext) => Promise<T>): Promise<T> {
    const { nameNodes, retry: policy, retryHooks } = this.options;
    let failovers = 0;
    let index = this.active;
    return retry(
      () => {
        index = this.active;
        const base = nameNodes[index]!;
        // With SPNEGO the ticket names the user; Hadoop refuses a `user.name` that differs from it.
        const auth = { user: this.options.negotiator ? undefined : this.options.user, delegationToken: this.options.delegationToken() };
        const url = buildUrl(base, call.path, call.op, call.params ?? {}, auth);
        const ctx: CallContext = { operation: call.label ?? call.op, path: call.target ?? call.path, server: base.host };
        if (this.options.user !== undefined) ctx.user = this.options.user;
        return attempt(url, ctx);
      },
      policy,
      {
        ...retryHooks,
        shouldRetry: (err) => isRetriable(err) && (call.idempotent || serverDidNotAct(err)),
        adjustDelay: (err, _attempt, backoff) => (this.shouldFailOver(err, index) && failovers === 0 ? 0 : backoff),
        onRetry: (err) => {
          if (!this.shouldFailOver(err, index)) return;
          failovers++;
          // Another call may have failed over already; move on only from the one that failed.
          if (this.active === index) this.active = (index + 1) % nameNodes.length;
        },
      },
    );
  }

  /** A NameNode call whose answer is JSON; resolves to the parsed body (undefined when empty). */
  json(call: NameNodeCall): Promise<unknown> {
    return this.run(call, async (url, ctx) => {
      const { status, text } = await this.transport.fetchText(call.method, url, ctx, this.options.requestTimeoutMs);
      return interpretJson(status, text, ctx);
    });
  }

  /** Whether `err` says the NameNode at `index` is not the one to talk to (not, say, a DataNode failing). */
  private shouldFailOver(err: unknown, index: number): boolean {
    const { nameNodes } = this.options;
    if (nameNodes.length < 2 || !(err instanceof SpindleError) || err.server !== nameNodes[index]!.host) return false;
    return err instanceof StandbyError || err instanceof ConnectionError || err instanceof TimeoutError;
  }
}

/** Errors after which the server certainly did not carry out the request. */
function serverDidNotAct(err: unknown): boolean {
  // RetriableException is thrown before the operation runs (Hadoop's own client retries it for any call).
  return wasNotSent(err) || err instanceof StandbyError || err instanceof SafeModeError || err instanceof RetriableError;
}

/** Check an answer's status and parse its JSON body; error statuses become typed errors. */
export function interpretJson(status: number, text: string, ctx: CallContext): unknown {
  if (status >= 400) throw errorFromResponse(status, text, ctx);
  const fields = { operation: ctx.operation, path: ctx.path, server: ctx.server, status };
  if (status < 200 || status >= 300) {
    throw new ProtocolError(`${ctx.operation} ${ctx.path}: unexpected HTTP ${status} from ${ctx.server}`, fields);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(`${ctx.operation} ${ctx.path}: answer from ${ctx.server} is not JSON`, fields);
  }
}
