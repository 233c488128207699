/**
 * The one classification of socket errors for every HTTP client: which codes mean the server cannot
 * be reached, and which prove the request never reached a server (so that even a call that is not
 * idempotent may be sent again). Every socket failure is worth retrying for an idempotent call; the
 * clients' errors (ConnectionError, TimeoutError) carry `retriable`, and protocols/retry decides.
 */
import type { ClientRequest } from 'node:http';

/** The connection was never made: nothing was sent. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** "This server is not there (now)": the not-sent codes plus a connection that broke or timed out. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([...NOT_SENT_CODES, 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** What a socket error means for the request that saw it. */
export interface SocketFailure {
  /** The errno code, e.g. "ECONNREFUSED"; undefined for errors without one. */
  code: string | undefined;
  /** The code says the server is not reachable (now): refused, reset, unreachable, unresolved, timed out. */
  unreachable: boolean;
  /** No connection was made: refused, no route, name not resolved. */
  noConnection: boolean;
  /** The request certainly never reached a server: no connection, or a stale keep-alive socket. */
  notSent: boolean;
  /** The operating system gave up waiting (ETIMEDOUT). */
  timedOut: boolean;
  /** "CODE: message", or the message alone when it already names the code. */
  detail: string;
  /** The error itself. */
  cause: unknown;
}

/**
 * Classify `err`, seen by `req` if given. A reset on a reused keep-alive socket before any answer
 * also counts as not sent: the server closed the idle socket as we wrote into it (Node's advice).
 */
export function classifySocketError(err: unknown, req?: ClientRequest): SocketFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known = typeof code === 'string' ? code : undefined;
  const staleSocket = req?.reusedSocket === true && known === 'ECONNRESET' && (req as { res?: unknown }).res == null;
  const noConnection = known !== undefined && NOT_SENT_CODES.has(known);
  return {
    code: known,
    unreachable: known !== undefined && UNREACHABLE_CODES.has(known),
    noConnection,
    notSent: noConnection || staleSocket,
    timedOut: known === 'ETIMEDOUT',
    detail: describeError(err),
    cause: err,
  };
}

/** A short description of an error: its code and message. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Marks errors of requests that certainly did not reach the server. */
const NOT_SENT = Symbol('http.notSent');

/** Mark `err` as belonging to a request that never reached the server. */
export function markNotSent<E extends Error>(err: E): E {
  Object.defineProperty(err, NOT_SENT, { value: true });
  return err;
}

/** True if the failed request certainly never reached the server (safe to repeat any operation). */
export function wasNotSent(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { [NOT_SENT]?: boolean })[NOT_SENT] === true;
}
