import type { Duplex } from 'node:stream';
import { AuthenticationError, ConnectionError, ProtocolError, printable, TimeoutError, toError } from '../errors/index.js';
import { driverProof, executorProof, newNonce, proofMatches } from './auth.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  HANDSHAKE_MAX_FRAME_BYTES,
  PREAMBLE_LENGTH,
  decodeFrameBody,
  decodePreamble,
  encodeMessage,
  encodePreamble,
} from './codec.js';
import type { Message, MessageOf, MessageType } from './messages.js';
import { PROTOCOL_VERSION } from './schemas.js';

/**
 * A message channel over one socket (any Duplex: a TCP socket, or an in-memory pair in tests).
 * Writes made in the same tick go out in one syscall (cork until the next tick), which is what
 * lets a batch of task launches or status updates cost one packet. Handshakes for both ends live
 * here too: `connectToDriver` (executor side) and `acceptExecutor` (driver side).
 */

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;
/**
 * Connections a server holds in the handshake at once; more are closed on arrival. Each costs at
 * most a 4 KiB frame for at most the handshake timeout, and an honest executor's handshake takes a
 * round trip, so this only bounds what a flood of never-authenticating connections can hold.
 */
export const MAX_PENDING_HANDSHAKES = 256;

export class MessageChannel {
  private readonly decoder: FrameDecoder;
  private corked = false;
  private closed = false;
  private onMessage: ((m: Message) => void) | undefined;
  private onClose: ((err: Error | undefined) => void) | undefined;
  private backlog: Message[] = [];

  constructor(
    private readonly socket: Duplex,
    maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
    /** Bytes already read past the handshake. */
    leftover?: Buffer,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.once('close', () => this.finish(undefined));
    socket.on('error', (err) => this.finish(new ConnectionError(`driver-executor connection: ${err.message}`, { cause: err })));
    if (leftover && leftover.length > 0) this.receive(leftover);
  }

  /** Starts delivering messages (those received earlier are delivered first, in order). */
  listen(onMessage: (m: Message) => void, onClose: (err: Error | undefined) => void): void {
    this.onMessage = onMessage;
    this.onClose = onClose;
    const early = this.backlog;
    this.backlog = [];
    for (const m of early) onMessage(m);
    if (this.closed) onClose(undefined);
  }

  /** Queues a message; messages sent in one tick are written together. */
  send(message: Message): void {
    if (this.closed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeMessage(message));
  }

