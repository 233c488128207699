import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  acceptExecutor,
  DEFAULT_NETWORK_TIMEOUT_MS,
  MAX_PENDING_HANDSHAKES,
  type ExecutorIdentity,
  type ExecutorMetricsWire,
  type MessageChannel,
  type StagePlan,
  type TaskLaunch,
  type Welcome,
} from '../../protocols/driver-executor/index.js';
import type { CommitCoordinator } from './commit-coordinator.js';
import { executorLocality } from './cache-tracker.js';
import type { ExecutorLink, TaskScheduler, TaskSetSpec } from './scheduler.js';
import { errorMessage, printable } from '../../protocols/errors/index.js';

/**
 * The driver's listening side of the driver-executor channel: it authenticates each executor that
 * connects, registers it with the scheduler as an ExecutorLink, and routes its chunks and statuses
 * to the scheduler; save tasks' commit asks go to the commit coordinator. Before the first task of a stage goes to an executor, the link sends the
 * stage's broadcasts (each once per executor) and its plan (once per executor and stage).
 */

/** TCP keepalive probe delay on executor connections. */
export const KEEPALIVE_MS = 10_000;
/**
 * How long `close` waits for executors to end their connections after the shutdown message. An
 * executor busy in a task (a straggler whose speculative copy won, say) reads no message until the
 * task yields; the job is over, so its connection is cut rather than waited for.
 */
export const SHUTDOWN_GRACE_MS = 2000;

/** What the task server needs in a TaskSetSpec's payload. */
export interface StagePayload {
  plan: StagePlan;
  broadcasts: { id: number; data: Buffer }[];
}

export interface TaskServerEvents {
  registered?(executor: ExecutorIdentity): void;
  /** The executor was silent for the network timeout; its connection is being cut. */
  unresponsive?(executorId: string): void;
  /** The executor's connection ended (it exited, or was cut off). */
  disconnected?(executorId: string, reason: string): void;
  /** An executor's own figures, from its heartbeat (protocol 6). */
  executorMetrics?(executorId: string, metrics: ExecutorMetricsWire): void;
  /** The NodeManager (`host:port`) an executor was launched on, as the AM said; undefined if unknown. */
  nodeOf?(executorId: string): string | undefined;
  log?(message: string): void;
}

export interface TaskServerOptions {
  /** Silence after which an executor is taken for lost (heartbeat.ts). Default DEFAULT_NETWORK_TIMEOUT_MS. */
  networkTimeoutMs?: number;
  /** Without one, every commit ask is allowed (the driver still commits only the first success). */
  commits?: CommitCoordinator;
}

class ExecutorSession implements ExecutorLink {
  readonly id: string;
  readonly host: string;
  readonly hostAliases: string[];
  readonly cores: number;
  readonly node: string;
  private readonly stages = new Set<number>();
  private readonly broadcasts = new Set<number>();
  /** When the executor last sent anything (a heartbeat at least: heartbeat.ts). */
  lastHeard = Date.now();

  constructor(
    readonly identity: ExecutorIdentity,
    private readonly channel: MessageChannel,
    remoteAddress: string | undefined,
    node: string | undefined,
  ) {
    this.id = identity.executorId;
    this.host = identity.host;
    this.node = node ?? identity.host;
    // DataNodes often report addresses where NodeManagers report names: match either. The executor's
    // own locality name comes first: tasks over partitions it holds cached prefer it.
    const address = remoteAddress?.replace(/^::ffff:/, '');
    const hosts = address && address !== identity.host ? [identity.host, address] : [identity.host];
    this.hostAliases = [executorLocality(identity.executorId), ...hosts];
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

  dropBlocks(nodeId: number): void {
    this.channel.send({ type: 'dropBlocks', nodeId });
  }

  shutdown(reason: string): void {
    this.channel.send({ type: 'shutdown', reason });
    this.channel.end();
  }

  cut(): void {
    this.channel.destroy();
  }
}

/** How often silent executors are looked for, as a share of the network timeout. */
const SILENCE_CHECKS_PER_TIMEOUT = 4;

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
  private readonly networkTimeoutMs: number;
  private readonly commits: CommitCoordinator | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  /** Why a session was cut by the driver, for the disconnect message. */
  private readonly cutReasons = new Map<string, string>();
  /** Executors given back whose connection has not closed yet. */
  private readonly released = new Set<string>();

  constructor(
    private readonly secret: Buffer,
    private readonly welcome: Welcome,
    private readonly scheduler: TaskScheduler,
    private readonly events: TaskServerEvents = {},
    options: TaskServerOptions = {},
  ) {
    this.networkTimeoutMs = options.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS;
    this.commits = options.commits;
  }

  /** Listens on all interfaces (port 0: any free port); returns the port. */
  async listen(port = 0, host?: string): Promise<number> {
    const server = createServer((socket) => void this.accept(socket));
    this.server = server;
    this.silenceTimer = setInterval(() => this.cutSilent(), Math.ceil(this.networkTimeoutMs / SILENCE_CHECKS_PER_TIMEOUT));
    this.silenceTimer.unref();
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

  /** Tells every executor to drop the cached partitions of dataset `nodeId` (unpersist). */
  dropBlocks(nodeId: number): void {
    for (const s of this.sessions.values()) s.dropBlocks(nodeId);
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
    clearInterval(this.silenceTimer);
    for (const s of this.sessions.values()) s.shutdown(reason);
    const server = this.server;
    this.server = undefined;
    const cut = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, SHUTDOWN_GRACE_MS);
    cut.unref();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(cut);
  }

  /**
   * Cuts executors silent for the network timeout: a stopped process, or a host cut off without
   * a reset, keeps its connection (and TCP keepalive answered by its kernel) but runs nothing.
   */
  private cutSilent(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (now - s.lastHeard < this.networkTimeoutMs) continue;
      this.cutReasons.set(
        id,
        `nothing heard from it for ${Math.round((now - s.lastHeard) / 1000)} s (network timeout ${this.networkTimeoutMs / 1000} s)`,
      );
      this.events.unresponsive?.(id);
      s.cut();
    }
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
        session.lastHeard = Date.now();
        if (m.type === 'status') {
          if (m.executor) this.events.executorMetrics?.(executor.executorId, m.executor);
          this.commits?.statusUpdates(executor.executorId, m.updates);
          this.scheduler.statusUpdates(executor.executorId, m.updates);
        } else if (m.type === 'chunk') this.scheduler.chunk(executor.executorId, m.tid, m.data);
        else if (m.type === 'commitAsk') {
          const allowed = this.commits?.ask(executor.executorId, m.tid, m.stageId, m.partition) ?? true;
          channel.send({ type: 'commitAnswer', tid: m.tid, allowed });
        }
      },
      (err) => {
        if (this.released.delete(executor.executorId)) return;
        this.sessions.delete(executor.executorId);
        this.commits?.executorLost(executor.executorId);
        this.scheduler.removeExecutor(executor.executorId);
        const cut = this.cutReasons.get(executor.executorId);
        this.cutReasons.delete(executor.executorId);
        if (this.closing === undefined) this.events.disconnected?.(executor.executorId, cut ?? (err ? err.message : 'connection closed'));
      },
    );
    // Told first: adding it to the scheduler launches tasks on it at once, and those come after (the event log).
    this.events.registered?.(executor);
    this.scheduler.addExecutor(session);
  }
}
