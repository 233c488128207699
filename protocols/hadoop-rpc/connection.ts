/**
 * RpcConnection: a Hadoop IPC client for one server and one protocol. It owns the call ids, the
 * table of calls waiting for an answer, their timeouts, and reconnecting; a Session does the
 * socket work underneath.
 */
import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  ConnectionError,
  SpindleError,
  TimeoutError,
  fromJavaException,
  type SpindleErrorOptions,
  errorMessage,
} from '../errors/index.js';
import { DEFAULT_JITTER, retry } from '../retry/index.js';
import { encodeCallPacket, type ResponsePacket } from './framing.js';
import type { RpcResponseHeader } from './messages.js';
import { resolveOptions, type ResolvedOptions, type RpcConnectionOptions } from './options.js';
import type { Qop } from './sasl-negotiation.js';
import { Session, firstLine, setupError, simpleClassName } from './session.js';

/** Largest call id before wrapping to 0 (ids must stay non-negative sint32). */
const MAX_CALL_ID = 0x7fffffff;
const EMPTY = Buffer.alloc(0);

/** Per-call options. */
export interface CallOptions {
  /** Overrides the connection's callTimeoutMs for this call; 0 = wait forever. */
  timeoutMs?: number;
}

interface PendingCall {
  method: string;
  resolve(body: Buffer): void;
  reject(error: SpindleError): void;
  timer: unknown;
  callId: number | undefined;
  session: Session | undefined;
  settled: boolean;
}

/**
 * A Hadoop IPC (hrpc v9, protobuf engine) client connection. It connects lazily on the first
 * call, authenticates (SASL DIGEST-MD5 for token auth, none for simple), multiplexes concurrent
 * calls and matches answers by call id. After a dropped connection the next call reconnects,
 * with backoff between failed attempts.
 *
 * Errors: ConnectionError (could not connect, or the connection dropped with the call in flight;
 * retriable), TimeoutError, AuthenticationError, ProtocolError, and for a server-side exception
 * the class `fromJavaException` picks (with `exceptionClassName` set).
 */
export class RpcConnection {
  readonly #o: ResolvedOptions;
  /** 16 random bytes, the same on every packet of this client (Hadoop's ClientId). */
  readonly #clientId: Buffer = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
  #nextCallId = 0;
  readonly #pending = new Map<number, PendingCall>();
  #session: Session | undefined;
  #opening: Promise<Session> | undefined;
  /** While connecting: the session being set up and a way to cut a backoff wait short. */
  #connecting: Session | undefined;
  #wake: (() => void) | undefined;
  #closed = false;
  #qop: Qop | undefined;

  /** Validates the options (ConfigError naming the field); does not connect. */
  constructor(options: RpcConnectionOptions) {
    this.#o = resolveOptions(options);
  }

  /** host:port of the server. */
  get server(): string {
    return this.#o.server;
  }

  /** The SASL quality of protection of the current connection; undefined for simple auth or before connecting. */
  get qop(): Qop | undefined {
    return this.#qop;
  }

