/**
 * The event-log writer: buffers events and appends them to a sink in batches, every `maxEvents`
 * events or `maxDelayMs` after the first unflushed one, and on `close()`. One append at a time: a
 * batch that arrives while an append is in flight waits for it, so the file's lines stay in order.
 *
 * Size bound: per stage, at most `maxTaskEventsPerStage` TaskStart/TaskEnd events are written
 * (failed TaskEnds count against a separate `maxFailedTaskEventsPerStage`); the rest are dropped but
 * counted into the stage's StageCompleted, which carries task counts, metric totals and duration
 * quantiles over every task. So a stage costs O(cap) lines however many tasks it has; the writer's
 * memory is one number per task of a running stage (its duration).
 */
import { encodeEvents, stamp } from './codec.js';
import type { EventBody, LogEvent, TaskMetrics } from './events.js';
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
  /** Task events (start + successful end) written per stage. Default {@link DEFAULT_MAX_TASK_EVENTS_PER_STAGE}. */
  maxTaskEventsPerStage?: number;
  /** Failed task ends written per stage. Default {@link DEFAULT_MAX_FAILED_TASK_EVENTS_PER_STAGE}. */
  maxFailedTaskEventsPerStage?: number;
  /** Injected clock and timer (tests use fakes). */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
  /** Told about a failed append; the writer keeps the batch and retries it with the next flush. */
  onError?: (err: unknown) => void;
}

export const DEFAULT_MAX_EVENTS = 500;
export const DEFAULT_MAX_DELAY_MS = 5_000;
export const DEFAULT_MAX_TASK_EVENTS_PER_STAGE = 2_000;
export const DEFAULT_MAX_FAILED_TASK_EVENTS_PER_STAGE = 200;

interface StageTally {
  written: number;
  failedWritten: number;
  dropped: number;
  completed: number;
  failed: number;
  durations: number[];
  totals: TaskMetrics;
}

export class EventLogWriter {
  private buffer: LogEvent[] = [];
  private timer: { cancel(): void } | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private created = false;
  private closed = false;
  private readonly stages = new Map<number, StageTally>();
  private readonly o: Required<Omit<EventLogWriterOptions, 'onError'>> & Pick<EventLogWriterOptions, 'onError'>;

  constructor(
    private readonly sink: EventLogSink,
    options: EventLogWriterOptions = {},
  ) {
    this.o = {
      maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
      maxTaskEventsPerStage: options.maxTaskEventsPerStage ?? DEFAULT_MAX_TASK_EVENTS_PER_STAGE,
      maxFailedTaskEventsPerStage: options.maxFailedTaskEventsPerStage ?? DEFAULT_MAX_FAILED_TASK_EVENTS_PER_STAGE,
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

  /** Record an event (ignored after `close()`). StageCompleted's counts are filled in here. */
  record(body: EventBody): void {
    if (this.closed) return;
    const kept = this.admit(body);
    if (!kept) return;
    this.buffer.push(stamp(kept, this.o.now()));
    if (this.buffer.length >= this.o.maxEvents) void this.flush();
    else this.timer ??= this.o.setTimer(() => void this.flush(), this.o.maxDelayMs);
  }

  /** Write what is buffered; resolves when it (and every earlier batch) is written. */
  flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    const next = this.inFlight.then(() => this.writeBuffered());
    this.inFlight = next.catch(() => undefined);
    return next;
  }

  /** Record the final event (if given), flush everything, and stop accepting events. */
  async close(last?: EventBody): Promise<void> {
    if (last) this.record(last);
    this.closed = true;
    await this.flush();
  }

  private async writeBuffered(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      await this.sink.write(encodeEvents(batch), !this.created);
      this.created = true;
    } catch (err) {
      // Keep the batch: the next flush writes it first, so nothing is lost to a transient failure.
      this.buffer = batch.concat(this.buffer);
      this.o.onError?.(err);
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
        if (t.written >= this.o.maxTaskEventsPerStage) {
          t.dropped++;
          return undefined;
        }
        t.written++;
        return body;
      }
      case 'TaskEnd': {
        const t = this.tally(body.stageId);
        if (body.succeeded) {
          t.completed++;
          t.durations.push(body.durationMs);
          addMetrics(t.totals as Record<string, number | undefined>, body.metrics as Record<string, number | undefined>);
          if (t.written >= this.o.maxTaskEventsPerStage) {
            t.dropped++;
            return undefined;
          }
          t.written++;
          return body;
        }
        t.failed++;
        if (t.failedWritten >= this.o.maxFailedTaskEventsPerStage) {
          t.dropped++;
          return undefined;
        }
        t.failedWritten++;
        return body;
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
          ...(t.dropped > 0 ? { droppedTaskEvents: t.dropped } : {}),
        };
      }
      default:
        return body;
    }
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
  return { written: 0, failedWritten: 0, dropped: 0, completed: 0, failed: 0, durations: [], totals: {} };
}
