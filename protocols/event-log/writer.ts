/**
 * The event-log writer: buffers events and appends them to a sink in batches, every `maxEvents`
 * events or `maxDelayMs` after the first unflushed one, and on `close()`. One append at a time: a
 * batch that arrives while an append is in flight waits for it, so the file's lines stay in order.
 *
 * Size bound: per stage, the TaskStart and TaskEnd events of at most `maxTasksPerStage` task
 * attempts are written (an attempt's end goes with its start, so every written start has its end),
 * and at most `maxFailedTaskEventsPerStage` failed TaskEnds of the other attempts; the rest are
 * dropped but counted into the stage's StageCompleted, which carries task counts, metric totals,
 * duration quantiles and the slowest tasks over every task. So a stage costs O(cap) lines however
 * many tasks it has; the writer's memory is one number per finished task of a running stage (its
 * duration) and the set of written attempts (at most the cap).
 *
 * Executor figures (ExecutorMetrics, one per heartbeat of every executor) are written at most once
 * per `executorMetricsIntervalMs` per executor; the latest one held back goes out before that
 * executor's ExecutorRemoved and before AppEnd, so the log ends with every executor's last figures.
 * That bounds them to (application time / interval + 1) lines per executor.
 *
 * Failures: a failed append keeps its batch, which goes first in the next one (nothing lost to a
 * transient failure). The append may have written part of the batch before failing, so the next one
 * starts with a newline: a torn line stays one unparsable line (the reader skips it) instead of
 * swallowing the next event. After `maxConsecutiveFailures` failures in a row the writer gives up
 * (the job goes on without its log): buffering forever for a sink that refuses would only cost memory.
 */
import { encodeEvents, stamp } from './codec.js';
import type { EventBody, LogEvent, SlowTask, TaskLocalityLevel, TaskMetrics } from './events.js';
import { addMetrics, fiveQuantiles } from './quantiles.js';

/** Where batches go: the first call creates the file, later ones append. */
export interface EventLogSink {
  write(text: string, first: boolean): Promise<void>;
}

export interface EventLogWriterOptions {
  /** Flush when this many events are buffered. Default {@link DEFAULT_MAX_EVENTS}. */
  maxEvents?: number;
  /** Flush this long after the first buffered event. Default {@link DEFAULT_MAX_DELAY_MS}. */
  maxDelayMs?: number;
  /** Task attempts whose start and end are written, per stage. Default {@link DEFAULT_MAX_TASKS_PER_STAGE}. */
  maxTasksPerStage?: number;
  /** Failed task ends of other attempts written per stage. Default {@link DEFAULT_MAX_FAILED_TASK_EVENTS_PER_STAGE}. */
  maxFailedTaskEventsPerStage?: number;
  /** Least time between two ExecutorMetrics written for one executor. Default {@link DEFAULT_EXECUTOR_METRICS_INTERVAL_MS}. */
  executorMetricsIntervalMs?: number;
  /** Appends failing in a row before the writer gives up. Default {@link DEFAULT_MAX_CONSECUTIVE_FAILURES}. */
  maxConsecutiveFailures?: number;
  /** Injected clock and timer (tests use fakes). */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
  /** Told about each failed append, and whether the writer gave up after it. */
  onError?: (err: unknown, gaveUp: boolean) => void;
}

/** Counts since the writer started: events recorded and written (after the caps), appends, bytes, time in appends. */
export interface EventLogWriterStats {
  recorded: number;
  written: number;
  appends: number;
  bytes: number;
  /** Wall time of the appends (they run beside the job, not in its way). */
  appendMs: number;
  /**
   * CPU time the writer took in the driver: recording events (caps, tallies, stamping) and encoding
   * each batch up to handing it to the sink (its synchronous part: the request's start). Process
   * CPU (process.cpuUsage) over these synchronous sections, so not inflated by a loaded machine
   * preempting the thread; the process's other threads (GC helpers) add a little. The appends'
   * asynchronous work (HTTP, the sink's callbacks) is not in it: bench/event-log-overhead.ts
   * measures what an append costs.
   */
  busyMs: number;
}

export const DEFAULT_MAX_EVENTS = 500;
export const DEFAULT_MAX_DELAY_MS = 5_000;
export const DEFAULT_MAX_TASKS_PER_STAGE = 1_000;
export const DEFAULT_MAX_FAILED_TASK_EVENTS_PER_STAGE = 200;
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 5;
export const DEFAULT_EXECUTOR_METRICS_INTERVAL_MS = 30_000;
/** Slowest successful tasks a StageCompleted lists. */
export const SLOWEST_TASKS_KEPT = 5;

