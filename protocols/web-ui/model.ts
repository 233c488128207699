/**
 * The web UI's model of one application: an incremental fold over its event-log records
 * (protocols/event-log), the same live (the AM folds the events its driver forwards) and after the
 * fact (`spindle ui` folds the log read from HDFS). Unlike the history summary (a batch fold for
 * `spindle history`), it keeps each stage's task rows and each executor's task counts, and takes
 * events one batch at a time.
 *
 * Bounds: a stage keeps at most `maxTasksPerStage` task rows (the first ones to have started); its
 * counts cover every task. Only the last `maxFinishedStagesWithTasks` finished stages keep their rows
 * (a long-running application runs thousands of stages), so the AM holds at most
 * (running stages + that many) × the cap rows, however long the application runs.
 *
 * Counts: live, StageCompleted arrives as the driver recorded it, with zero counts (the log writer
 * fills them in); from a log, the task events may be capped while StageCompleted counts every task.
 * So a stage's counts are the larger of what its own task events say and what StageCompleted says.
 */
import type { AppFinalState, ExecutorFigures, LogEvent, TaskLocalityLevel, TaskMetrics } from '../event-log/index.js';
import { addMetrics, fiveQuantiles } from '../event-log/index.js';

/** Task rows a stage keeps (the log writer's default cap is the same). */
export const UI_MAX_TASKS_PER_STAGE = 1_000;
/** Finished stages that keep their task rows; older ones keep their counts, quantiles and totals only. */
export const UI_MAX_FINISHED_STAGES_WITH_TASKS = 100;

/** `cancelled`: still running when its stage ended (a speculative copy that lost, a stage given up). */
export type UiTaskStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface UiTask {
  partition: number;
  attempt: number;
  executorId: string;
  host?: string;
  /** Where it ran relative to its input (PROCESS_LOCAL, NODE_LOCAL, NO_PREF, ANY). */
  locality?: TaskLocalityLevel;
  status: UiTaskStatus;
  /** When it started (TaskStart), or when it ended minus its duration. */
  startTime?: number;
  durationMs?: number;
  error?: string;
  metrics?: TaskMetrics;
}

export interface UiStage {
  id: number;
  jobId?: number;
  description: string;
  /** Partitions of its first run. */
  numTasks: number;
  completedTasks: number;
  failedTasks: number;
  runningTasks: number;
  /** Runs of the stage (more than 1 when lost map output made it run again). */
  attempts: number;
  state: 'running' | 'succeeded' | 'failed';
  /** Stages whose shuffle output it reads (as the driver recorded them; absent in older logs). */
  parentIds?: number[];
  startTime: number;
  endTime?: number;
  durationMs?: number;
  error?: string;
  /** Successful task durations in ms: min, 25th, median, 75th, max. */
  durationQuantiles?: number[];
  /** Metrics summed over its successful tasks. */
  totals: TaskMetrics;
  tasks: UiTask[];
  /** Task attempts with no row here (the cap above, or the log writer's). */
  tasksNotShown: number;
}

export interface UiJob {
  jobId: number;
  action: string;
  description?: string;
  stageIds: number[];
  state: 'running' | 'succeeded' | 'failed';
  startTime: number;
  endTime?: number;
  durationMs?: number;
  error?: string;
}

export interface UiExecutor {
  id: string;
  host?: string;
  containerId?: string;
  cores?: number;
  memoryMb?: number;
  addedTime?: number;
  removedTime?: number;
  removedReasons?: string[];
  tasksSucceeded: number;
  tasksFailed: number;
  tasksRunning: number;
  shuffleBytesWritten: number;
  /** The largest heap a task on it reported (absent until executors report it). */
  peakHeapBytes?: number;
  /** Its process as its last heartbeat reported it (heap, RSS, shuffle served), and when. */
  figures?: ExecutorFigures;
  figuresTime?: number;
  /** The container's logs on its NodeManager, when the NodeManager's web address is known. */
  logUrl?: string;
}

export interface UiApp {
  appId: string;
  name?: string;
  user?: string;
  attempt?: number;
  state: AppFinalState | 'RUNNING';
  /** Whether the application's end (AppEnd) was seen. */
  complete: boolean;
  cause?: string;
  startTime?: number;
  endTime?: number;
  durationMs?: number;
  spindleVersion?: string;
  options?: Record<string, unknown>;
}

