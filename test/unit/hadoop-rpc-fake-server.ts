/**
 * Test doubles for protocols/hadoop-rpc: an in-process Hadoop IPC server on a real TCP port
 * (127.0.0.1, port 0), a fake SASL mechanism pair, an XOR "security layer" and a manual clock.
 * The server speaks the wire format through the package's own codecs, but checks what a real
 * server checks (preamble, header presence, SASL echo equality, context before calls).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { EventEmitter, once } from 'node:events';
import { AuthenticationError } from '../../protocols/errors/index.js';
import { FrameDecoder, encodePacket, splitDelimited } from '../../protocols/hadoop-rpc/framing.js';
import {
  decodeConnectionContext,
  decodeMethodHeader,
  decodeRequestHeader,
  decodeSasl,
  encodeResponseHeader,
  encodeSasl,
  type ConnectionContext,
  type MethodHeader,
  type RpcResponseHeader,
  type SaslAuth,
  type SaslMessage,
} from '../../protocols/hadoop-rpc/messages.js';
import type { Clock } from '../../protocols/hadoop-rpc/options.js';
import type {
  Qop,
  SaslMechanism,
  SaslMechanismFactory,
  SaslMechanismOptions,
  SaslSecurityLayer,
} from '../../protocols/hadoop-rpc/sasl-negotiation.js';

/** A request header as the server saw it, presence of rpcKind/rpcOp included. */
export type SeenHeader = ReturnType<typeof decodeRequestHeader>;

export interface ReceivedCall {
  header: SeenHeader;
  method: MethodHeader;
  body: Buffer;
  conn: ServerConnection;
}

/** XOR "encryption" with a marker byte, so a missing unwrap shows; tiny rawSendSize forces splits. */
export function xorLayer(qop: 'auth-int' | 'auth-conf' = 'auth-conf', rawSendSize = 7): SaslSecurityLayer {
  const flip = (b: Uint8Array): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    qop,
    rawSendSize,
    wrap: (m) => Buffer.concat([Buffer.from([0xee]), flip(m)]),
    unwrap: (t) => {
      if (t[0] !== 0xee) throw new AuthenticationError('xor layer: bad marker');
      return flip(t.subarray(1));
    },
  };
}

/** What the fake client mechanism answers to a challenge. */
export function fakeResponse(o: SaslMechanismOptions, challenge: Uint8Array): Buffer {
  return Buffer.from(`response(${o.username},${o.password},${o.protocol}/${o.serverId},${Buffer.from(challenge).toString()})`);
}

export const RSPAUTH = Buffer.from('rspauth=ok');

/** A client mechanism that needs no cryptography; records what it was created with. */
export function fakeMechanism(
  qop: Qop = 'auth',
  layer?: SaslSecurityLayer,
): {
  factory: SaslMechanismFactory;
  created: SaslMechanismOptions[];
} {
  const created: SaslMechanismOptions[] = [];
  const factory: SaslMechanismFactory = (o) => {
    created.push(o);
    let responded = false;
    const mechanism: SaslMechanism = {
      respond: (challenge) => {
        responded = true;
        return fakeResponse(o, challenge);
      },
      verifyServerFinal: (message) => {
        if (!responded || !Buffer.from(message).equals(RSPAUTH)) throw new AuthenticationError('fake: rspauth mismatch');
      },
      get qop() {
        return responded ? qop : undefined;
      },
      securityLayer: () => layer,
    };
    return mechanism;
  };
  return { factory, created };
}

export interface FakeServerOptions {
  /** 'simple' accepts auth byte 0; 'token' requires SASL; 'simple-sasl' answers NEGOTIATE with SUCCESS. */
  auth: 'simple' | 'token' | 'simple-sasl';
  /** The auths advertised in NEGOTIATE. Default: TOKEN/DIGEST-MD5, protocol '', serverId 'default', inline challenge. */
  auths?: SaslAuth[];
  /** Send the challenge in a separate CHALLENGE round instead of inline. */
  challengeRound?: boolean;
  /** Final server message in SUCCESS. Default RSPAUTH. */
  rspauth?: Buffer;
  /** Close without a word after the client's response, as Hadoop does for a token it cannot verify. */
  rejectSilently?: boolean;
  /** Security layer the server uses after SUCCESS (server view: it wraps with the same XOR). */
  layer?: SaslSecurityLayer;
}

export const DEFAULT_AUTHS: SaslAuth[] = [
  { method: 'TOKEN', mechanism: 'DIGEST-MD5', protocol: '', serverId: 'default', challenge: Buffer.from('challenge-1') },
  { method: 'SIMPLE', mechanism: '' },
];