/** Process CPU time (user + system) since `start`, a process.cpuUsage() value, in ms. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

interface StageTally {
  /** Attempts (`partition:attempt`) whose start was written: their end is written too. */
  written: Set<string>;
  failedWritten: number;
  dropped: number;
  completed: number;
  failed: number;
  durations: number[];
  slowest: SlowTask[];
  totals: TaskMetrics;
  locality: Partial<Record<TaskLocalityLevel, number>>;
}

export class EventLogWriter {
  private buffer: LogEvent[] = [];
  private timer: { cancel(): void } | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private created = false;
  private closed = false;
  private gaveUp = false;
  private failures = 0;
  /** The last append failed: it may have left a torn line, which the next batch ends with a newline. */
  private torn = false;
  private readonly stages = new Map<number, StageTally>();
  /** Per executor: when its figures were last written, and the latest ones held back since. */
  private readonly figures = new Map<string, { writtenAt: number; held?: EventBody }>();
  private readonly counts: EventLogWriterStats = { recorded: 0, written: 0, appends: 0, bytes: 0, appendMs: 0, busyMs: 0 };
  private readonly o: Required<Omit<EventLogWriterOptions, 'onError'>> & Pick<EventLogWriterOptions, 'onError'>;

  constructor(
    private readonly sink: EventLogSink,
    options: EventLogWriterOptions = {},
  ) {
    this.o = {
      maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
      maxTasksPerStage: options.maxTasksPerStage ?? DEFAULT_MAX_TASKS_PER_STAGE,
      maxFailedTaskEventsPerStage: options.maxFailedTaskEventsPerStage ?? DEFAULT_MAX_FAILED_TASK_EVENTS_PER_STAGE,
      maxConsecutiveFailures: options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES,
      executorMetricsIntervalMs: options.executorMetricsIntervalMs ?? DEFAULT_EXECUTOR_METRICS_INTERVAL_MS,
      now: options.now ?? Date.now,
      setTimer:
        options.setTimer ??
        ((fn, ms) => {
          const t = setTimeout(fn, ms);
          t.unref();
          return { cancel: () => clearTimeout(t) };
        }),
      onError: options.onError,
    };
  }

  /** What the writer has done so far (for the driver's last line about its log). */
  stats(): EventLogWriterStats {
    return { ...this.counts };
  }

  /** Whether the writer gave up after repeated failures (nothing more is written). */
  get failed(): boolean {
    return this.gaveUp;
  }

  /** Record an event (ignored after `close()`). StageCompleted's counts are filled in here. */
  record(body: EventBody): void {
    if (this.closed || this.gaveUp) return;
    const started = process.cpuUsage();
    try {
      this.counts.recorded++;
      for (const held of this.heldBefore(body)) this.buffer.push(stamp(held, this.o.now()));
      const kept = this.admit(body);
      if (!kept) return;
      this.buffer.push(stamp(kept, this.o.now()));
      // A failure is reported through onError; the batch stays for the next flush.
      if (this.buffer.length >= this.o.maxEvents) this.flush().catch(() => undefined);
      else this.timer ??= this.o.setTimer(() => void this.flush().catch(() => undefined), this.o.maxDelayMs);
    } finally {
      this.counts.busyMs += cpuMsSince(started);
    }
  }

