import type { ExecutorMetricsWire, TaskStatus } from '../../protocols/driver-executor/index.js';
import { errorMessage } from '../../protocols/errors/index.js';
import type { AppFinalState, EventBody, TaskMetrics } from '../../protocols/event-log/index.js';
import { spindleVersion } from '../../protocols/web-ui/links.js';
import type { JobRecord } from './engine.js';
import type { InitMessage } from './runtime.js';
import type { AttemptInfo, SchedulerEvents, TaskSetSpec } from './scheduler.js';

/**
 * Turns what the driver's parts report (scheduler, engine, task server, the AM's messages) into
 * event-log records (protocols/event-log). Nothing here does I/O: records go to a `EventLogTarget`
 * (the batching writer, or a list in tests), which decides when they are written.
 */

/** Where records go: the EventLogWriter has this shape. */
export interface EventLogTarget {
  record(body: EventBody): void;
  /** Records `last`, writes everything, and accepts nothing more. Never rejects. */
  close(last?: EventBody): Promise<unknown>;
}

/** Error texts (a failed stage quotes the task's stack) are cut to this many characters in the log. */
export const MAX_EVENT_ERROR_CHARS = 4000;

function clip(text: string): string {
  return text.length <= MAX_EVENT_ERROR_CHARS ? text : `${text.slice(0, MAX_EVENT_ERROR_CHARS)}… (${text.length} characters)`;
}

/**
 * A task's metrics as the event log names them. `bytesOut` is what the task wrote to output files:
 * TaskStatus.bytesWritten less its map output, which is `shuffleBytesWritten`. Without protocol 5's
 * metrics (a status the driver made up for a lost task), only the three counts every status has.
 */
export function taskMetrics(status: TaskStatus): TaskMetrics {
  const m = status.metrics;
  if (!m) return { recordsOut: status.records, bytesIn: status.bytesRead, bytesOut: status.bytesWritten };
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    recordsIn: m.recordsRead,
    bytesIn: status.bytesRead,
    recordsOut: status.records,
    bytesOut: Math.max(0, status.bytesWritten - m.shuffleBytesWritten),
    shuffleBytesRead: m.shuffleBytesRead,
    shuffleBytesWritten: m.shuffleBytesWritten,
    shuffleFetchWaitMs: ms(m.shuffleFetchWaitUs),
    spillBytes: m.spillBytes,
    peakHeapBytes: m.peakHeapBytes,
    cpuMs: ms(m.cpuUs),
    gcMs: ms(m.gcUs),
    ...(m.cpuPerThread ? {} : { cpuProcessWide: true }),
  };
}

export class EventRecorder {
  private ended: Promise<unknown> | undefined;
  /** Per executor, the largest heap and RSS its heartbeats reported. */
  private readonly peaks = new Map<string, { heap: number; rss: number }>();

  constructor(private readonly target: EventLogTarget) {}

  /** The scheduler's observer: stages and task attempts. */
  readonly schedulerEvents: SchedulerEvents = {
    taskSetSubmitted: (spec) =>
      this.target.record({
        type: 'StageSubmitted',
        stageId: spec.stageId,
        ...(spec.jobId !== undefined ? { jobId: spec.jobId } : {}),
        description: spec.description,
        numTasks: spec.tasks.length,
        ...(spec.parentIds !== undefined ? { parentIds: spec.parentIds } : {}),
      }),
    taskStarted: (spec, a) =>
      this.target.record({
        type: 'TaskStart',
        stageId: spec.stageId,
        partition: a.partition,
        attempt: a.attempt,
        executorId: a.executorId,
        host: a.host,
        locality: a.locality,
      }),
    taskEnded: (spec: TaskSetSpec, a: AttemptInfo, succeeded, status, error) =>
      this.target.record({
        type: 'TaskEnd',
        stageId: spec.stageId,
        partition: a.partition,
        attempt: a.attempt,
        executorId: a.executorId,
        host: a.host,
        locality: a.locality,
        succeeded,
        durationMs: status ? status.durationUs / 1000 : 0,
        ...(error !== undefined ? { error: clip(error) } : {}),
        ...(status ? { metrics: taskMetrics(status) } : {}),
      }),
    taskSetEnded: (spec, state, error) =>
      this.target.record({
        type: 'StageCompleted',
        stageId: spec.stageId,
        succeeded: state === 'succeeded',
        // A cancelled set is one its action gave up on (another stage failed, a kill).
        ...(state === 'cancelled' ? { error: 'cancelled' } : error ? { error: clip(errorMessage(error)) } : {}),
        // Filled in by the writer, which counted every task.
        completedTasks: 0,
        failedTasks: 0,
      }),
  };