/** One accepted connection, seen from the server. */
export class ServerConnection extends EventEmitter {
  preamble: Buffer | undefined;
  context: ConnectionContext | undefined;
  contextHeader: SeenHeader | undefined;
  /** Raw body bytes of the IpcConnectionContextProto. */
  contextBytes: Buffer | undefined;
  readonly saslIn: { header: SeenHeader; message: SaslMessage }[] = [];
  readonly calls: ReceivedCall[] = [];
  readonly pings: SeenHeader[] = [];
  /** The first bytes read from the socket in one go. */
  firstChunk: Buffer | undefined;
  /** Number of WRAP packets received. */
  wrapsIn = 0;
  closed = false;
  readonly #socket: Socket;
  readonly #o: FakeServerOptions;
  readonly #decoder = new FrameDecoder();
  readonly #inner = new FrameDecoder();
  #pre = Buffer.alloc(0);
  #wrapping = false;

  constructor(socket: Socket, options: FakeServerOptions) {
    super();
    this.#socket = socket;
    this.#o = options;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.emit('closed');
    });
  }

  /** Answer a call with a response message. */
  reply(callId: number, body: Uint8Array): void {
    this.send({ callId, status: 'SUCCESS' }, body);
  }

  /** Answer with ERROR (connection stays open). */
  error(callId: number, exceptionClassName: string, errorMsg: string, errorDetail = 'ERROR_APPLICATION'): void {
    this.send({ callId, status: 'ERROR', exceptionClassName, errorMsg, errorDetail });
  }

  /** Answer with FATAL and close, as Hadoop does. */
  fatal(callId: number, exceptionClassName: string, errorMsg: string, errorDetail = 'FATAL_UNKNOWN'): void {
    this.send({ callId, status: 'FATAL', exceptionClassName, errorMsg, errorDetail });
    this.#socket.end();
  }

  /** Encode a response packet (wrapped if the layer is on) without sending it. */
  packet(header: RpcResponseHeader, body?: Uint8Array): Buffer {
    return encodePacket(body === undefined ? [encodeResponseHeader(header)] : [encodeResponseHeader(header), body]);
  }

  /** Send a response; with a security layer, `bytes` may hold several packets or part of one. */
  send(header: RpcResponseHeader, body?: Uint8Array): void {
    this.sendRaw(this.packet(header, body));
  }

  /** Send bytes of ordinary packets, one WRAP token for all of them when wrapping. */
  sendRaw(bytes: Buffer): void {
    if (this.#wrapping) {
      const token = this.#o.layer!.wrap(bytes);
      this.#socket.write(this.packet({ callId: -33, status: 'SUCCESS' }, encodeSasl({ state: 'WRAP', token })));
    } else {
      this.#socket.write(bytes);
    }
  }

  /** Drop the connection without a word. */
  destroy(): void {
    this.#socket.destroy();
  }

  /** Resolves with the next call this connection receives (or one already received, by index). */
  async call(index: number): Promise<ReceivedCall> {
    while (this.calls.length <= index) await once(this, 'call');
    return this.calls[index]!;
  }

  #onData(chunk: Buffer): void {
    this.firstChunk ??= chunk;
    let data = chunk;
    if (this.preamble === undefined) {
      this.#pre = Buffer.concat([this.#pre, data]);
      if (this.#pre.length < 7) return;
      this.preamble = this.#pre.subarray(0, 7);
      data = this.#pre.subarray(7);
      const authByte = this.preamble[6];
      const wantByte = this.#o.auth === 'simple' ? 0x00 : 0xdf;
      if (authByte !== wantByte) {
        this.send({
          callId: -1,
          status: 'FATAL',
          exceptionClassName: 'org.apache.hadoop.security.AccessControlException',
          errorMsg: 'SIMPLE authentication is not enabled.  Available:[TOKEN]',
          errorDetail: 'FATAL_UNAUTHORIZED',
        });
        this.#socket.end();
        return;
      }
    }
    for (const p of this.#decoder.push(data)) this.#onPacket(p);
  }

  #onPacket(packet: Buffer): void {
    const [headerBytes, ...rest] = splitDelimited(packet);
    const header = decodeRequestHeader(headerBytes!);
    if (header.rpcKind !== 2 || header.rpcOp !== 0) {
      this.fatal(header.callId, 'org.apache.hadoop.ipc.IpcException', 'header without rpcKind/rpcOp', 'FATAL_INVALID_RPC_HEADER');
      return;
    }
    if (header.callId === -33) {
      const message = decodeSasl(rest[0]!);
      if (message.state === 'WRAP') {
        this.wrapsIn += 1;
        for (const inner of this.#inner.push(this.#o.layer!.unwrap(message.token!))) this.#onPacket(inner);
        return;
      }
      this.saslIn.push({ header, message });
      this.#onSasl(message);
    } else if (header.callId === -3) {
      this.contextHeader = header;
      this.contextBytes = rest[0]!;
      this.context = decodeConnectionContext(rest[0]!);
      this.emit('context');
    } else if (header.callId === -4) {
      this.pings.push(header);
      this.emit('ping', header, rest.length);
    } else {
      if (this.context === undefined) {
        this.fatal(header.callId, 'org.apache.hadoop.ipc.IpcException', 'Connection context not established', 'FATAL_INVALID_RPC_HEADER');
        return;
      }
      const call: ReceivedCall = { header, method: decodeMethodHeader(rest[0]!), body: rest[1]!, conn: this };
      this.calls.push(call);
      this.emit('call', call);
    }
  }

  #onSasl(m: SaslMessage): void {
    const auths = this.#o.auths ?? DEFAULT_AUTHS;
    const sasl = (reply: SaslMessage): void => this.send({ callId: -33, status: 'SUCCESS' }, encodeSasl(reply));
    const refuse = (why: string): void => {
      this.send({
        callId: -33,
        status: 'FATAL',
        exceptionClassName: 'javax.security.sasl.SaslException',
        errorMsg: why,
        errorDetail: 'FATAL_UNAUTHORIZED',
      });
      this.#socket.end();
    };
    if (m.state === 'NEGOTIATE') {
      if (this.#o.auth === 'simple-sasl') return sasl({ state: 'SUCCESS' });
      const advertised = this.#o.challengeRound ? auths.map(({ challenge: _c, ...a }) => a) : auths;
      return sasl({ state: 'NEGOTIATE', auths: advertised });
    }
    const advertised = auths.map(({ challenge: _c, ...a }) => JSON.stringify(a));
    if (m.state === 'INITIATE') {
      // Hadoop compares the echoed auth with the advertised ones as protobuf messages.
      if (m.auths?.length !== 1 || !advertised.includes(JSON.stringify(m.auths[0]))) return refuse('TOKEN authentication is not enabled');
      if (this.#o.challengeRound) return sasl({ state: 'CHALLENGE', token: Buffer.from('challenge-2') });
      return this.#checkResponse(m.token, 'challenge-1');
    }
    if (m.state === 'RESPONSE') return this.#checkResponse(m.token, 'challenge-2');
    refuse(`unexpected ${m.state}`);
  }

  #checkResponse(token: Buffer | undefined, challenge: string): void {
    if (this.#o.rejectSilently) {
      this.#socket.destroy();
      return;
    }
    const expected = `,${challenge})`;
    if (token === undefined || !token.toString().endsWith(expected)) {
      this.send({
        callId: -33,
        status: 'FATAL',
        exceptionClassName: 'javax.security.sasl.SaslException',
        errorMsg: 'bad response',
        errorDetail: 'FATAL_UNAUTHORIZED',
      });
      this.#socket.end();
      return;
    }
    this.emit('sasl-response', token.toString());
    this.send({ callId: -33, status: 'SUCCESS' }, encodeSasl({ state: 'SUCCESS', token: this.#o.rspauth ?? RSPAUTH }));
    if (this.#o.layer !== undefined) this.#wrapping = true;
  }
}

/** The fake server: accepts connections on 127.0.0.1 and records them. */
export class FakeRpcServer extends EventEmitter {
  readonly connections: ServerConnection[] = [];
  #server: Server | undefined;
  readonly #o: FakeServerOptions;

  constructor(options: FakeServerOptions) {
    super();
    this.#o = options;
  }

  async start(): Promise<number> {
    this.#server = createServer((socket) => {
      const conn = new ServerConnection(socket, this.#o);
      this.connections.push(conn);
      this.emit('connection', conn);
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return (this.#server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.destroy();
    if (this.#server !== undefined) await new Promise((resolve) => this.#server!.close(resolve));
  }

  /** The n-th connection (0-based), waiting for it if needed. */
  async connection(index: number): Promise<ServerConnection> {
    while (this.connections.length <= index) await once(this, 'connection');
    return this.connections[index]!;
  }
}

/** A manual clock: timers run only when the test advances time. */
export class FakeClock implements Clock {
  #now = 1_000_000;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; ms: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + ms, ms, fn });
    return id;
  }

  /** The delay each waiting timer was scheduled with. */
  get delays(): number[] {
    return [...this.#timers.values()].map((t) => t.ms);
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  now(): number {
    return this.#now;
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Move time forward, running due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; ms: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }
}

/** Let pending I/O callbacks and promise reactions run (a few event-loop turns, no wall-clock wait). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Spin the event loop until `condition` holds; fails after `turns` turns. */
export async function until(condition: () => boolean, what: string, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}