  /** Write what is buffered; resolves when it (and every earlier batch) is written, rejects if it failed. */
  flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    const next = this.inFlight.then(() => this.writeBuffered());
    this.inFlight = next.catch(() => undefined);
    return next;
  }

  /**
   * Record the final event (if given), write everything, and stop accepting events. Tries once more
   * if the write fails; never rejects (the job's outcome does not depend on its log). Resolves true
   * when everything recorded is written.
   */
  async close(last?: EventBody): Promise<boolean> {
    if (last) this.record(last);
    this.closed = true;
    for (let i = 0; i < 2; i++) {
      try {
        await this.flush();
        return this.buffer.length === 0 && !this.gaveUp;
      } catch {
        if (this.gaveUp) return false;
      }
    }
    return false;
  }

  private async writeBuffered(): Promise<void> {
    if (this.buffer.length === 0 || this.gaveUp) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      const encodeStart = process.cpuUsage();
      const text = (this.torn ? '\n' : '') + encodeEvents(batch);
      const started = performance.now();
      // The sink's synchronous part (building the request) runs before write() returns its promise.
      const written = this.sink.write(text, !this.created);
      this.counts.busyMs += cpuMsSince(encodeStart);
      await written;
      this.counts.appendMs += performance.now() - started;
      this.counts.appends++;
      this.counts.written += batch.length;
      this.counts.bytes += Buffer.byteLength(text);
      this.created = true;
      this.torn = false;
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.torn = this.created;
      if (this.failures >= this.o.maxConsecutiveFailures) {
        this.gaveUp = true;
        this.buffer = [];
        this.o.onError?.(err, true);
      } else {
        // Keep the batch: the next flush writes it first.
        this.buffer = batch.concat(this.buffer);
        this.o.onError?.(err, false);
      }
      throw err;
    }
  }

  /** Apply the per-stage caps; returns the body to write, or undefined to drop it. */
  private admit(body: EventBody): EventBody | undefined {
    switch (body.type) {
      case 'StageSubmitted':
        this.stages.set(body.stageId, this.stages.get(body.stageId) ?? newTally());
        return body;
      case 'TaskStart': {
        const t = this.tally(body.stageId);
        if (body.locality) t.locality[body.locality] = (t.locality[body.locality] ?? 0) + 1;
        if (t.written.size >= this.o.maxTasksPerStage) {
          t.dropped++;
          return undefined;
        }
        t.written.add(`${body.partition}:${body.attempt}`);
        return body;
      }
      case 'TaskEnd': {
        const t = this.tally(body.stageId);
        const startWritten = t.written.has(`${body.partition}:${body.attempt}`);
        if (body.succeeded) {
          t.completed++;
          t.durations.push(body.durationMs);
          addMetrics(t.totals as Record<string, number | undefined>, body.metrics as Record<string, number | undefined>);
          keepSlowest(t.slowest, body);
        } else t.failed++;
        if (startWritten) return body;
        if (!body.succeeded && t.failedWritten < this.o.maxFailedTaskEventsPerStage) {
          t.failedWritten++;
          return body;
        }
        t.dropped++;
        return undefined;
      }
      case 'StageCompleted': {
        const t = this.tally(body.stageId);
        this.stages.delete(body.stageId);
        const q = fiveQuantiles(t.durations);
        return {
          ...body,
          completedTasks: t.completed,
          failedTasks: t.failed,
          ...(q ? { durationQuantiles: q } : {}),
          ...(Object.keys(t.totals).length > 0 ? { totals: t.totals } : {}),
          ...(t.slowest.length > 0 ? { slowestTasks: t.slowest } : {}),
          ...(t.dropped > 0 ? { droppedTaskEvents: t.dropped } : {}),
          ...(Object.keys(t.locality).length > 0 ? { locality: t.locality } : {}),
        };
      }
      case 'ExecutorMetrics': {
        const now = this.o.now();
        const last = this.figures.get(body.executorId);
        if (last && now - last.writtenAt < this.o.executorMetricsIntervalMs) {
          last.held = body;
          return undefined;
        }
        this.figures.set(body.executorId, { writtenAt: now });
        return body;
      }
      default:
        return body;
    }
  }

  /** Executor figures held back that must be written before `body`: its executor's at its removal, all at the end. */
  private heldBefore(body: EventBody): EventBody[] {
    const take = (id: string): EventBody[] => {
      const f = this.figures.get(id);
      const held = f?.held;
      if (!f || !held) return [];
      f.held = undefined;
      f.writtenAt = this.o.now();
      return [held];
    };
    if (body.type === 'ExecutorRemoved') return take(body.executorId);
    if (body.type === 'AppEnd') return [...this.figures.keys()].flatMap(take);
    return [];
  }

  private tally(stageId: number): StageTally {
    let t = this.stages.get(stageId);
    if (!t) {
      t = newTally();
      this.stages.set(stageId, t);
    }
    return t;
  }
}

function newTally(): StageTally {
  return {
    written: new Set(),
    failedWritten: 0,
    dropped: 0,
    completed: 0,
    failed: 0,
    durations: [],
    slowest: [],
    totals: {},
    locality: {},
  };
}

/** Keeps `list` the SLOWEST_TASKS_KEPT slowest tasks, slowest first. */
function keepSlowest(list: SlowTask[], e: Extract<EventBody, { type: 'TaskEnd' }>): void {
  if (list.length === SLOWEST_TASKS_KEPT && list[list.length - 1]!.durationMs >= e.durationMs) return;
  const entry: SlowTask = {
    partition: e.partition,
    attempt: e.attempt,
    executorId: e.executorId,
    ...(e.host !== undefined ? { host: e.host } : {}),
    durationMs: e.durationMs,
  };
  const at = list.findIndex((x) => x.durationMs < e.durationMs);
  if (at < 0) list.push(entry);
  else list.splice(at, 0, entry);
  if (list.length > SLOWEST_TASKS_KEPT) list.pop();
}
