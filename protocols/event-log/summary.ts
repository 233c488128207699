/**
 * What an event log says about its application: jobs, stages with their task counts, durations and
 * skew, executors and why they went, task failures with their causes. A pure fold over the events
 * (decodeEventLog's), for `spindle history` and anything else that reads logs.
 *
 * A stage run more than once (its map output lost, recomputed) has one entry: the task counts add up
 * over its runs, `attempts` counts them, and `numTasks` is the first run's (every partition). A log
 * without AppEnd is of an application still running (or of a driver that died before it could say).
 */
import type { AppFinalState, ExecutorFigures, LogEvent, SlowTask, TaskLocalityLevel, TaskMetrics } from './events.js';

export type HistoryState = AppFinalState | 'RUNNING';

export interface HistoryJob {
  jobId: number;
  action: string;
  description?: string;
  /** Stages the job ran (submitted), in the order they started. */
  stageIds: number[];
  state: 'running' | 'succeeded' | 'failed';
  startTime: number;
  endTime?: number;
  durationMs?: number;
  error?: string;
}

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

export interface HistoryTaskFailure {
  stageId: number;
  partition: number;
  attempt: number;
  executorId: string;
  host?: string;
  time: number;
  error: string;
}

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

interface StageState extends HistoryStage {
  /** Counts of earlier runs, and of the running one from its task ends. */
  doneBefore: number;
  failedBefore: number;
  live: { completed: number; failed: number };
  /** Locality of the running run's attempts, from its TaskStarts (StageCompleted counts them all). */
  liveLocality: Partial<Record<TaskLocalityLevel, number>>;
}