/** What only the ApplicationMaster (live) or the reader of the log (after) knows. */
export interface UiContext {
  /** `live`: served by the AM; `history`: folded from the event log by `spindle ui`. */
  source: 'live' | 'history';
  /** The application's user, as the AM knows it before the driver's first event. */
  user?: string;
  /** The AM's own state (starting, running, succeeded, ...), live only. */
  amState?: string;
  /** Executors asked for and running, as the AM's allocator counts them. */
  containers?: { target: number; running: number; pending: number; failed: number; lost: number };
  /** The start-up timeline, ms since the epoch. */
  timeline?: { amStarted?: number; registered?: number; firstContainerRunning?: number };
  /** Size of each executor container, MB. */
  executorMemoryMb?: number;
  /** The ApplicationMaster's (driver's) container and its log link. */
  amContainer?: { containerId: string; logUrl?: string };
  /** Versions of what serves the page. */
  nodeVersion?: string;
  spindleVersion?: string;
  /** Where the events come from (the event log's path), history only. */
  eventLog?: string;
  /** Lines of the log that could not be read. */
  skippedLines?: number;
}

/** The JSON document of the UI (`api/model`) and what every page is rendered from. */
export interface UiDocument {
  /** Changes whenever anything shown changes: the number of events folded, plus the context's revision. */
  version: number;
  /** When this document was made, ms since the epoch. */
  now: number;
  app: UiApp;
  jobs: UiJob[];
  stages: UiStage[];
  executors: UiExecutor[];
  context: UiContext;
  events: number;
}

interface StageFold extends UiStage {
  /** Counts of earlier runs (from their StageCompleted) and of the running one from its task events. */
  doneBefore: number;
  failedBefore: number;
  live: { completed: number; failed: number };
  durations: number[];
  /** Row index by `partition:attempt`. */
  rows: Map<string, UiTask>;
  /** Attempts running (`partition:attempt`, shown or not) and their executors. */
  running: Map<string, string>;
}

export class UiModel {
  private readonly app: UiApp;
  private readonly jobs = new Map<number, UiJob>();
  private readonly stages = new Map<number, StageFold>();
  private readonly executors = new Map<string, UiExecutor>();
  private count = 0;
  /** Finished stages still holding task rows, oldest first. */
  private readonly finishedWithRows: number[] = [];

  constructor(
    appId: string,
    private readonly maxTasksPerStage = UI_MAX_TASKS_PER_STAGE,
    private readonly maxFinishedStagesWithTasks = UI_MAX_FINISHED_STAGES_WITH_TASKS,
  ) {
    this.app = { appId, state: 'RUNNING', complete: false };
  }

  /** Events folded so far. */
  get events(): number {
    return this.count;
  }

  apply(events: readonly LogEvent[]): void {
    for (const e of events) this.applyOne(e);
  }

  /** The document, with `context` and the executors' log links from `logUrl` (containerId to URL). */
  document(context: UiContext, logUrl?: (containerId: string) => string | undefined, revision = 0): UiDocument {
    const stages = [...this.stages.values()].sort((a, b) => a.id - b.id).map((st) => this.stageView(st));
    const executors = [...this.executors.values()].map((x) => {
      const url = x.containerId ? logUrl?.(x.containerId) : undefined;
      return {
        ...x,
        ...(x.memoryMb === undefined && context.executorMemoryMb !== undefined ? { memoryMb: context.executorMemoryMb } : {}),
        ...(url ? { logUrl: url } : {}),
      };
    });
    return {
      version: this.count + revision,
      now: Date.now(),
      app: { ...this.app },
      jobs: [...this.jobs.values()].sort((a, b) => a.jobId - b.jobId).map((j) => ({ ...j, stageIds: [...j.stageIds] })),
      stages,
      executors,
      context,
      events: this.count,
    };
  }

  private stageView(st: StageFold): UiStage {
    const { doneBefore, failedBefore, live, durations, rows, running, ...stage } = st;
    const q = stage.durationQuantiles ?? fiveQuantiles(durations);
    return {
      ...stage,
      completedTasks: Math.max(doneBefore + live.completed, stage.completedTasks),
      failedTasks: Math.max(failedBefore + live.failed, stage.failedTasks),
      runningTasks: running.size,
      tasks: stage.tasks.map((t) => ({ ...t })),
      totals: { ...stage.totals },
      ...(q ? { durationQuantiles: q } : {}),
    };
  }

  private executor(id: string): UiExecutor {
    let x = this.executors.get(id);
    if (!x) {
      x = { id, tasksSucceeded: 0, tasksFailed: 0, tasksRunning: 0, shuffleBytesWritten: 0 };
      this.executors.set(id, x);
    }
    return x;
  }

