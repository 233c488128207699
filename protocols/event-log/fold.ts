/**
 * The one fold over an application's events: what the application, its jobs, stages, task attempts
 * and executors are after the events so far. Incremental (events may come one batch at a time, as
 * the AM gets them from its driver) and pure. Its readers are views over it: the history summary
 * (summary.ts, `spindle history`), a stage's attempts (stage-tasks.ts, `--stage`) and the web UI's
 * document (protocols/web-ui/model.ts), so the three always agree.
 *
 * Counts: live, StageCompleted arrives as the driver recorded it, with zero counts (the log writer
 * fills them in); from a log, the task events may be capped while StageCompleted counts every task.
 * So a run's counts are the larger of what its own task events say and what StageCompleted says. A
 * stage run more than once (its map output lost) adds its runs' counts; `numTasks` is the first run's.
 *
 * Bounds: a stage keeps at most `maxTasksPerStage` attempt rows (the first to have started; its
 * counts cover every attempt), and only the last `maxFinishedStagesWithTasks` finished stages keep
 * theirs, so a long-running application holds (running stages + that many) × the cap rows. The list
 * of failed attempts is kept only when asked for (a log's failures are bounded by the writer's caps;
 * a live application's are not).
 */
import type { AppFinalState, ExecutorFigures, LogEvent, SlowTask, TaskAttemptRef, TaskLocalityLevel, TaskMetrics } from './events.js';
import { addMetrics, fiveQuantiles } from './quantiles.js';

export type FoldTaskStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export type LocalityCounts = Partial<Record<TaskLocalityLevel, number>>;

export interface FoldTask {
  /** The stage's run it belongs to (1 for the first). */
  run: number;
  partition: number;
  /** 0-based, as in the log. */
  attempt: number;
  executorId: string;
  host?: string;
  locality?: TaskLocalityLevel;
  /** `cancelled`: no end before its run (or the application) ended: a speculative copy that lost, a stage given up. */
  status: FoldTaskStatus;
  /** When it started (TaskStart), or when it ended minus its duration. */
  startTime?: number;
  durationMs?: number;
  error?: string;
  metrics?: TaskMetrics;
}

export interface FoldStage {
  id: number;
  jobId?: number;
  description: string;
  /** Partitions of its first run. */
  numTasks: number;
  /** Runs of the stage. */
  runs: number;
  state: 'running' | 'succeeded' | 'failed';
  parentIds?: number[];
  startTime: number;
  endTime?: number;
  durationMs?: number;
  error?: string;
  /** Counts of the finished runs, and of the running one from its task events. */
  doneBefore: number;
  failedBefore: number;
  live: { completed: number; failed: number };
  /** Successful durations of the running run (its quantiles until it completes). */
  durations: number[];
  /** Of the last finished run: the writer's (over every task of it), or live, of its task events. */
  durationQuantiles?: number[];
  slowestTasks?: SlowTask[];
  /** Metrics summed over successful tasks: live sums, replaced by StageCompleted's (over every task). */
  totals: TaskMetrics;
  /** Attempts started per level: finished runs (StageCompleted's counts), and the running run's own. */
  locality?: LocalityCounts;
  liveLocality: LocalityCounts;
  /** Task events the log writer left out (its per-stage cap), over all runs. */
  droppedTaskEvents: number;
  /** Rows kept, in the order of their first event; attempts with no row (the caps) are counted. */
  tasks: FoldTask[];
  tasksNotShown: number;
  /** Row by `run:partition:attempt`. */
  rows: Map<string, FoldTask>;
  /** Attempts running now (`run:partition:attempt`, with a row or not) and their executors. */
  running: Map<string, string>;
}

