/**
 * What an event log says about its application: jobs, stages with their task counts, durations and
 * skew, executors and why they went, task failures with their causes: a view over the one fold of
 * the events (fold.ts), for `spindle history` and anything else that reads logs.
 *
 * A stage run more than once (its map output lost, recomputed) has one entry: the task counts add up
 * over its runs, `attempts` counts them, and `numTasks` is the first run's (every partition). A log
 * without AppEnd is of an application still running (or of a driver that died before it could say).
 */
import type { AppFinalState, ExecutorFigures, LogEvent, SlowTask, TaskLocalityLevel, TaskMetrics } from './events.js';
import { AppFold, type FoldExecutor, type FoldFailure, type FoldJob, type FoldStage } from './fold.js';

export type HistoryState = AppFinalState | 'RUNNING';

export type HistoryJob = FoldJob;

export interface HistoryStage {
  id: number;
  jobId?: number;
  description: string;
  /** Tasks of its first run: the stage's partitions. */
  numTasks: number;
  completedTasks: number;
  failedTasks: number;
  /** Runs of the stage (more than 1 when lost map output made it run again). */
  attempts: number;
  state: 'running' | 'succeeded' | 'failed';
  startTime: number;
  endTime?: number;
  /** From its first submission to its last completion. */
  durationMs?: number;
  error?: string;
  /** Successful task durations in ms: min, 25th, median, 75th, max (of its last run). */
  durationQuantiles?: number[];
  /** Task metrics summed over the stage's successful tasks. */
  totals?: TaskMetrics;
  slowestTasks?: SlowTask[];
  /** Task events the writer left out (per-stage cap); the counts above still include those tasks. */
  droppedTaskEvents?: number;
  /** Attempts started per locality level, over all its runs (absent from logs that do not say). */
  locality?: Partial<Record<TaskLocalityLevel, number>>;
}

export interface HistoryExecutor {
  id: string;
  host?: string;
  containerId?: string;
  cores?: number;
  /** Its container's memory, MB. */
  memoryMb?: number;
  addedTime?: number;
  removedTime?: number;
  /** Every reason given for its removal (the driver's and the ApplicationMaster's), first first. */
  removedReasons?: string[];
  /** Its process as its last recorded heartbeat reported it: heap, RSS (with their peaks), shuffle served. */
  figures?: ExecutorFigures;
}

export type HistoryTaskFailure = FoldFailure;

export interface HistorySummary {
  appId: string;
  state: HistoryState;
  /** Whether the log ends with the application's end (AppEnd). */
  complete: boolean;
  cause?: string;
  user?: string;
  attempt?: number;
  options?: Record<string, unknown>;
  startTime?: number;
  endTime?: number;
  durationMs?: number;
  jobs: HistoryJob[];
  stages: HistoryStage[];
  executors: HistoryExecutor[];
  /** Failed task attempts the log holds (per-stage cap applies), oldest first. */
  failures: HistoryTaskFailure[];
  /** The slowest tasks over all stages, slowest first. */
  slowestTasks: (SlowTask & { stageId: number })[];
  events: number;
}

/** Slowest tasks the summary lists over all stages. */
export const SUMMARY_SLOWEST_TASKS = 10;

/** Folds a log's events into its summary. `appId` names the application when the log lacks AppStart. */
export function summarizeEvents(events: readonly LogEvent[], appId = 'unknown'): HistorySummary {
  // No task rows: the summary lists failures and the slowest tasks, which the fold keeps apart.
  const fold = new AppFold(appId, { rowsOf: () => false, failures: true }).apply(events);
  const { app } = fold;
  const stages = [...fold.stages.values()].sort((a, b) => a.id - b.id).map(historyStage);
  return {
    appId: app.appId,
    state: app.state,
    complete: app.complete,
    ...(app.cause !== undefined ? { cause: app.cause } : {}),
    ...(app.user !== undefined ? { user: app.user } : {}),
    ...(app.attempt !== undefined ? { attempt: app.attempt } : {}),
    ...(app.options !== undefined ? { options: app.options } : {}),
    ...(app.startTime !== undefined ? { startTime: app.startTime } : {}),
    ...(app.endTime !== undefined ? { endTime: app.endTime } : {}),
    ...(app.durationMs !== undefined ? { durationMs: app.durationMs } : {}),
    jobs: [...fold.jobs.values()].sort((a, b) => a.jobId - b.jobId).map((j) => ({ ...j, stageIds: [...j.stageIds] })),
    stages,
    executors: [...fold.executors.values()].map(historyExecutor),
    failures: [...fold.failures],
    slowestTasks: stages
      .flatMap((st) => (st.slowestTasks ?? []).map((t) => ({ stageId: st.id, ...t })))
      .sort((a, b) => b.durationMs - a.durationMs)
      .slice(0, SUMMARY_SLOWEST_TASKS),
    events: events.length,
  };
}

function historyStage(st: FoldStage): HistoryStage {
  const counts = AppFold.counts(st);
  const locality = AppFold.locality(st);
  return {
    id: st.id,
    ...(st.jobId !== undefined ? { jobId: st.jobId } : {}),
    description: st.description,
    numTasks: st.numTasks,
    completedTasks: counts.completed,
    failedTasks: counts.failed,
    attempts: st.runs,
    state: st.state,
    startTime: st.startTime,
    ...(st.endTime !== undefined ? { endTime: st.endTime } : {}),
    ...(st.durationMs !== undefined ? { durationMs: st.durationMs } : {}),
    ...(st.error !== undefined ? { error: st.error } : {}),
    ...(st.durationQuantiles ? { durationQuantiles: st.durationQuantiles } : {}),
    ...(Object.keys(st.totals).length > 0 ? { totals: { ...st.totals } } : {}),
    ...(st.slowestTasks ? { slowestTasks: st.slowestTasks } : {}),
    ...(st.droppedTaskEvents > 0 ? { droppedTaskEvents: st.droppedTaskEvents } : {}),
    ...(locality ? { locality } : {}),
  };
}

function historyExecutor(x: FoldExecutor): HistoryExecutor {
  return {
    id: x.id,
    ...(x.host !== undefined ? { host: x.host } : {}),
    ...(x.containerId !== undefined ? { containerId: x.containerId } : {}),
    ...(x.cores !== undefined ? { cores: x.cores } : {}),
    ...(x.memoryMb !== undefined ? { memoryMb: x.memoryMb } : {}),
    ...(x.addedTime !== undefined ? { addedTime: x.addedTime } : {}),
    ...(x.removedTime !== undefined ? { removedTime: x.removedTime } : {}),
    ...(x.removedReasons ? { removedReasons: [...x.removedReasons] } : {}),
    ...(x.figures ? { figures: { ...x.figures } } : {}),
  };
}
