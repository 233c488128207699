/**
 * The web UI's model of one application: a view over the one fold of its event-log records
 * (protocols/event-log/fold.ts), the same live (the AM folds the events its driver forwards) and
 * after the fact (`spindle ui` folds the log read from HDFS), and the same fold `spindle history`
 * reads, so the pages and the text summary agree. The fold's bounds apply: at most
 * `maxTasksPerStage` task rows per stage, and rows only for the last `maxFinishedStagesWithTasks`
 * finished stages, so the AM holds a bounded number of rows however long the application runs.
 */
import type { FoldApp, FoldExecutor, FoldJob, FoldStage, FoldTask, FoldTaskStatus, LogEvent, TaskMetrics } from '../event-log/index.js';
import { AppFold, fiveQuantiles, FOLD_MAX_FINISHED_STAGES_WITH_TASKS, FOLD_MAX_TASKS_PER_STAGE } from '../event-log/index.js';

/** Task rows a stage keeps (the log writer's default cap is the same). */
export const UI_MAX_TASKS_PER_STAGE = FOLD_MAX_TASKS_PER_STAGE;
/** Finished stages that keep their task rows; older ones keep their counts, quantiles and totals only. */
export const UI_MAX_FINISHED_STAGES_WITH_TASKS = FOLD_MAX_FINISHED_STAGES_WITH_TASKS;

/** `cancelled`: still running when its stage ended (a speculative copy that lost, a stage given up). */
export type UiTaskStatus = FoldTaskStatus;

/** A task attempt's row (the fold's, without its run). */
export type UiTask = Omit<FoldTask, 'run'>;

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

export type UiJob = FoldJob;

export type UiExecutor = FoldExecutor & {
  /** The container's logs on its NodeManager, when the NodeManager's web address is known. */
  logUrl?: string;
};

export type UiApp = FoldApp;

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

export class UiModel {
  private readonly fold: AppFold;

  constructor(appId: string, maxTasksPerStage = UI_MAX_TASKS_PER_STAGE, maxFinishedStagesWithTasks = UI_MAX_FINISHED_STAGES_WITH_TASKS) {
    this.fold = new AppFold(appId, { maxTasksPerStage, maxFinishedStagesWithTasks });
  }

  /** Events folded so far. */
  get events(): number {
    return this.fold.events;
  }

  apply(events: readonly LogEvent[]): void {
    this.fold.apply(events);
  }

  /** The document, with `context` and the executors' log links from `logUrl` (containerId to URL). */
  document(context: UiContext, logUrl?: (containerId: string) => string | undefined, revision = 0): UiDocument {
    const { app } = this.fold;
    // After the application's end nothing runs: what was still running ended with it.
    const ended = app.complete ? (app.state === 'SUCCEEDED' ? 'succeeded' : 'failed') : undefined;
    const stages = [...this.fold.stages.values()].sort((a, b) => a.id - b.id).map((st) => stageView(st, ended));
    const executors = [...this.fold.executors.values()].map((x): UiExecutor => {
      const url = x.containerId ? logUrl?.(x.containerId) : undefined;
      return {
        ...x,
        ...(x.removedReasons ? { removedReasons: [...x.removedReasons] } : {}),
        ...(x.memoryMb === undefined && context.executorMemoryMb !== undefined ? { memoryMb: context.executorMemoryMb } : {}),
        ...(url ? { logUrl: url } : {}),
      };
    });
    return {
      version: this.fold.events + revision,
      now: Date.now(),
      app: { ...app },
      jobs: [...this.fold.jobs.values()]
        .sort((a, b) => a.jobId - b.jobId)
        .map((j) => ({ ...j, stageIds: [...j.stageIds], ...(ended && j.state === 'running' ? { state: ended } : {}) })),
      stages,
      executors,
      context,
      events: this.fold.events,
    };
  }
}

function stageView(st: FoldStage, ended: 'succeeded' | 'failed' | undefined): UiStage {
  const counts = AppFold.counts(st);
  const q = st.durationQuantiles ?? fiveQuantiles(st.durations);
  return {
    id: st.id,
    ...(st.jobId !== undefined ? { jobId: st.jobId } : {}),
    description: st.description,
    numTasks: st.numTasks,
    completedTasks: counts.completed,
    failedTasks: counts.failed,
    runningTasks: st.running.size,
    attempts: st.runs,
    state: ended && st.state === 'running' ? ended : st.state,
    ...(st.parentIds !== undefined ? { parentIds: [...st.parentIds] } : {}),
    startTime: st.startTime,
    ...(st.endTime !== undefined ? { endTime: st.endTime } : {}),
    ...(st.durationMs !== undefined ? { durationMs: st.durationMs } : {}),
    ...(st.error !== undefined ? { error: st.error } : {}),
    ...(q ? { durationQuantiles: q } : {}),
    totals: { ...st.totals },
    tasks: st.tasks.map(({ run: _run, ...t }) => ({ ...t })),
    tasksNotShown: st.tasksNotShown,
  };
}
