/**
 * One TCP connection's lifetime: connect, preamble, SASL, connection context, then packet I/O
 * (wrapped when SASL negotiated integrity or privacy) and idle pings. It knows nothing about
 * calls: responses go up to the RpcConnection, which owns call ids.
 *
 * With a security layer every packet in both directions travels inside a SASL WRAP packet:
 *
 *   +--------+-------------------------------+-----------------------------------------------+
 *   | length | RpcRequestHeader{callId -33}  | RpcSaslProto{state WRAP, token=wrap(bytes)}   |
 *   +--------+-------------------------------+-----------------------------------------------+
 *
 * where `bytes` is a whole ordinary packet, 4-byte length included (split into pieces of at most
 * the layer's rawSendSize). Incoming WRAP tokens unwrap to a byte stream of ordinary packets that
 * may start in one token and end in the next, so they go through a second frame decoder.
 */
import {
  AuthenticationError,
  ConnectionError,
  ProtocolError,
  SpindleError,
  type SpindleErrorOptions,
  errorMessage,
} from '../errors/index.js';
import {
  FrameDecoder,
  decodeResponsePacket,
  encodeContextPacket,
  encodePingPacket,
  encodePreamble,
  encodeSaslPacket,
  type ResponsePacket,
} from './framing.js';
import { CallIds, decodeSasl, type RpcResponseHeader } from './messages.js';
import type { ResolvedOptions, RpcSocket } from './options.js';
import { SaslNegotiation, type Qop, type SaslSecurityLayer } from './sasl-negotiation.js';

/** What a session reports to its owner. */
export interface SessionEvents {
  /** A response packet for a call or a server-initiated FATAL, after the handshake. */
  onResponse(packet: ResponsePacket): void;
  /** The session ended after a successful open(); called exactly once. */
  onClose(reason: SpindleError): void;
}

type State = 'new' | 'connecting' | 'handshake' | 'ready' | 'closed';

/** First line of a Java error message (the rest is a stack trace). */
export function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n', 1)[0]!.trim();
}

/** Simple name of a Java class. */
export function simpleClassName(className: string): string {
  return className.slice(className.lastIndexOf('.') + 1);
}

/** The error for a non-SUCCESS response received while setting the connection up. */
export function setupError(header: RpcResponseHeader, server: string): SpindleError {
  const cls = header.exceptionClassName;
  const what = cls === undefined ? firstLine(header.errorMsg) : `${simpleClassName(cls)}: ${firstLine(header.errorMsg)}`;
  const options: SpindleErrorOptions = { server, ...(cls === undefined ? {} : { exceptionClassName: cls }) };
  return new AuthenticationError(`server ${server} refused the connection: ${what || header.status}`, options);
}

