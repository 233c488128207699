import {
  EXECUTOR_HEARTBEAT_MS,
  type ExecutorMetricsWire,
  type Message,
  type MessageChannel,
  type TaskLaunch,
  type TaskStatus,
} from '../protocols/driver-executor/index.js';
import type { TaskRunnerLike } from './runner.js';

/**
 * An executor's side of the channel: it queues the tasks the driver launches (the driver pipelines
 * more than `cores` of them so that no round trip is ever waited for), runs `cores` at a time,
 * streams result chunks as they come and reports final statuses in batches: everything that
 * finished in one turn of the event loop goes out in one message.
 */

export interface ExecutorOptions {
  /** Tasks run at once. */
  cores: number;
  log: (message: string) => void;
  /** A fresh HDFS delegation token from the driver (URL string form; secret). */
  onTokens?: (hdfs: string) => void;
  /** Default EXECUTOR_HEARTBEAT_MS. */
  heartbeatMs?: number;
  /** The executor's own figures, sent with each heartbeat (executor-metrics.ts). */
  metrics?: () => ExecutorMetricsWire;
}

export class Executor {
  private readonly queue: TaskLaunch[] = [];
  private queueHead = 0;
  private running = 0;
  private statuses: TaskStatus[] = [];
  private flushing = false;
  private readonly dropped = new Set<number>();
  /** Save tasks waiting for the driver's commit answer, by tid. */
  private readonly commitAsks = new Map<number, (allowed: boolean) => void>();
  private ended: ((reason: string) => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: MessageChannel,
    private readonly runner: TaskRunnerLike,
    private readonly options: ExecutorOptions,
  ) {}

  /** Serves the driver until it says shutdown or the connection ends; resolves with why. */
  run(): Promise<string> {
    return new Promise((resolve) => {
      this.ended = resolve;
      this.channel.listen(
        (m) => this.onMessage(m),
        (err) => this.finish(err ? `the connection to the driver failed: ${err.message}` : 'the driver closed the connection'),
      );
      // The heartbeat (heartbeat.ts): a status without updates, so that the driver knows this executor is
      // alive, carrying the executor's figures for the UI.
      this.heartbeat = setInterval(
        () => this.channel.send({ type: 'status', updates: [], executor: this.options.metrics?.() ?? null }),
        this.options.heartbeatMs ?? EXECUTOR_HEARTBEAT_MS,
      );
      this.heartbeat.unref();
    });
  }

  private finish(reason: string): void {
    clearInterval(this.heartbeat);
    const end = this.ended;
    this.ended = undefined;
    end?.(reason);
  }

  private onMessage(m: Message): void {
    switch (m.type) {
      case 'broadcast':
        this.runner.addBroadcast(m.id, m.data);
        return;
      case 'stage':
        this.runner.addStage(m.plan);
        return;
      case 'forgetStage':
        this.runner.forgetStage(m.stageId);
        return;
      case 'dropBlocks':
        this.runner.dropBlocks(m.nodeId);
        return;
      case 'launch':
        for (const t of m.tasks) this.queue.push(t);
        this.pump();
        return;
      case 'cancel':
        for (const tid of m.tids) {
          this.dropped.add(tid);
          this.runner.cancel(tid);
        }
        return;
      case 'tokens':
        this.options.onTokens?.(m.hdfs);
        return;
      case 'commitAnswer': {
        const answer = this.commitAsks.get(m.tid);
        this.commitAsks.delete(m.tid);
        answer?.(m.allowed);
        return;
      }
      case 'shutdown':
        this.options.log(`the driver asked this executor to stop: ${m.reason}`);
        this.channel.end();
        this.finish(m.reason);
        return;
      default:
        this.options.log(`unexpected ${m.type} message from the driver; ignored`);
    }
  }

  private pump(): void {
    while (this.running < this.options.cores && this.queueHead < this.queue.length) {
      const task = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (this.dropped.delete(task.tid)) continue;
      this.running++;
      void this.runOne(task);
    }
  }

  private async runOne(task: TaskLaunch): Promise<void> {
    const sink = {
      chunk: async (data: Buffer): Promise<void> => {
        if (this.dropped.has(task.tid)) return;
        this.channel.send({ type: 'chunk', tid: task.tid, data });
        if (this.channel.congested) await this.channel.drained();
      },
      // The driver answers every ask, so the task waits at most a round trip (the connection's end ends the executor).
      askCommit: (): Promise<boolean> =>
        new Promise<boolean>((resolve) => {
          this.commitAsks.set(task.tid, resolve);
          this.channel.send({ type: 'commitAsk', tid: task.tid, stageId: task.stageId, partition: task.partition, attempt: task.attempt });
        }),
    };
    const status = await this.runner.run(task, sink);
    this.running--;
    if (!this.dropped.delete(task.tid)) this.report(status);
    this.pump();
  }

  private report(status: TaskStatus): void {
    this.statuses.push(status);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      const updates = this.statuses;
      this.statuses = [];
      this.channel.send({ type: 'status', updates });
    });
  }
}