/** Folds a log's events into its summary. `appId` names the application when the log lacks AppStart. */
export function summarizeEvents(events: readonly LogEvent[], appId = 'unknown'): HistorySummary {
  const s: HistorySummary = {
    appId,
    state: 'RUNNING',
    complete: false,
    jobs: [],
    stages: [],
    executors: [],
    failures: [],
    slowestTasks: [],
    events: events.length,
  };
  const jobs = new Map<number, HistoryJob>();
  const stages = new Map<number, StageState>();
  const executors = new Map<string, HistoryExecutor>();
  const executor = (id: string): HistoryExecutor => {
    let x = executors.get(id);
    if (!x) executors.set(id, (x = { id }));
    return x;
  };
  for (const e of events) {
    switch (e.type) {
      case 'AppStart':
        // A later attempt appends to the log: the application runs again.
        s.appId = e.appId;
        s.state = 'RUNNING';
        s.complete = false;
        delete s.cause;
        delete s.endTime;
        delete s.durationMs;
        s.startTime ??= e.time;
        if (e.user !== undefined) s.user = e.user;
        if (e.attempt !== undefined) s.attempt = e.attempt;
        if (e.options !== undefined) s.options = e.options;
        break;
      case 'AppEnd':
        s.state = e.state;
        s.complete = true;
        if (e.cause !== undefined) s.cause = e.cause;
        s.endTime = e.time;
        if (s.startTime !== undefined) s.durationMs = e.time - s.startTime;
        break;
      case 'ExecutorAdded': {
        const x = executor(e.executorId);
        x.addedTime ??= e.time;
        if (e.host !== undefined) x.host = e.host;
        if (e.containerId !== undefined) x.containerId = e.containerId;
        if (e.cores !== undefined) x.cores = e.cores;
        if (e.memoryMb !== undefined) x.memoryMb = e.memoryMb;
        break;
      }
      case 'ExecutorRemoved': {
        const x = executor(e.executorId);
        x.removedTime ??= e.time;
        x.removedReasons ??= [];
        if (!x.removedReasons.includes(e.reason)) x.removedReasons.push(e.reason);
        break;
      }
      case 'ExecutorMetrics': {
        const { type: _t, ns: _n, time: _time, executorId, ...figures } = e;
        executor(executorId).figures = figures;
        break;
      }
      case 'JobStart':
        jobs.set(e.jobId, {
          jobId: e.jobId,
          action: e.action,
          ...(e.description !== undefined ? { description: e.description } : {}),
          stageIds: [],
          state: 'running',
          startTime: e.time,
        });
        break;
      case 'JobEnd': {
        const j = jobs.get(e.jobId);
        if (!j) break;
        j.state = e.succeeded ? 'succeeded' : 'failed';
        j.endTime = e.time;
        j.durationMs = e.time - j.startTime;
        if (e.error !== undefined) j.error = e.error;
        break;
      }
      case 'StageSubmitted': {
        let st = stages.get(e.stageId);
        if (!st) {
          st = {
            id: e.stageId,
            ...(e.jobId !== undefined ? { jobId: e.jobId } : {}),
            description: e.description,
            numTasks: e.numTasks,
            completedTasks: 0,
            failedTasks: 0,
            attempts: 0,
            state: 'running',
            startTime: e.time,
            doneBefore: 0,
            failedBefore: 0,
            live: { completed: 0, failed: 0 },
            liveLocality: {},
          };
          stages.set(e.stageId, st);
        }
        st.attempts++;
        st.state = 'running';
        st.live = { completed: 0, failed: 0 };
        st.liveLocality = {};
        if (e.jobId !== undefined) {
          const j = jobs.get(e.jobId);
          if (j && !j.stageIds.includes(e.stageId)) j.stageIds.push(e.stageId);
        }
        break;
      }
      case 'TaskStart': {
        const st = stages.get(e.stageId);
        if (st && e.locality) st.liveLocality[e.locality] = (st.liveLocality[e.locality] ?? 0) + 1;
        break;
      }
      case 'TaskEnd': {
        const st = stages.get(e.stageId);
        if (st) {
          if (e.succeeded) st.live.completed++;
          else st.live.failed++;
        }
        if (!e.succeeded) {
          s.failures.push({
            stageId: e.stageId,
            partition: e.partition,
            attempt: e.attempt,
            executorId: e.executorId,
            ...(e.host !== undefined ? { host: e.host } : {}),
            time: e.time,
            error: e.error ?? 'unknown error',
          });
        }
        break;
      }
      case 'StageCompleted': {
        const st = stages.get(e.stageId);
        if (!st) break;
        // The writer counted every task of the run, also those whose own events it left out.
        st.doneBefore += e.completedTasks;
        st.failedBefore += e.failedTasks;
        st.live = { completed: 0, failed: 0 };
        st.locality = addCounts(st.locality, e.locality ?? st.liveLocality);
        st.liveLocality = {};
        st.state = e.succeeded ? 'succeeded' : 'failed';
        st.endTime = e.time;
        st.durationMs = e.time - st.startTime;
        if (e.error !== undefined) st.error = e.error;
        else delete st.error;
        if (e.durationQuantiles) st.durationQuantiles = e.durationQuantiles;
        if (e.totals) st.totals = e.totals;
        if (e.slowestTasks) st.slowestTasks = e.slowestTasks;
        if (e.droppedTaskEvents) st.droppedTaskEvents = (st.droppedTaskEvents ?? 0) + e.droppedTaskEvents;
        break;
      }
      default:
        break;
    }
  }
  for (const st of stages.values()) {
    const { doneBefore, failedBefore, live, liveLocality, ...stage } = st;
    stage.completedTasks = doneBefore + live.completed;
    stage.failedTasks = failedBefore + live.failed;
    const locality = addCounts(stage.locality, liveLocality);
    if (locality) stage.locality = locality;
    else delete stage.locality;
    s.stages.push(stage);
  }
  s.stages.sort((a, b) => a.id - b.id);
  s.jobs = [...jobs.values()].sort((a, b) => a.jobId - b.jobId);
  s.executors = [...executors.values()];
  s.slowestTasks = s.stages
    .flatMap((st) => (st.slowestTasks ?? []).map((t) => ({ stageId: st.id, ...t })))
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, SUMMARY_SLOWEST_TASKS);
  return s;
}

/** The sum of two sets of counts per level; undefined when both are empty. */
function addCounts(
  a: Partial<Record<TaskLocalityLevel, number>> | undefined,
  b: Partial<Record<TaskLocalityLevel, number>>,
): Partial<Record<TaskLocalityLevel, number>> | undefined {
  const out: Partial<Record<TaskLocalityLevel, number>> = { ...a };
  for (const [level, n] of Object.entries(b) as [TaskLocalityLevel, number][]) out[level] = (out[level] ?? 0) + n;
  return Object.keys(out).length > 0 ? out : undefined;
}