export class Session {
  readonly #o: ResolvedOptions;
  readonly #clientId: Buffer;
  readonly #events: SessionEvents;
  #state: State = 'new';
  #socket: RpcSocket | undefined;
  readonly #decoder: FrameDecoder;
  /** Ordinary packets reassembled from unwrapped WRAP tokens. */
  readonly #unwrapped: FrameDecoder;
  #negotiation: SaslNegotiation | undefined;
  #layer: SaslSecurityLayer | undefined;
  #qop: Qop | undefined;
  #socketError: Error | undefined;
  #lastActivity = 0;
  #pingTimer: unknown;
  #settleOpen: ((error?: SpindleError) => void) | undefined;
  #closeReason: SpindleError | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: ResolvedOptions, clientId: Buffer, events: SessionEvents) {
    this.#o = options;
    this.#clientId = clientId;
    this.#events = events;
    this.#decoder = new FrameDecoder(options.maxPacketLength);
    this.#unwrapped = new FrameDecoder(options.maxPacketLength);
  }

  /** The negotiated SASL quality of protection; undefined for simple auth. */
  get qop(): Qop | undefined {
    return this.#qop;
  }

  get isOpen(): boolean {
    return this.#state === 'ready';
  }

  /**
   * Connect and set the connection up. Rejects with ConnectionError (unreachable, closed, timed
   * out; retriable), AuthenticationError or ProtocolError; the socket is gone by then.
   */
  open(): Promise<void> {
    if (this.#state !== 'new') throw new Error('Session.open called twice');
    const { clock, connectTimeoutMs, server } = this.#o;
    return new Promise<void>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        this.#abort(new ConnectionError(`connect to ${server}: not established within ${connectTimeoutMs} ms`, { server }));
      }, connectTimeoutMs);
      this.#settleOpen = (error) => {
        this.#settleOpen = undefined;
        clock.clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
      try {
        this.#connect();
      } catch (e) {
        const reason =
          e instanceof SpindleError ? e : new ConnectionError(`connect to ${server}: ${errorMessage(e)}`, { server, cause: e });
        this.#abort(reason);
      }
    });
  }

  /** Send one ordinary packet (wrapped if needed). Throws ConnectionError once closed. */
  send(packet: Buffer): void {
    if (this.#state !== 'ready') {
      // Why it closed (e.g. a FATAL refusing our auth) says more than "closed".
      throw this.#closeReason ?? new ConnectionError(`connection to ${this.#o.server} is not open`, { server: this.#o.server });
    }
    this.#write(packet);
  }

  /** Close the socket; resolves once it is gone. */
  close(reason?: SpindleError): Promise<void> {
    this.#abort(
      reason ?? new ConnectionError(`connection to ${this.#o.server} closed by the client`, { server: this.#o.server, retriable: false }),
    );
    return this.#closed ?? Promise.resolve();
  }

  #connect(): void {
    const { auth, host, port, socketFactory } = this.#o;
    const socket = socketFactory(host, port);
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', (e: Error) => {
      this.#socketError ??= e;
    });
    socket.on('close', () => this.#onSocketClose());
    // The server closing its side ends the connection; a half-open RPC connection is useless.
    socket.on('end', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    const start = (): void => {
      if (this.#state !== 'connecting') return;
      this.#state = 'handshake';
      this.#lastActivity = this.#o.clock.now();
      if (auth.kind === 'token') {
        this.#negotiation = new SaslNegotiation({
          server: this.#o.server,
          credentials: auth,
          ...(this.#o.allowedQops === undefined ? {} : { allowedQops: this.#o.allowedQops }),
          mechanismFactory: this.#o.saslMechanism,
        });
        socket.write(Buffer.concat([encodePreamble('sasl'), encodeSaslPacket(this.#negotiation.start())]));
      } else {
        // No SASL: the server says nothing until the first call, so the connection is ready now.
        // A server that refuses SIMPLE answers the preamble alone with a FATAL and hangs up at
        // once; if our context or call reached it separately, its close resets the connection
        // and our next write fails with EPIPE before that FATAL is read. Holding the preamble,
        // context and the calls made in this turn of the event loop in one segment lets the
        // FATAL arrive ahead of the reset, so the caller learns why.
        socket.cork();
        socket.write(encodePreamble('none'));
        this.#finishHandshake(auth.user);
        setImmediate(() => socket.uncork());
      }
    };
    this.#state = 'connecting';
    if (socket.connecting === true) socket.once('connect', start);
    else start();
  }

  /** A method, not a field test, because TypeScript narrows `#state` across the calls that change it. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #onData(chunk: Buffer): void {
    if (this.#state === 'closed') return;
    this.#lastActivity = this.#o.clock.now();
    try {
      for (const packet of this.#decoder.push(chunk)) {
        this.#onPacket(packet);
        if (this.#isClosed()) return;
      }
    } catch (e) {
      this.#abort(asSpindleError(e, `reading from ${this.#o.server}`, this.#o.server));
    }
  }

  #onPacket(packet: Buffer): void {
    const response = decodeResponsePacket(packet);
    if (this.#layer !== undefined && response.header.callId === CallIds.SASL && response.header.status === 'SUCCESS') {
      const sasl = decodeSasl(response.body ?? Buffer.alloc(0));
      if (sasl.state !== 'WRAP' || sasl.token === undefined) {
        throw new ProtocolError(`server ${this.#o.server} sent SASL ${sasl.state} where a WRAP was expected`);
      }
      for (const inner of this.#unwrapped.push(this.#layer.unwrap(sasl.token))) {
        this.#dispatch(decodeResponsePacket(inner));
        if (this.#isClosed()) return;
      }
      return;
    }
    this.#dispatch(response);
  }

  #dispatch(response: ResponsePacket): void {
    if (this.#state === 'handshake') this.#onHandshakePacket(response);
    else if (this.#state === 'ready') this.#events.onResponse(response);
  }

  #onHandshakePacket({ header, body }: ResponsePacket): void {
    if (header.status !== 'SUCCESS') throw setupError(header, this.#o.server);
    if (header.callId !== CallIds.SASL || this.#negotiation === undefined) {
      throw new ProtocolError(`server ${this.#o.server} answered call ${header.callId} before authentication finished`);
    }
    const step = this.#negotiation.receive(decodeSasl(body ?? Buffer.alloc(0)));
    if (step.send !== undefined) {
      this.#write(encodeSaslPacket(step.send));
      return;
    }
    this.#qop = step.outcome.qop;
    this.#layer = step.outcome.securityLayer;
    this.#finishHandshake(undefined);
  }

  /** Send the connection context (wrapped if SASL negotiated it) and become ready. */
  #finishHandshake(effectiveUser: string | undefined): void {
    this.#negotiation = undefined;
    const context = { protocol: this.#o.protocol, ...(effectiveUser === undefined ? {} : { effectiveUser }) };
    this.#write(encodeContextPacket(this.#clientId, context));
    this.#state = 'ready';
    this.#armPing(this.#o.pingIntervalMs);
    this.#settleOpen?.();
  }

  #write(packet: Buffer): void {
    const socket = this.#socket!;
    this.#lastActivity = this.#o.clock.now();
    const layer = this.#layer;
    if (layer === undefined) {
      socket.write(packet);
      return;
    }
    // Java's client splits its stream into pieces the server's receive buffer can take.
    const step = Math.max(1, layer.rawSendSize);
    for (let at = 0; at < packet.length; at += step) {
      socket.write(encodeSaslPacket({ state: 'WRAP', token: layer.wrap(packet.subarray(at, at + step)) }));
    }
  }

  /**
   * Hadoop's client pings after ipc.ping.interval without traffic so that idle connections are
   * kept alive through middleboxes and a dead peer is noticed. The timer fires at most once per
   * interval and checks how long the connection has really been idle.
   */
  #armPing(delayMs: number): void {
    const interval = this.#o.pingIntervalMs;
    if (interval <= 0 || this.#state !== 'ready') return;
    this.#pingTimer = this.#o.clock.setTimeout(() => {
      this.#pingTimer = undefined;
      if (this.#state !== 'ready') return;
      const idle = this.#o.clock.now() - this.#lastActivity;
      if (idle >= interval) {
        try {
          this.#write(encodePingPacket(this.#clientId));
        } catch (e) {
          this.#abort(asSpindleError(e, `ping ${this.#o.server}`, this.#o.server));
          return;
        }
        this.#armPing(interval);
      } else {
        this.#armPing(interval - idle);
      }
    }, delayMs);
  }

  #abort(reason: SpindleError): void {
    if (this.#state === 'closed') return;
    const wasReady = this.#state === 'ready';
    this.#state = 'closed';
    this.#closeReason = reason;
    if (this.#pingTimer !== undefined) this.#o.clock.clearTimeout(this.#pingTimer);
    this.#socket?.destroy();
    if (wasReady) this.#events.onClose(reason);
    else this.#settleOpen?.(reason);
  }

  #onSocketClose(): void {
    const server = this.#o.server;
    const err = this.#socketError;
    if (this.#state === 'handshake' && this.#negotiation?.awaitingVerdict === true && err === undefined) {
      // Hadoop answers a token it cannot verify by closing the connection without a word (the
      // RM logs "Auth failed ... DIGEST-MD5: IO error acquiring password"). Retrying will not help.
      this.#abort(
        new AuthenticationError(
          `SASL authentication to ${server} failed: the server closed the connection after our DIGEST-MD5 ` +
            'response, so it rejected the token (unknown, expired or for an attempt the server no longer knows; ' +
            "the server's log names the reason)",
          { server },
        ),
      );
      return;
    }
    const during = this.#state === 'ready' ? '' : ' during connection setup';
    const reason =
      err === undefined
        ? new ConnectionError(`connection to ${server} closed by the server${during}`, { server })
        : new ConnectionError(`connection to ${server} failed${during}: ${err.message}`, { server, cause: err });
    this.#abort(reason);
  }
}

/** Wrap anything thrown into a SpindleError, keeping SpindleErrors as they are. */
function asSpindleError(e: unknown, doing: string, server: string): SpindleError {
  if (e instanceof SpindleError) return e;
  return new ProtocolError(`${doing}: ${errorMessage(e)}`, { server, cause: e });
}
