import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  acceptExecutor,
  MAX_PENDING_HANDSHAKES,
  type ExecutorIdentity,
  type MessageChannel,
  type StagePlan,
  type TaskLaunch,
  type Welcome,
} from '../../protocols/driver-executor/index.js';
import type { ExecutorLink, TaskScheduler, TaskSetSpec } from './scheduler.js';
import { errorMessage, printable } from '../../protocols/errors/index.js';

/**
 * The driver's listening side of the driver-executor channel: it authenticates each executor that
 * connects, registers it with the scheduler as an ExecutorLink, and routes its chunks and statuses
 * to the scheduler. Before the first task of a stage goes to an executor, the link sends the
 * stage's broadcasts (each once per executor) and its plan (once per executor and stage).
 */

/** TCP keepalive probe delay on executor connections. */
export const KEEPALIVE_MS = 10_000;

/** What the task server needs in a TaskSetSpec's payload. */
export interface StagePayload {
  plan: StagePlan;
  broadcasts: { id: number; data: Buffer }[];
}

export interface TaskServerEvents {
  registered?(executor: ExecutorIdentity): void;
  /** The executor's connection ended (it exited, or was cut off). */
  disconnected?(executorId: string, reason: string): void;
  /** The NodeManager (`host:port`) an executor was launched on, as the AM said; undefined if unknown. */
  nodeOf?(executorId: string): string | undefined;
  log?(message: string): void;
}

class ExecutorSession implements ExecutorLink {
  readonly id: string;
  readonly host: string;
  readonly hostAliases: string[];
  readonly cores: number;
  readonly node: string;
  private readonly stages = new Set<number>();
  private readonly broadcasts = new Set<number>();

  constructor(
    readonly identity: ExecutorIdentity,
    private readonly channel: MessageChannel,
    remoteAddress: string | undefined,
    node: string | undefined,
  ) {
    this.id = identity.executorId;
    this.host = identity.host;
    this.node = node ?? identity.host;
    // DataNodes often report addresses where NodeManagers report names: match either.
    const address = remoteAddress?.replace(/^::ffff:/, '');
    this.hostAliases = address && address !== identity.host ? [identity.host, address] : [identity.host];
    this.cores = identity.cores;
  }

  launch(taskSet: TaskSetSpec, tasks: TaskLaunch[]): void {
    const payload = taskSet.payload as StagePayload;
    if (!this.stages.has(payload.plan.stageId)) {
      for (const b of payload.broadcasts) {
        if (this.broadcasts.has(b.id)) continue;
        this.channel.send({ type: 'broadcast', id: b.id, data: b.data });
        this.broadcasts.add(b.id);
      }
      this.channel.send({ type: 'stage', plan: payload.plan });
      this.stages.add(payload.plan.stageId);
    }
    this.channel.send({ type: 'launch', tasks });
  }

  cancel(tids: number[]): void {
    this.channel.send({ type: 'cancel', tids });
  }

  forgetStage(stageId: number): void {
    if (this.stages.delete(stageId)) this.channel.send({ type: 'forgetStage', stageId });
  }

  useTokens(hdfs: string): void {
    this.channel.send({ type: 'tokens', hdfs });
  }

  shutdown(reason: string): void {
    this.channel.send({ type: 'shutdown', reason });
    this.channel.end();
  }

  cut(): void {
    this.channel.destroy();
  }
}

export class TaskServer {
  private server: Server | undefined;
  private readonly sessions = new Map<string, ExecutorSession>();
  private readonly sockets = new Set<Socket>();
  /** Connections in the handshake now (bounded by MAX_PENDING_HANDSHAKES). */
  private handshaking = 0;
  /** Set by `close`: the reason executors are told to stop. */
  private closing: string | undefined;
  /** The freshest HDFS delegation token the AM handed on, if any (secret). */
  private hdfsToken: string | undefined;
  /** Executors given back whose connection has not closed yet. */
  private readonly released = new Set<string>();

  constructor(
    private readonly secret: Buffer,
    private readonly welcome: Welcome,
    private readonly scheduler: TaskScheduler,
    private readonly events: TaskServerEvents = {},
  ) {}