export interface FoldJob {
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

export interface FoldExecutor {
  id: string;
  host?: string;
  containerId?: string;
  cores?: number;
  memoryMb?: number;
  addedTime?: number;
  removedTime?: number;
  /** Every reason given for its removal (the driver's and the ApplicationMaster's), first first. */
  removedReasons?: string[];
  tasksSucceeded: number;
  tasksFailed: number;
  tasksRunning: number;
  shuffleBytesWritten: number;
  /** The largest heap a task on it reported. */
  peakHeapBytes?: number;
  /** Its process as its last heartbeat reported it, and when. */
  figures?: ExecutorFigures;
  figuresTime?: number;
}

export interface FoldApp {
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

export interface FoldFailure {
  stageId: number;
  partition: number;
  attempt: number;
  executorId: string;
  host?: string;
  time: number;
  error: string;
}

export interface FoldOptions {
  /** Attempt rows a stage keeps. Default {@link FOLD_MAX_TASKS_PER_STAGE}. */
  maxTasksPerStage?: number;
  /** Finished stages that keep their rows. Default {@link FOLD_MAX_FINISHED_STAGES_WITH_TASKS}. */
  maxFinishedStagesWithTasks?: number;
  /** Which stages keep rows at all (default: every stage). */
  rowsOf?: (stageId: number) => boolean;
  /** Keep the list of failed attempts (`failures`). */
  failures?: boolean;
}

/** Attempt rows a stage keeps (the log writer's default cap is the same). */
export const FOLD_MAX_TASKS_PER_STAGE = 1_000;
/** Finished stages that keep their rows; older ones keep their counts, quantiles and totals only. */
export const FOLD_MAX_FINISHED_STAGES_WITH_TASKS = 100;

export class AppFold {
  readonly app: FoldApp;
  readonly jobs = new Map<number, FoldJob>();
  readonly stages = new Map<number, FoldStage>();
  readonly executors = new Map<string, FoldExecutor>();
  readonly failures: FoldFailure[] = [];
  /** Events folded so far. */
  events = 0;
  /** Finished stages still holding rows, oldest first. */
  private readonly finishedWithRows: number[] = [];
  private readonly o: Required<Omit<FoldOptions, 'rowsOf'>> & Pick<FoldOptions, 'rowsOf'>;

  constructor(appId: string, options: FoldOptions = {}) {
    this.app = { appId, state: 'RUNNING', complete: false };
    this.o = {
      maxTasksPerStage: options.maxTasksPerStage ?? FOLD_MAX_TASKS_PER_STAGE,
      maxFinishedStagesWithTasks: options.maxFinishedStagesWithTasks ?? FOLD_MAX_FINISHED_STAGES_WITH_TASKS,
      failures: options.failures ?? false,
      ...(options.rowsOf ? { rowsOf: options.rowsOf } : {}),
    };
  }

  apply(events: readonly LogEvent[]): this {
    for (const e of events) this.applyOne(e);
    return this;
  }

  /** A stage's counts over all its runs. */
  static counts(st: FoldStage): { completed: number; failed: number } {
    return { completed: st.doneBefore + st.live.completed, failed: st.failedBefore + st.live.failed };
  }

  /** Attempts per locality level over all runs, or undefined when the log says none. */
  static locality(st: FoldStage): LocalityCounts | undefined {
    return addCounts(st.locality, st.liveLocality);
  }

  private executor(id: string): FoldExecutor {
    let x = this.executors.get(id);
    if (!x) {
      x = { id, tasksSucceeded: 0, tasksFailed: 0, tasksRunning: 0, shuffleBytesWritten: 0 };
      this.executors.set(id, x);
    }
    return x;
  }

  private keepsRows(st: FoldStage): boolean {
    return this.o.rowsOf ? this.o.rowsOf(st.id) : true;
  }

  /** A row for an attempt, unless the stage keeps no rows or is at its cap (then the attempt is counted). */
  private addRow(st: FoldStage, key: string, row: FoldTask): FoldTask | undefined {
    if (!this.keepsRows(st)) return undefined;
    if (st.tasks.length >= this.o.maxTasksPerStage) {
      st.tasksNotShown++;
      return undefined;
    }
    st.tasks.push(row);
    st.rows.set(key, row);
    return row;
  }

  /** `stageId` finished: the oldest finished stages beyond the bound give up their rows. */
  private forgetOldRows(stageId: number): void {
    const at = this.finishedWithRows.indexOf(stageId);
    if (at >= 0) this.finishedWithRows.splice(at, 1);
    this.finishedWithRows.push(stageId);
    while (this.finishedWithRows.length > this.o.maxFinishedStagesWithTasks) {
      const old = this.stages.get(this.finishedWithRows.shift()!);
      if (!old) continue;
      old.tasksNotShown += old.tasks.length;
      old.tasks = [];
      old.rows.clear();
    }
  }

  /** The stage's attempts still running were cancelled (its run ended, or the application did). */
  private stopRunning(st: FoldStage): void {
    for (const [key, executorId] of st.running) {
      const x = this.executors.get(executorId);
      if (x) x.tasksRunning = Math.max(0, x.tasksRunning - 1);
      const row = st.rows.get(key);
      if (row?.status === 'running') row.status = 'cancelled';
    }
    st.running.clear();
  }

