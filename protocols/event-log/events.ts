/**
 * The event log's records: one JSON object per line, each with `ns` naming the format version
 * (like the driver-executor schemas' `spindle.de.vN`, the namespace moves on the first version whose
 * records change) and `type` naming the event. Times are epoch milliseconds.
 *
 * JSON lines rather than Avro: the log is appended through WebHDFS APPEND in batches while the job
 * runs, and a reader (`spindle history`, a later UI) can parse every complete line of a file that is
 * still growing; Avro's container blocks would need a sync marker per batch and a schema-aware reader
 * for a file that is, at a few hundred bytes per event, small either way.
 */

/** The namespace every record of this version carries. */
export const EVENT_LOG_NS = 'spindle.ev.v1';

/** Per-task metrics, as an executor measures them (all optional: older executors send fewer). */
export interface TaskMetrics {
  recordsIn?: number;
  bytesIn?: number;
  recordsOut?: number;
  bytesOut?: number;
  shuffleBytesRead?: number;
  shuffleBytesWritten?: number;
  shuffleFetchWaitMs?: number;
  spillBytes?: number;
  peakHeapBytes?: number;
  cpuMs?: number;
  gcMs?: number;
  /** A task's `cpuMs` is its whole executor process's (no per-thread CPU source there); absent when per thread. Not in totals. */
  cpuProcessWide?: boolean;
}

/**
 * Where a task attempt ran relative to its input (Spark's level names): PROCESS_LOCAL, its input
 * cached in that executor; NODE_LOCAL, on a host holding it; NO_PREF, it preferred nowhere; ANY, it
 * preferred hosts and ran elsewhere.
 */
export type TaskLocalityLevel = 'PROCESS_LOCAL' | 'NODE_LOCAL' | 'NO_PREF' | 'ANY';

/** A task among a stage's slowest, as StageCompleted lists them. */
export interface SlowTask {
  partition: number;
  attempt: number;
  executorId: string;
  host?: string;
  durationMs: number;
}

/** Which attempt of which task a TaskStart or TaskEnd is about, and where it ran. */
export interface TaskAttemptRef {
  stageId: number;
  partition: number;
  /** 0-based. */
  attempt: number;
  executorId: string;
  host?: string;
  locality?: TaskLocalityLevel;
}

/**
 * An executor's process as its heartbeats reported it (every few seconds). Heap: V8's, summed over
 * the threads that run tasks; RSS: the whole process's, which the NodeManager holds against the
 * container's memory. Peaks are the largest of the heartbeats so far (a sample, not every moment).
 * Shuffle served: map output its block server sent other executors since it started.
 */
export interface ExecutorFigures {
  heapUsedBytes: number;
  peakHeapUsedBytes: number;
  heapLimitBytes: number;
  rssBytes: number;
  peakRssBytes: number;
  shuffleBytesServed: number;
  shuffleBlocksServed: number;
}

/** Final state of an application as the event log records it. */
export type AppFinalState = 'SUCCEEDED' | 'FAILED' | 'KILLED';

export type EventBody =
  | {
      type: 'AppStart';
      appId: string;
      /** The ApplicationMaster attempt (1-based); a later attempt appends to the same log. */
      attempt?: number;
      user?: string;
      name?: string;
      spindleVersion?: string;
      /** The job's settings (executors, memory, speculation, ...); never secrets. */
      options?: Record<string, unknown>;
    }
  | { type: 'AppEnd'; state: AppFinalState; cause?: string }
  | { type: 'ExecutorAdded'; executorId: string; host?: string; containerId?: string; cores?: number; memoryMb?: number }
  | { type: 'ExecutorRemoved'; executorId: string; reason: string }
  | ({ type: 'ExecutorMetrics'; executorId: string } & ExecutorFigures)
  | { type: 'JobStart'; jobId: number; action: string; description?: string; stageIds: number[] }
  | { type: 'JobEnd'; jobId: number; succeeded: boolean; error?: string }
  | { type: 'StageSubmitted'; stageId: number; jobId?: number; description: string; numTasks: number; parentIds?: number[] }
  | {
      type: 'StageCompleted';
      stageId: number;
      succeeded: boolean;
      error?: string;
      /** Counted by the writer over every task, also those whose own events were capped. */
      completedTasks: number;
      failedTasks: number;
      /** Task durations, min/25/50/75/max, over every successful task of the stage. */
      durationQuantiles?: number[];
      totals?: TaskMetrics;
      /** The slowest successful tasks of the stage (at most SLOWEST_TASKS_KEPT), slowest first, capped or not. */
      slowestTasks?: SlowTask[];
      /** Task events left out of the log for this stage by the per-stage cap. */
      droppedTaskEvents?: number;
      /** Attempts started per locality level, counted by the writer over every task, capped or not. */
      locality?: Partial<Record<TaskLocalityLevel, number>>;
    }
  | ({ type: 'TaskStart' } & TaskAttemptRef)
  | ({
      type: 'TaskEnd';
      succeeded: boolean;
      durationMs: number;
      error?: string;
      metrics?: TaskMetrics;
    } & TaskAttemptRef);

/** One line of the log. */
export type LogEvent = EventBody & { ns: typeof EVENT_LOG_NS; time: number };

export type EventType = EventBody['type'];