  /** Listens on all interfaces (port 0: any free port); returns the port. */
  async listen(port = 0, host?: string): Promise<number> {
    const server = createServer((socket) => void this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** Executors currently connected. */
  executors(): ExecutorIdentity[] {
    return [...this.sessions.values()].map((s) => s.identity);
  }

  /** Tells executors that a stage's plan is no longer needed. */
  forgetStage(stageId: number): void {
    for (const s of this.sessions.values()) s.forgetStage(stageId);
  }

  /**
   * Hands a fresh HDFS delegation token to every executor, and to each one that registers later (it
   * may have been launched with an older one).
   */
  useTokens(hdfs: string): void {
    this.hdfsToken = hdfs;
    for (const s of this.sessions.values()) s.useTokens(hdfs);
  }

  /**
   * Stops using an executor the driver gives back (dynamic allocation): it leaves the scheduler at
   * once, so no task lands on it, is told to shut down, and its disconnection is not reported.
   */
  release(executorId: string, reason: string): void {
    const s = this.sessions.get(executorId);
    if (!s) return;
    this.sessions.delete(executorId);
    this.released.add(executorId);
    this.scheduler.removeExecutor(executorId);
    s.shutdown(reason);
  }

  /** Drops an executor the AM reported lost (its connection may linger on a dead node). */
  dropExecutor(executorId: string): void {
    this.sessions.get(executorId)?.cut();
  }

  /** Asks every executor to stop, then stops listening. */
  async close(reason = 'the job has finished'): Promise<void> {
    this.closing = reason;
    for (const s of this.sessions.values()) s.shutdown(reason);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async accept(socket: Socket): Promise<void> {
    socket.setNoDelay(true);
    // A node that vanishes without closing the connection is noticed (the AM also reports it).
    socket.setKeepAlive(true, KEEPALIVE_MS);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    if (this.handshaking >= MAX_PENDING_HANDSHAKES) {
      socket.destroy();
      return;
    }
    this.handshaking++;
    let accepted: { channel: MessageChannel; executor: ExecutorIdentity };
    try {
      accepted = await acceptExecutor(socket, this.secret, this.welcome, (hello) =>
        this.closing !== undefined
          ? this.closing
          : this.sessions.has(hello.executorId)
            ? `executor ${hello.executorId} is already registered`
            : undefined,
      );
    } catch (err) {
      // The error may quote the peer (a reject's reason), which is not authenticated: printed escaped.
      this.events.log?.(`refused a connection from ${socket.remoteAddress}: ${printable(errorMessage(err), 500)}`);
      return;
    } finally {
      this.handshaking--;
    }
    const { channel, executor } = accepted;
    // The handshake ends with a round trip after `admit`: the job may have finished, or another
    // connection registered this executor, in the meantime.
    const session = new ExecutorSession(executor, channel, socket.remoteAddress, this.events.nodeOf?.(executor.executorId));
    if (this.closing !== undefined) {
      session.shutdown(this.closing);
      return;
    }
    if (this.sessions.has(executor.executorId)) {
      this.events.log?.(`refused a second connection of executor ${executor.executorId} from ${socket.remoteAddress}`);
      session.cut();
      return;
    }
    this.sessions.set(executor.executorId, session);
    if (this.hdfsToken !== undefined) session.useTokens(this.hdfsToken);
    channel.listen(
      (m) => {
        if (m.type === 'status') this.scheduler.statusUpdates(executor.executorId, m.updates);
        else if (m.type === 'chunk') this.scheduler.chunk(executor.executorId, m.tid, m.data);
      },
      (err) => {
        if (this.released.delete(executor.executorId)) return;
        this.sessions.delete(executor.executorId);
        this.scheduler.removeExecutor(executor.executorId);
        if (this.closing === undefined) this.events.disconnected?.(executor.executorId, err ? err.message : 'connection closed');
      },
    );
    this.scheduler.addExecutor(session);
    this.events.registered?.(executor);
  }
}