  private applyOne(e: LogEvent): void {
    this.events++;
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
        // Nothing runs any more: attempts still running were cut off.
        for (const st of this.stages.values()) this.stopRunning(st);
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
      case 'ExecutorMetrics': {
        const { type: _t, ns: _n, time, executorId, ...figures } = e;
        const x = this.executor(executorId);
        x.figures = figures;
        x.figuresTime = time;
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
            runs: 0,
            state: 'running',
            startTime: e.time,
            doneBefore: 0,
            failedBefore: 0,
            live: { completed: 0, failed: 0 },
            durations: [],
            totals: {},
            liveLocality: {},
            droppedTaskEvents: 0,
            tasks: [],
            tasksNotShown: 0,
            rows: new Map(),
            running: new Map(),
          };
          this.stages.set(e.stageId, st);
        }
        // A run still open (no StageCompleted seen) ends here: its attempts did not finish.
        this.stopRunning(st);
        if (e.parentIds !== undefined) st.parentIds = [...e.parentIds];
        st.runs++;
        st.state = 'running';
        delete st.endTime;
        delete st.durationMs;
        delete st.durationQuantiles;
        st.live = { completed: 0, failed: 0 };
        st.liveLocality = {};
        st.durations = [];
        if (e.jobId !== undefined) {
          const j = this.jobs.get(e.jobId);
          if (j && !j.stageIds.includes(e.stageId)) j.stageIds.push(e.stageId);
        }
        break;
      }
      case 'TaskStart': {
        const st = this.stages.get(e.stageId);
        if (!st) break;
        if (e.locality) st.liveLocality[e.locality] = (st.liveLocality[e.locality] ?? 0) + 1;
        const key = `${st.runs}:${e.partition}:${e.attempt}`;
        if (!st.running.has(key)) {
          st.running.set(key, e.executorId);
          this.executor(e.executorId).tasksRunning++;
        }
        if (st.rows.has(key)) break;
        this.addRow(st, key, runningRow(st.runs, e, e.time));
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
        if (!e.succeeded && this.o.failures) {
          this.failures.push({
            stageId: e.stageId,
            partition: e.partition,
            attempt: e.attempt,
            executorId: e.executorId,
            ...(e.host !== undefined ? { host: e.host } : {}),
            time: e.time,
            error: e.error ?? 'unknown error',
          });
        }
        const st = this.stages.get(e.stageId);
        if (!st) break;
        const key = `${st.runs}:${e.partition}:${e.attempt}`;
        if (st.running.delete(key)) x.tasksRunning = Math.max(0, x.tasksRunning - 1);
        if (e.succeeded) {
          st.live.completed++;
          st.durations.push(e.durationMs);
          addMetrics(st.totals as Record<string, number | undefined>, e.metrics as Record<string, number | undefined>);
        } else st.live.failed++;
        const row = st.rows.get(key) ?? this.addRow(st, key, runningRow(st.runs, e, e.time - e.durationMs));
        if (!row) break;
        row.status = e.succeeded ? 'succeeded' : 'failed';
        row.durationMs = e.durationMs;
        if (e.error !== undefined) row.error = e.error;
        if (e.metrics !== undefined) row.metrics = e.metrics;
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
        const locality = addCounts(st.locality, e.locality ?? st.liveLocality);
        if (locality) st.locality = locality;
        st.liveLocality = {};
        this.stopRunning(st);
        st.state = e.succeeded ? 'succeeded' : 'failed';
        st.endTime = e.time;
        st.durationMs = e.time - st.startTime;
        if (e.error !== undefined) st.error = e.error;
        else delete st.error;
        if (e.durationQuantiles) st.durationQuantiles = e.durationQuantiles;
        // Live (no quantiles from the writer) they come from the run's own durations, fixed now.
        else if (st.durations.length > 0) st.durationQuantiles = fiveQuantiles(st.durations);
        st.durations = [];
        // The writer's totals are over every successful task of the run, also those it left out.
        if (e.totals) st.totals = { ...e.totals };
        if (e.slowestTasks) st.slowestTasks = e.slowestTasks;
        if (e.droppedTaskEvents) {
          st.droppedTaskEvents += e.droppedTaskEvents;
          if (this.keepsRows(st)) st.tasksNotShown += e.droppedTaskEvents;
        }
        if (this.keepsRows(st)) this.forgetOldRows(st.id);
        break;
      }
      default:
        break;
    }
  }
}

/** A new row of an attempt of run `run`, started at `startTime`. */
function runningRow(run: number, e: TaskAttemptRef, startTime: number): FoldTask {
  return {
    run,
    partition: e.partition,
    attempt: e.attempt,
    executorId: e.executorId,
    ...(e.host !== undefined ? { host: e.host } : {}),
    ...(e.locality !== undefined ? { locality: e.locality } : {}),
    status: 'running',
    startTime,
  };
}

/** The sum of two sets of counts per level; undefined when both are empty. */
function addCounts(a: LocalityCounts | undefined, b: LocalityCounts): LocalityCounts | undefined {
  const out: LocalityCounts = { ...a };
  for (const [level, n] of Object.entries(b) as [TaskLocalityLevel, number][]) out[level] = (out[level] ?? 0) + n;
  return Object.keys(out).length > 0 ? out : undefined;
}
