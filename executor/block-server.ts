import { closeSync, openSync } from 'node:fs';
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import {
  acceptExecutor,
  connectToDriver,
  MAX_PENDING_HANDSHAKES,
  type MessageChannel,
  type Welcome,
} from '../protocols/driver-executor/index.js';
import { ConnectionError, TimeoutError, errorMessage } from '../protocols/errors/index.js';
import { copyMapOutput, mapOutputRange, readMapOutput, readRange, writeFullySync } from './shuffle-files.js';

/**
 * Executors serve their map output to each other. The block server speaks the driver-executor
 * protocol with the same challenge-response over the application secret (it takes the driver's
 * role in the handshake, the fetching executor the executor's), then answers `fetch` messages
 * with `blocks`. Only files named like map outputs, in this executor's shuffle directory, are
 * served.
 */

/** Largest piece of a segment in one message (a segment may be any size; frames may not). */
export const BLOCK_PIECE_BYTES = 4 * 1024 * 1024;
/** A fetch that gets no complete answer in this long fails (and is retried by the reader). */
export const FETCH_TIMEOUT_MS = 60_000;

export class BlockServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Connections in the handshake now (bounded by MAX_PENDING_HANDSHAKES). */
  private handshaking = 0;
  constructor(
    private readonly secret: Buffer,
    private readonly dir: string,
    private readonly welcome: Welcome,
    /** Map output sent to other executors since the server started: bytes, and segments (one per file asked for). */
    readonly served: { bytes: number; blocks: number } = { bytes: 0, blocks: 0 },
  ) {}

  /** Listens on all interfaces; returns the port. */
  async listen(port = 0): Promise<number> {
    const server = createServer((socket) => void this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async accept(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // A socket error ends in 'close' (handled above); unhandled it would kill the executor.
    socket.on('error', () => {});
    if (this.handshaking >= MAX_PENDING_HANDSHAKES) {
      socket.destroy();
      return;
    }
    this.handshaking++;
    let channel: MessageChannel;
    try {
      ({ channel } = await acceptExecutor(socket, this.secret, this.welcome));
    } catch {
      // A peer that fails the handshake has been refused and disconnected by acceptExecutor; it gets no
      // further answer, and it is not ours to log (anyone on the network can connect).
      return;
    } finally {
      this.handshaking--;
    }
    // Requests are answered one at a time, in order, with backpressure: a slow reader holds back
    // only its own connection.
    let queue = Promise.resolve();
    channel.listen(
      (m) => {
        if (m.type !== 'fetch') return;
        queue = queue.then(() => this.answer(channel, m.reqId, m.files, m.reduceId));
      },
      () => {},
    );
  }

  private async answer(channel: MessageChannel, reqId: number, files: string[], reduceId: number): Promise<void> {
    try {
      for (let i = 0; i < files.length; i++) {
        // Read a piece at a time: a large segment never sits whole in this executor's memory.
        const { path, start, length } = await mapOutputRange(this.dir, files[i]!, reduceId);
        for (let at = 0; at < length || at === 0; at += BLOCK_PIECE_BYTES) {
          const data = await readRange(path, start + at, Math.min(BLOCK_PIECE_BYTES, length - at));
          const last = i === files.length - 1 && at + BLOCK_PIECE_BYTES >= length;
          channel.send({ type: 'blocks', reqId, index: i, data, last, error: null });
          this.served.bytes += data.length;
          if (channel.congested) await channel.drained();
        }
        this.served.blocks++;
      }
      if (files.length === 0) channel.send({ type: 'blocks', reqId, index: 0, data: Buffer.alloc(0), last: true, error: null });
    } catch (err) {
      channel.send({ type: 'blocks', reqId, index: 0, data: Buffer.alloc(0), last: true, error: errorMessage(err) });
    }
  }
}

interface Pending {
  pieces: Buffer[][];
  /** Streaming fetches hand each piece here instead of collecting it. */
  onPiece?: (index: number, data: Buffer) => void;
  files: number;
  resolve: (segments: Buffer[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** One authenticated connection to a block server; owns its request ids. */
class BlockConnection {
  private nextReq = 1;
  private readonly pending = new Map<number, Pending>();
  closed = false;

  constructor(
    private readonly channel: MessageChannel,
    private readonly address: string,
  ) {
    channel.listen(
      (m) => {
        if (m.type !== 'blocks') return;
        const p = this.pending.get(m.reqId);
        if (!p) return;
        let error = m.error;
        // Pieces index the files asked for; any other index is a server that does not follow the protocol.
        if (error === null && (m.index < 0 || m.index >= Math.max(p.files, 1))) {
          error = `a piece for file ${m.index} of a request for ${p.files}`;
        }
        if (error === null) {
          try {
            if (p.onPiece) {
              if (m.data.length > 0) p.onPiece(m.index, m.data);
            } else (p.pieces[m.index] ??= []).push(m.data);
          } catch (err) {
            error = `keeping what was fetched failed: ${errorMessage(err)}`;
          }
        }
        if (!m.last && error === null) return;
        this.pending.delete(m.reqId);
        clearTimeout(p.timer);
        if (error !== null) p.reject(new ConnectionError(`fetch from ${this.address}: ${error}`));
        else p.resolve(p.onPiece ? [] : Array.from({ length: p.files }, (_, i) => Buffer.concat(p.pieces[i] ?? [])));
      },
      (err) => {
        this.closed = true;
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new ConnectionError(`fetch from ${this.address}: the connection closed${err ? `: ${err.message}` : ''}`));
        }
        this.pending.clear();
      },
    );
  }

  fetch(files: string[], reduceId: number, onPiece?: (index: number, data: Buffer) => void): Promise<Buffer[]> {
    const reqId = this.nextReq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new TimeoutError(`fetch from ${this.address}: no answer in ${FETCH_TIMEOUT_MS} ms`));
      }, FETCH_TIMEOUT_MS);
      timer.unref();
      this.pending.set(reqId, { pieces: [], files: files.length, resolve, reject, timer, ...(onPiece ? { onPiece } : {}) });
      this.channel.send({ type: 'fetch', reqId, files, reduceId });
    });
  }

  close(): void {
    this.channel.end();
  }
}