  /**
   * Call `method` with an encoded request message; resolves with the encoded response message
   * (empty for an empty message).
   */
  call(method: string, request: Uint8Array, options: CallOptions = {}): Promise<Buffer> {
    if (typeof method !== 'string' || method.length === 0) {
      return Promise.reject(new ConfigError('RPC call: method must be a non-empty string'));
    }
    const timeoutMs = options.timeoutMs ?? this.#o.callTimeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new ConfigError(`RPC call ${method}: timeoutMs must be an integer >= 0, got ${timeoutMs}`));
    }
    if (this.#closed) {
      return Promise.reject(
        new ConnectionError(`${method}: connection to ${this.#o.server} is closed`, {
          method,
          server: this.#o.server,
          retriable: false,
        }),
      );
    }
    return new Promise<Buffer>((resolve, reject) => {
      const call: PendingCall = { method, resolve, reject, timer: undefined, callId: undefined, session: undefined, settled: false };
      if (timeoutMs > 0) {
        call.timer = this.#o.clock.setTimeout(() => {
          const error = new TimeoutError(`${method} on ${this.#o.server}: no response within ${timeoutMs} ms`, {
            method,
            server: this.#o.server,
          });
          this.#settle(call, error);
        }, timeoutMs);
      }
      this.#ready().then(
        (session) => this.#send(call, session, request),
        (error: SpindleError) => this.#settle(call, forCall(error, method)),
      );
    });
  }

  /** Fail every waiting call, close the socket and refuse further calls. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const reason = new ConnectionError(`connection to ${this.#o.server} closed by the client`, {
      server: this.#o.server,
      retriable: false,
    });
    for (const call of [...this.#pending.values()]) this.#settle(call, forCall(reason, call.method));
    this.#wake?.();
    const sessions = [this.#session, this.#connecting];
    this.#session = undefined;
    for (const session of sessions) if (session !== undefined) await session.close(reason);
  }

  #send(call: PendingCall, session: Session, request: Uint8Array): void {
    if (call.settled) return;
    const callId = this.#nextCallId;
    this.#nextCallId = callId === MAX_CALL_ID ? 0 : callId + 1;
    call.callId = callId;
    call.session = session;
    this.#pending.set(callId, call);
    const method = { methodName: call.method, protocolName: this.#o.protocol, protocolVersion: this.#o.protocolVersion };
    try {
      session.send(encodeCallPacket(callId, this.#clientId, method, request));
    } catch (e) {
      this.#settle(call, forCall(e as SpindleError, call.method));
    }
  }

  #settle(call: PendingCall, error: SpindleError | undefined, body?: Buffer): void {
    if (call.settled) return;
    call.settled = true;
    if (call.timer !== undefined) this.#o.clock.clearTimeout(call.timer);
    if (call.callId !== undefined) this.#pending.delete(call.callId);
    if (error === undefined) call.resolve(body ?? EMPTY);
    else call.reject(error);
  }

  /** The open session, connecting (with retries) if there is none. */
  #ready(): Promise<Session> {
    if (this.#session?.isOpen) return Promise.resolve(this.#session);
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(): Promise<Session> {
    const { reconnect, clock, server } = this.#o;
    const sleep = (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        const timer = clock.setTimeout(() => resolve(), ms);
        this.#wake = () => {
          clock.clearTimeout(timer);
          resolve();
        };
      }).finally(() => {
        this.#wake = undefined;
      });
    return retry(
      async () => {
        if (this.#closed) throw new ConnectionError(`connection to ${server} is closed`, { server, retriable: false });
        const session: Session = new Session(this.#o, this.#clientId, {
          onResponse: (packet) => this.#onResponse(session, packet),
          onClose: (reason) => this.#onSessionClose(session, reason),
        });
        this.#connecting = session;
        try {
          await session.open();
        } finally {
          this.#connecting = undefined;
        }
        if (this.#closed) {
          await session.close();
          throw new ConnectionError(`connection to ${server} is closed`, { server, retriable: false });
        }
        this.#session = session;
        this.#qop = session.qop;
        return session;
      },
      {
        maxAttempts: reconnect.retries + 1,
        initialDelayMs: reconnect.baseDelayMs,
        maxDelayMs: reconnect.maxDelayMs,
        multiplier: 2,
        jitter: DEFAULT_JITTER,
        maxElapsedMs: 0,
      },
      { sleep, now: () => clock.now() },
    );
  }

  #onResponse(session: Session, { header, body }: ResponsePacket): void {
    const call = header.callId >= 0 ? this.#pending.get(header.callId) : undefined;
    if (header.status === 'FATAL') {
      // The server closes the connection after a FATAL; Java's client fails every call on it.
      const error = call === undefined ? setupError(header, this.#o.server) : callError(header, call.method, this.#o.server);
      if (call !== undefined) this.#settle(call, error);
      void session.close(error);
      return;
    }
    // No entry: the answer to a call that already timed out.
    if (call === undefined || call.session !== session) return;
    if (header.status === 'ERROR') {
      this.#settle(call, callError(header, call.method, this.#o.server));
      return;
    }
    if (header.clientId !== undefined && header.clientId.length > 0 && !header.clientId.equals(this.#clientId)) {
      this.#settle(
        call,
        new ConnectionError(`${call.method} on ${this.#o.server}: response carries another client's id`, {
          method: call.method,
          server: this.#o.server,
        }),
      );
      return;
    }
    this.#settle(call, undefined, body ?? EMPTY);
  }

  #onSessionClose(session: Session, reason: SpindleError): void {
    if (this.#session === session) {
      this.#session = undefined;
      this.#qop = undefined;
    }
    for (const call of [...this.#pending.values()]) {
      if (call.session === session) this.#settle(call, forCall(reason, call.method));
    }
  }
}

/** The typed error for an ERROR or FATAL answer to a call. */
function callError(header: RpcResponseHeader, method: string, server: string): SpindleError {
  if (header.errorDetail === 'FATAL_UNAUTHORIZED') return forCall(setupError(header, server), method);
  const cls = header.exceptionClassName;
  const text = firstLine(header.errorMsg) || (header.errorDetail ?? header.status);
  return fromJavaException(cls, `${method} on ${server}: ${cls === undefined ? '' : `${simpleClassName(cls)}: `}${text}`, {
    method,
    server,
  });
}

/** The same error, re-made for one call: same class and fields, message prefixed with the method. */
function forCall(reason: SpindleError, method: string): SpindleError {
  if (!(reason instanceof SpindleError)) {
    return new ConnectionError(`${method}: ${errorMessage(reason)}`, { method, cause: reason });
  }
  const Cls = reason.constructor as new (message: string, options: SpindleErrorOptions) => SpindleError;
  const options: SpindleErrorOptions = { method, cause: reason, retriable: reason.retriable };
  for (const key of ['operation', 'path', 'server', 'exceptionClassName', 'appId', 'containerId', 'status'] as const) {
    if (reason[key] !== undefined) (options as Record<string, unknown>)[key] = reason[key];
  }
  return new Cls(`${method}: ${reason.message}`, options);
}
