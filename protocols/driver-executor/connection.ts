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
import { type ChannelKeys, deriveChannelKeys, RECORD_PLAINTEXT_BYTES, Transcript } from './record-layer.js';
import { PROTOCOL_VERSION } from './schemas.js';

/**
 * A message channel over one socket (any Duplex: a TCP socket, or an in-memory pair in tests).
 * Writes made in the same tick go out in one syscall (cork until the next tick), which is what
 * lets a batch of task launches or status updates cost one packet, and, on a protected channel,
 * one record. Handshakes for both ends live here too: `connectToDriver` (executor side) and
 * `acceptExecutor` (driver side); the channels they return are protected (record-layer.ts).
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
  /** Frames sent this tick and not yet sealed (protected channels only). */
  private outgoing: Buffer[] = [];
  private outgoingBytes = 0;

  constructor(
    private readonly socket: Duplex,
    maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
    /** Bytes already read past the handshake. */
    leftover?: Buffer,
    /** Record protection agreed in the handshake; without it frames travel in the clear (tests of framing only). */
    private readonly keys?: ChannelKeys,
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
    const frame = encodeMessage(message);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.seal();
        this.socket.uncork();
      });
    }
    if (!this.keys) {
      this.socket.write(frame);
      return;
    }
    this.outgoing.push(frame);
    this.outgoingBytes += frame.length;
    // A large message goes out now, as it is sealed, so that `congested` tells the truth about it.
    if (this.outgoingBytes >= RECORD_PLAINTEXT_BYTES) this.seal();
  }

  /** Seals and writes the frames queued so far (protected channels). */
  private seal(): void {
    if (!this.keys || this.outgoingBytes === 0) return;
    const records = this.keys.sealer.seal(this.outgoing, this.outgoingBytes);
    this.outgoing = [];
    this.outgoingBytes = 0;
    for (const piece of records) this.socket.write(piece);
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
    this.seal();
    this.socket.end();
  }

  destroy(err?: Error): void {
    this.socket.destroy(err);
  }

  private receive(chunk: Buffer): void {
    const messages: Message[] = [];
    try {
      const plain = this.keys ? this.keys.opener.push(chunk) : [chunk];
      for (const p of plain) for (const m of this.decoder.push(p)) messages.push(m);
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
  /** Every frame body `next` takes is added here, as is the preamble. */
  readonly transcript = new Transcript();
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
    const frame = await this.nextFrame();
    const message = decodeFrameBody(frame, new Set<MessageType>([type, 'reject'])) as MessageOf<T> | MessageOf<'reject'>;
    this.transcript.add(frame);
    return message;
  }

  /** The body of the next frame, undecoded (the peer's first protected record). */
  async nextFrame(): Promise<Buffer> {
    if (this.failure) throw this.failure;
    return this.takeFrame() ?? (await new Promise<Buffer>((resolve, reject) => (this.waiter = { resolve, reject })));
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
        this.transcript.add(this.raw.subarray(0, PREAMBLE_LENGTH));
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

/** A frame's body: what follows its length. */
function frameBody(frame: Buffer): Buffer {
  return frame.subarray(4);
}

/**
 * Checks the peer's first protected record, an empty one that ends its side of the handshake. A
 * peer whose keys differ (another secret, or a handshake altered on the way) fails here.
 */
function confirmFinished(keys: ChannelKeys, record: Buffer, what: string): void {
  let plain: Buffer;
  try {
    plain = keys.opener.open(record);
  } catch (err) {
    throw new AuthenticationError(
      `${what}: the peer's first protected record did not authenticate (was the handshake altered on the way?)`,
      {
        cause: err,
      },
    );
  }
  if (plain.length !== 0) throw new ProtocolError(`${what}: the peer's first protected record is not empty`);
}

function expect<T extends Message['type']>(m: Message, type: T, what: string): MessageOf<T> {
  // A reject may come before the peer proved anything: its reason is printed so it cannot forge log lines.
  if (m.type === 'reject') throw new AuthenticationError(`${what}: refused: ${printable(m.reason)}`);
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
  const { transcript } = reader;
  const run = async (): Promise<{ welcome: Welcome; keys: ChannelKeys }> => {
    const nonce = newNonce();
    const preamble = encodePreamble();
    const hello = encodeMessage({ type: 'hello', ...identity, nonce });
    transcript.add(preamble);
    transcript.add(frameBody(hello));
    socket.write(Buffer.concat([preamble, hello]));
    const challenge = expect(await reader.next('challenge'), 'challenge', what);
    if (!proofMatches(driverProof(secret, nonce, challenge.nonce), challenge.proof)) {
      throw new AuthenticationError(`${what}: the driver could not prove it knows the application secret`);
    }
    const proof = encodeMessage({ type: 'proof', proof: executorProof(secret, challenge.nonce, nonce, identity.executorId) });
    transcript.add(frameBody(proof));
    socket.write(proof);
    const welcome = expect(await reader.next('welcome'), 'welcome', what);
    const keys = deriveChannelKeys(secret, nonce, challenge.nonce, transcript.digest(), 'executor');
    // The driver's first record proves it derived the same keys from the same handshake; nothing of
    // the welcome is used before it does (a relay may have changed it).
    confirmFinished(keys, await reader.nextFrame(), what);
    socket.write(Buffer.concat(keys.sealer.seal([], 0)));
    return { welcome: { appId: welcome.appId, nameNodes: welcome.nameNodes, hdfsUser: welcome.hdfsUser }, keys };
  };
  try {
    const { welcome, keys } = await withDeadline(run(), timeoutMs, what, reader);
    const leftover = reader.detach();
    return { channel: new MessageChannel(socket, DEFAULT_MAX_FRAME_BYTES, leftover, keys), welcome };
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
  const { transcript } = reader;
  const refuse = (reason: string): never => {
    socket.write(encodeMessage({ type: 'reject', reason }));
    throw new AuthenticationError(`${what}: ${reason}`);
  };
  const run = async (): Promise<{ identity: ExecutorIdentity; keys: ChannelKeys }> => {
    const hello = expect(await reader.next('hello'), 'hello', what);
    if (reader.version !== PROTOCOL_VERSION) {
      refuse(`protocol version ${String(reader.version)} is not supported (the driver speaks ${PROTOCOL_VERSION})`);
    }
    const nonce = newNonce();
    const challenge = encodeMessage({ type: 'challenge', nonce, proof: driverProof(secret, hello.nonce, nonce) });
    transcript.add(frameBody(challenge));
    socket.write(challenge);
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
    const welcomeFrame = encodeMessage({ type: 'welcome', ...welcome });
    transcript.add(frameBody(welcomeFrame));
    const keys = deriveChannelKeys(secret, hello.nonce, nonce, transcript.digest(), 'driver');
    socket.write(Buffer.concat([welcomeFrame, ...keys.sealer.seal([], 0)]));
    // The executor's first record proves it saw the same handshake (its hello unaltered on the way).
    confirmFinished(keys, await reader.nextFrame(), what);
    return { identity, keys };
  };
  try {
    const { identity: executor, keys } = await withDeadline(run(), timeoutMs, what, reader);
    const leftover = reader.detach();
    return { channel: new MessageChannel(socket, DEFAULT_MAX_FRAME_BYTES, leftover, keys), executor };
  } catch (err) {
    reader.detach();
    socket.end();
    setTimeout(() => socket.destroy(), 100).unref();
    throw err;
  }
}