  /** The engine's observer: actions. */
  readonly engineEvents = {
    jobStarted: (job: JobRecord, action: string, stageIds: number[]): void =>
      this.target.record({ type: 'JobStart', jobId: job.jobId, action, description: job.description, stageIds }),
    jobEnded: (job: JobRecord): void =>
      this.target.record({
        type: 'JobEnd',
        jobId: job.jobId,
        succeeded: job.state === 'succeeded',
        ...(job.error !== undefined ? { error: clip(job.error) } : {}),
      }),
  };

  /** The application starts: its id, user, attempt and job settings (nothing secret is in them). */
  appStarted(init: InitMessage): void {
    const j = init.job;
    this.target.record({
      type: 'AppStart',
      appId: init.appId,
      user: init.user,
      spindleVersion: spindleVersion(),
      ...(init.attemptId !== undefined ? { attempt: init.attemptId } : {}),
      // Chosen field by field: init also holds the application secret and a delegation token.
      options: {
        executors: j.executors,
        executorVcores: j.executorVcores,
        ...(j.executorMemoryMb !== undefined ? { executorMemoryMb: j.executorMemoryMb } : {}),
        ...(j.executorHeapMb !== undefined ? { executorHeapMb: j.executorHeapMb } : {}),
        maxTaskAttempts: j.maxTaskAttempts,
        ...(j.networkTimeoutMs !== undefined ? { networkTimeoutMs: j.networkTimeoutMs } : {}),
        ...(j.excludeOnFailure ? { excludeOnFailure: j.excludeOnFailure.enabled } : {}),
        ...(j.speculation ? { speculation: j.speculation } : {}),
        ...(j.dynamicAllocation ? { dynamicAllocation: j.dynamicAllocation } : {}),
      },
    });
  }

  executorAdded(e: { executorId: string; host: string; containerId: string; cores: number; memoryMb?: number }): void {
    this.target.record({
      type: 'ExecutorAdded',
      executorId: e.executorId,
      host: e.host,
      containerId: e.containerId,
      cores: e.cores,
      ...(e.memoryMb !== undefined ? { memoryMb: e.memoryMb } : {}),
    });
  }

  executorRemoved(executorId: string, reason: string): void {
    this.peaks.delete(executorId);
    this.target.record({ type: 'ExecutorRemoved', executorId, reason: clip(reason) });
  }

  /** An executor's heartbeat figures, with the peaks of its heartbeats so far (the writer thins them out). */
  executorMetrics(executorId: string, m: ExecutorMetricsWire): void {
    const peak = this.peaks.get(executorId) ?? { heap: 0, rss: 0 };
    peak.heap = Math.max(peak.heap, m.heapUsedBytes);
    peak.rss = Math.max(peak.rss, m.rssBytes);
    this.peaks.set(executorId, peak);
    this.target.record({
      type: 'ExecutorMetrics',
      executorId,
      heapUsedBytes: m.heapUsedBytes,
      peakHeapUsedBytes: peak.heap,
      heapLimitBytes: m.heapLimitBytes,
      rssBytes: m.rssBytes,
      peakRssBytes: peak.rss,
      shuffleBytesServed: m.shuffleBytesServed,
      shuffleBlocksServed: m.shuffleBlocksServed,
    });
  }

  /** The application's end: recorded once (the first call wins), then everything is written. */
  end(state: AppFinalState, cause?: string): Promise<unknown> {
    this.ended ??= this.target.close({ type: 'AppEnd', state, ...(cause !== undefined ? { cause: clip(cause) } : {}) });
    return this.ended;
  }
}