  /** `stageId` finished: the oldest finished stages beyond the bound give up their task rows. */
  private forgetOldRows(stageId: number): void {
    const at = this.finishedWithRows.indexOf(stageId);
    if (at >= 0) this.finishedWithRows.splice(at, 1);
    this.finishedWithRows.push(stageId);
    while (this.finishedWithRows.length > this.maxFinishedStagesWithTasks) {
      const old = this.stages.get(this.finishedWithRows.shift()!);
      if (!old) continue;
      old.tasksNotShown += old.tasks.length;
      old.tasks = [];
      old.rows.clear();
    }
  }

  /** The stage's attempts still running were cancelled (its set ended, or the application did). */
  private stopRunning(st: StageFold): void {
    for (const [key, executorId] of st.running) {
      const x = this.executors.get(executorId);
      if (x) x.tasksRunning = Math.max(0, x.tasksRunning - 1);
      const row = st.rows.get(key);
      if (row?.status === 'running') row.status = 'cancelled';
    }
    st.running.clear();
  }

  private applyOne(e: LogEvent): void {
    this.count++;
    const app = this.app;
    switch (e.type) {
      case 'AppStart':
        // A later attempt appends to the same log: the application runs again.
        app.appId = e.appId;
        app.state = 'RUNNING';
        app.complete = false;
        delete app.cause;
        delete app.endTime;
        delete app.durationMs;
        app.startTime ??= e.time;
        if (e.user !== undefined) app.user = e.user;
        if (e.name !== undefined) app.name = e.name;
        if (e.attempt !== undefined) app.attempt = e.attempt;
        if (e.spindleVersion !== undefined) app.spindleVersion = e.spindleVersion;
        if (e.options !== undefined) app.options = e.options;
        break;
      case 'AppEnd':
        app.state = e.state;
        app.complete = true;
        if (e.cause !== undefined) app.cause = e.cause;
        app.endTime = e.time;
        if (app.startTime !== undefined) app.durationMs = e.time - app.startTime;
        // Nothing runs any more: tasks still marked running were cut off.
        for (const st of this.stages.values()) {
          this.stopRunning(st);
          if (st.state === 'running') st.state = e.state === 'SUCCEEDED' ? 'succeeded' : 'failed';
        }
        for (const j of this.jobs.values()) if (j.state === 'running') j.state = e.state === 'SUCCEEDED' ? 'succeeded' : 'failed';
        break;
      case 'ExecutorAdded': {
        const x = this.executor(e.executorId);
        x.addedTime ??= e.time;
        if (e.host !== undefined) x.host = e.host;
        if (e.containerId !== undefined) x.containerId = e.containerId;
        if (e.cores !== undefined) x.cores = e.cores;
        if (e.memoryMb !== undefined) x.memoryMb = e.memoryMb;
        break;
      }
      case 'ExecutorRemoved': {
        const x = this.executor(e.executorId);
        x.removedTime ??= e.time;
        x.removedReasons ??= [];
        if (!x.removedReasons.includes(e.reason)) x.removedReasons.push(e.reason);
        break;
      }
      case 'JobStart':
        this.jobs.set(e.jobId, {
          jobId: e.jobId,
          action: e.action,
          ...(e.description !== undefined ? { description: e.description } : {}),
          stageIds: [],
          state: 'running',
          startTime: e.time,
        });
        break;
      case 'JobEnd': {
        const j = this.jobs.get(e.jobId);
        if (!j) break;
        j.state = e.succeeded ? 'succeeded' : 'failed';
        j.endTime = e.time;
        j.durationMs = e.time - j.startTime;
        if (e.error !== undefined) j.error = e.error;
        break;
      }
      case 'StageSubmitted': {
        let st = this.stages.get(e.stageId);
        if (!st) {
          st = {
            id: e.stageId,
            ...(e.jobId !== undefined ? { jobId: e.jobId } : {}),
            description: e.description,
            numTasks: e.numTasks,
            completedTasks: 0,
            failedTasks: 0,
            runningTasks: 0,
            attempts: 0,
            state: 'running',
            startTime: e.time,
            totals: {},
            tasks: [],
            tasksNotShown: 0,
            doneBefore: 0,
            failedBefore: 0,
            live: { completed: 0, failed: 0 },
            durations: [],
            rows: new Map(),
            running: new Map(),
          };
          this.stages.set(e.stageId, st);
        }
        if (e.parentIds !== undefined) st.parentIds = [...e.parentIds];
        st.attempts++;
        st.state = 'running';
        delete st.endTime;
        delete st.durationMs;
        delete st.durationQuantiles;
        st.live = { completed: 0, failed: 0 };
        if (e.jobId !== undefined) {
          const j = this.jobs.get(e.jobId);
          if (j && !j.stageIds.includes(e.stageId)) j.stageIds.push(e.stageId);
        }
        break;
      }
      case 'TaskStart': {
        const st = this.stages.get(e.stageId);
        if (!st) break;
        const key = `${e.partition}:${e.attempt}`;
        if (!st.running.has(key)) {
          st.running.set(key, e.executorId);
          this.executor(e.executorId).tasksRunning++;
        }
        if (st.rows.has(key)) break;
        if (st.tasks.length >= this.maxTasksPerStage) {
          st.tasksNotShown++;
          break;
        }
        const row: UiTask = {
          partition: e.partition,
          attempt: e.attempt,
          executorId: e.executorId,
          ...(e.host !== undefined ? { host: e.host } : {}),
          ...(e.locality !== undefined ? { locality: e.locality } : {}),
          status: 'running',
          startTime: e.time,
        };
        st.tasks.push(row);
        st.rows.set(key, row);
        break;
      }
      case 'TaskEnd': {
        const x = this.executor(e.executorId);
        if (e.succeeded) {
          x.tasksSucceeded++;
          x.shuffleBytesWritten += e.metrics?.shuffleBytesWritten ?? 0;
        } else x.tasksFailed++;
        const heap = e.metrics?.peakHeapBytes;
        if (heap !== undefined) x.peakHeapBytes = Math.max(x.peakHeapBytes ?? 0, heap);
        const st = this.stages.get(e.stageId);
        if (!st) break;
        const key = `${e.partition}:${e.attempt}`;
        if (st.running.delete(key)) x.tasksRunning = Math.max(0, x.tasksRunning - 1);
        if (e.succeeded) {
          st.live.completed++;
          st.durations.push(e.durationMs);
          addMetrics(st.totals as Record<string, number | undefined>, e.metrics as Record<string, number | undefined>);
        } else st.live.failed++;
        let r = st.rows.get(key);
        if (!r) {
          if (st.tasks.length >= this.maxTasksPerStage) {
            st.tasksNotShown++;
            break;
          }
          r = {
            partition: e.partition,
            attempt: e.attempt,
            executorId: e.executorId,
            ...(e.host !== undefined ? { host: e.host } : {}),
            ...(e.locality !== undefined ? { locality: e.locality } : {}),
            status: 'running',
            startTime: e.time - e.durationMs,
          };
          st.tasks.push(r);
          st.rows.set(key, r);
        }
        r.status = e.succeeded ? 'succeeded' : 'failed';
        r.durationMs = e.durationMs;
        if (e.error !== undefined) r.error = e.error;
        if (e.metrics !== undefined) r.metrics = e.metrics;
        break;
      }
      case 'ExecutorMetrics': {
        const { type: _t, ns: _n, time: _time, executorId, ...figures } = e;
        const x = this.executor(executorId);
        x.figures = figures;
        x.figuresTime = e.time;
        break;
      }
      case 'StageCompleted': {
        const st = this.stages.get(e.stageId);
        if (!st) break;
        // The log writer counted every task of the run, also those whose own events it left out;
        // live, the counts are still zero and the task events are all there.
        st.doneBefore += Math.max(e.completedTasks, st.live.completed);
        st.failedBefore += Math.max(e.failedTasks, st.live.failed);
        st.live = { completed: 0, failed: 0 };
        this.stopRunning(st);
        st.state = e.succeeded ? 'succeeded' : 'failed';
        st.endTime = e.time;
        st.durationMs = e.time - st.startTime;
        if (e.error !== undefined) st.error = e.error;
        else delete st.error;
        if (e.durationQuantiles) st.durationQuantiles = e.durationQuantiles;
        // The writer's totals are over every successful task of the run, also those it left out.
        if (e.totals) st.totals = { ...e.totals };
        if (e.droppedTaskEvents) st.tasksNotShown += e.droppedTaskEvents;
        // Its quantiles are fixed now: the durations are not needed any more.
        st.durationQuantiles ??= fiveQuantiles(st.durations);
        if (!st.durationQuantiles) delete st.durationQuantiles;
        st.durations = [];
        this.forgetOldRows(st.id);
        break;
      }
      default:
        break;
    }
  }
}