/** This executor's own block server: its address and the directory it serves. */
export interface OwnBlocks {
  address: string;
  dir: string;
}

/**
 * Fetches from block servers, keeping one connection per server. Segments this executor wrote
 * itself (`own`) are read from its shuffle directory instead, as Spark reads local blocks: no
 * socket, no encryption, no copy through the server.
 */
export class BlockClient {
  private readonly connections = new Map<string, Promise<BlockConnection>>();

  constructor(
    private readonly secret: Buffer,
    /** Who we are in the handshake (the executor id). */
    private readonly executorId: string,
    private readonly own?: OwnBlocks,
  ) {}

  async fetch(address: string, files: string[], reduceId: number): Promise<Buffer[]> {
    const own = this.own;
    if (own && address === own.address) return Promise.all(files.map((f) => readMapOutput(own.dir, f, reduceId)));
    return (await this.connection(address)).fetch(files, reduceId);
  }

  /**
   * Fetches one segment into a local file (created or truncated), a piece at a time, so a segment
   * of any size costs only a piece of memory; resolves with the bytes written.
   */
  async fetchToFile(address: string, file: string, reduceId: number, path: string): Promise<number> {
    if (this.own && address === this.own.address) return copyMapOutput(this.own.dir, file, reduceId, path);
    const conn = await this.connection(address);
    const fd = openSync(path, 'w');
    let written = 0;
    try {
      await conn.fetch([file], reduceId, (_index, data) => {
        writeFullySync(fd, data);
        written += data.length;
      });
    } finally {
      closeSync(fd);
    }
    return written;
  }

  private async connection(address: string): Promise<BlockConnection> {
    let conn = this.connections.get(address);
    if (conn) {
      // A connection that failed to open is replaced by a new one; its error went to the fetch that opened it.
      const c = await conn.catch(() => undefined);
      if (!c || c.closed) conn = undefined;
    }
    if (!conn) {
      conn = this.open(address);
      this.connections.set(address, conn);
      conn.catch(() => this.connections.delete(address));
    }
    return conn;
  }

  close(): void {
    for (const c of this.connections.values())
      void c.then(
        (x) => x.close(),
        () => {},
      );
    this.connections.clear();
  }

  private async open(address: string): Promise<BlockConnection> {
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon);
    const port = Number(address.slice(colon + 1));
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.off('error', reject);
        s.setNoDelay(true);
        resolve(s);
      });
      s.once('error', (err) => reject(new ConnectionError(`connect to block server ${address}: ${err.message}`, { cause: err })));
    });
    const { channel } = await connectToDriver(socket, this.secret, {
      executorId: this.executorId,
      host: '',
      containerId: '',
      cores: 0,
      pid: process.pid,
    });
    return new BlockConnection(channel, address);
  }
}