  /** Whether the socket's write buffer is above its high-water mark. */
  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Resolves when the write buffer has drained (at once if it is not congested). */
  drained(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Ends the connection after flushing what was sent. */
  end(): void {
    if (this.closed) return;
    this.socket.end();
  }

  destroy(err?: Error): void {
    this.socket.destroy(err);
  }

  private receive(chunk: Buffer): void {
    let messages: Message[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      this.socket.destroy(toError(err));
      return;
    }
    for (const m of messages) {
      if (this.onMessage) this.onMessage(m);
      else this.backlog.push(m);
    }
  }

  private finish(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.(err);
  }
}

/**
 * Reads frames one at a time during a handshake, with a small frame limit and a deadline. Frames
 * wait as bytes until the handshake asks for the next message: only a frame of the type it expects
 * (or a reject) is decoded, so nothing a peer sends before proving the secret is decoded beyond
 * the few small messages of the handshake.
 */
class HandshakeReader {
  /** Bytes after the preamble not yet taken as a frame; what remains after the handshake is the channel's. */
  private raw: Buffer = Buffer.alloc(0);
  private waiter: { resolve: (frame: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private preambleDone: boolean;
  version: number | undefined;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onEnd = (): void => this.fail(new ConnectionError('driver-executor handshake: the peer closed the connection'));
  private readonly onError = (err: Error): void =>
    this.fail(new ConnectionError(`driver-executor handshake: ${err.message}`, { cause: err }));

  constructor(
    private readonly socket: Duplex,
    expectPreamble: boolean,
  ) {
    this.preambleDone = !expectPreamble;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** The next message, which must be of type `type` or a reject. */
  async next<T extends MessageType>(type: T): Promise<MessageOf<T> | MessageOf<'reject'>> {
    if (this.failure) throw this.failure;
    const frame = this.takeFrame() ?? (await new Promise<Buffer>((resolve, reject) => (this.waiter = { resolve, reject })));
    return decodeFrameBody(frame, new Set<MessageType>([type, 'reject'])) as MessageOf<T> | MessageOf<'reject'>;
  }

  /** Stops reading; returns bytes received beyond the handshake. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    return this.raw;
  }

  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  /**
   * The body of the first frame in `raw` once it is complete, else undefined. Frames are taken only
   * when the handshake asks for one, so bytes after its last message stay raw for the channel.
   */
  private takeFrame(): Buffer | undefined {
    const length = this.nextLength();
    if (length === undefined || this.raw.length < 4 + length) return undefined;
    const body = this.raw.subarray(4, 4 + length);
    this.raw = this.raw.subarray(4 + length);
    return body;
  }

  /** The body length of the next frame once its header is in; throws for a size no handshake message has. */
  private nextLength(): number | undefined {
    if (this.raw.length < 4) return undefined;
    const length = this.raw.readUInt32BE(0);
    if (length === 0 || length > HANDSHAKE_MAX_FRAME_BYTES) throw new ProtocolError(`driver-executor handshake: frame of ${length} bytes`);
    return length;
  }

  private receive(chunk: Buffer): void {
    try {
      this.raw = this.raw.length === 0 ? chunk : Buffer.concat([this.raw, chunk]);
      if (!this.preambleDone) {
        if (this.raw.length < PREAMBLE_LENGTH) return;
        this.version = decodePreamble(this.raw);
        this.preambleDone = true;
        this.raw = this.raw.subarray(PREAMBLE_LENGTH);
      }
      const w = this.waiter;
      if (!w) {
        // Nobody asked yet: refuse an oversized frame before buffering it, and a peer that does not wait
        // for its turn (more than a frame or two ahead).
        this.nextLength();
        if (this.raw.length > 2 * (4 + HANDSHAKE_MAX_FRAME_BYTES)) {
          throw new ProtocolError('driver-executor handshake: too much data before its turn');
        }
        return;
      }
      const frame = this.takeFrame();
      if (frame) {
        this.waiter = undefined;
        w.resolve(frame);
      }
    } catch (err) {
      this.fail(toError(err));
    }
  }
}

async function withDeadline<T>(work: Promise<T>, ms: number, what: string, reader: HandshakeReader): Promise<T> {
  const timer = setTimeout(() => reader.fail(new TimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
  }
}

function expect<T extends Message['type']>(m: Message, type: T, what: string): MessageOf<T> {
  if (m.type === 'reject') throw new AuthenticationError(`${what}: refused: ${m.reason}`);
  if (m.type !== type) throw new ProtocolError(`${what}: expected ${type}, got ${m.type}`);
  return m as MessageOf<T>;
}

export interface ExecutorIdentity {
  executorId: string;
  host: string;
  containerId: string;
  cores: number;
  pid: number;
}

export interface Welcome {
  appId: string;
  nameNodes: string[];
  hdfsUser: string;
}

/**
 * Executor side: sends the preamble and hello, checks the driver's proof, proves itself, and
 * returns the channel once welcomed. AuthenticationError if either side cannot prove the secret.
 */
export async function connectToDriver(
  socket: Duplex,
  secret: Buffer,
  identity: ExecutorIdentity,
  timeoutMs: number = DEFAULT_HANDSHAKE_TIMEOUT_MS,
): Promise<{ channel: MessageChannel; welcome: Welcome }> {
  const what = 'connect to the driver';
  const reader = new HandshakeReader(socket, false);
  const run = async (): Promise<Welcome> => {
    const nonce = newNonce();
    socket.write(Buffer.concat([encodePreamble(), encodeMessage({ type: 'hello', ...identity, nonce })]));
    const challenge = expect(await reader.next('challenge'), 'challenge', what);
    if (!proofMatches(driverProof(secret, nonce, challenge.nonce), challenge.proof)) {
      throw new AuthenticationError(`${what}: the driver could not prove it knows the application secret`);
    }
    socket.write(encodeMessage({ type: 'proof', proof: executorProof(secret, challenge.nonce, nonce, identity.executorId) }));
    const welcome = expect(await reader.next('welcome'), 'welcome', what);
    return { appId: welcome.appId, nameNodes: welcome.nameNodes, hdfsUser: welcome.hdfsUser };
  };
  try {
    const welcome = await withDeadline(run(), timeoutMs, what, reader);
    const leftover = reader.detach();
    return { channel: new MessageChannel(socket, DEFAULT_MAX_FRAME_BYTES, leftover), welcome };
  } catch (err) {
    reader.detach();
    socket.destroy();
    throw err;
  }
}

/**
 * Driver side: reads the preamble and hello, proves the secret, checks the executor's proof, and
 * welcomes it. `admit` may refuse an executor (unknown id, already registered) by returning a
 * reason. On any failure the socket is closed and the error says why.
 */
export async function acceptExecutor(
  socket: Duplex,
  secret: Buffer,
  welcome: Welcome,
  admit: (hello: ExecutorIdentity) => string | undefined = () => undefined,
  timeoutMs: number = DEFAULT_HANDSHAKE_TIMEOUT_MS,
): Promise<{ channel: MessageChannel; executor: ExecutorIdentity }> {
  const what = 'executor handshake';
  const reader = new HandshakeReader(socket, true);
  const refuse = (reason: string): never => {
    socket.write(encodeMessage({ type: 'reject', reason }));
    throw new AuthenticationError(`${what}: ${reason}`);
  };
  const run = async (): Promise<ExecutorIdentity> => {
    const hello = expect(await reader.next('hello'), 'hello', what);
    if (reader.version !== PROTOCOL_VERSION) {
      refuse(`protocol version ${String(reader.version)} is not supported (the driver speaks ${PROTOCOL_VERSION})`);
    }
    const nonce = newNonce();
    socket.write(encodeMessage({ type: 'challenge', nonce, proof: driverProof(secret, hello.nonce, nonce) }));
    const proof = expect(await reader.next('proof'), 'proof', what);
    if (!proofMatches(executorProof(secret, nonce, hello.nonce, hello.executorId), proof.proof)) {
      // Not yet authenticated: what the hello says is the peer's word, printed so it cannot forge log lines.
      refuse(`executor ${printable(hello.executorId)} on ${printable(hello.host)} could not prove it knows the application secret`);
    }
    const identity: ExecutorIdentity = {
      executorId: hello.executorId,
      host: hello.host,
      containerId: hello.containerId,
      cores: hello.cores,
      pid: hello.pid,
    };
    const refusal = admit(identity);
    if (refusal) refuse(refusal);
    socket.write(encodeMessage({ type: 'welcome', ...welcome }));
    return identity;
  };
  try {
    const executor = await withDeadline(run(), timeoutMs, what, reader);
    const leftover = reader.detach();
    return { channel: new MessageChannel(socket, DEFAULT_MAX_FRAME_BYTES, leftover), executor };
  } catch (err) {
    reader.detach();
    socket.end();
    setTimeout(() => socket.destroy(), 100).unref();
    throw err;
  }
}
