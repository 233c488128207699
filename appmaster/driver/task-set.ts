import type { AmStageProgress } from '../../protocols/am-status/index.js';
import type { ExcludeOnFailure } from '../../protocols/job-spec/index.js';
import type { TaskFailure } from './errors.js';
import { TaskSetExclusion } from './exclusion.js';
import { LaunchQueue } from './launch-queue.js';
import type { TaskLocality } from './locality.js';
import type { ExecutorLink, TaskSetListener, TaskSetSpec } from './scheduler.js';

/**
 * The scheduler's state of one task set: per task, its state, launches, failures and executor
 * losses, and the pending queue; per set, its counters for progress. Plain data; the rules are in
 * scheduler.ts.
 */

/** Progress of a task set, for status pages and progress lines: the AM status contract's stage, refined. */
export interface TaskSetProgress extends AmStageProgress {
  /** Failed attempts (each retried, unless the set failed). */
  failedAttempts: number;
  /** Finished tasks run again because the executor holding their output was lost. */
  resubmitted: number;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  bytesRead: number;
  bytesWritten: number;
  /** Attempts launched per locality level; absent before the first launch. */
  locality?: Partial<Record<TaskLocality, number>>;
}

export type TaskState = 'pending' | 'running' | 'done';

/** One launched attempt. */
export interface Attempt {
  tid: number;
  set: TaskSet;
  index: number;
  attempt: number;
  executor: ExecutorState;
  chunks: Buffer[];
  /** When it was sent to its executor. */
  launchedAt: number;
  /** When it started on its executor (pipelined attempts wait there first); set by speculation.ts's noteStarts. */
  startedAt?: number;
  /** A speculative copy of a task that was running already. */
  speculative?: boolean;
  /** Where it ran relative to its input. */
  locality: TaskLocality;
}

/** An executor and the attempts it runs. */
export interface ExecutorState {
  link: ExecutorLink;
  running: Map<number, Attempt>;
  /** Attempts launched on it so far (dynamic allocation tells a busy executor from an idle one by it). */
  launched: number;
}

export class TaskSet {
  readonly state: TaskState[];
  readonly launches: number[];
  readonly failures: number[];
  readonly losses: number[];
  /** The executor each finished task succeeded on. */
  readonly doneOn: (string | undefined)[];
  readonly exclusion: TaskSetExclusion;
  /** The last failed attempt and its error text, for a set that cannot run anywhere. */
  lastFailure: { failure: TaskFailure; detail: string } | undefined;
  /** Since when every executor is excluded for the set while tasks wait; undefined while one can run them. */
  unschedulableSince: number | undefined;
  readonly queue: LaunchQueue;
  remaining: number;
  running = 0;
  failedAttempts = 0;
  resubmitted = 0;
  records = 0;
  bytesRead = 0;
  bytesWritten = 0;
  status: TaskSetProgress['state'] = 'running';
  lastLocalLaunch: number;
  /** Exponentially weighted task time in ms; undefined until a task finished. */
  avgTaskMs: number | undefined;
  /** Attempts launched, per locality level. */
  readonly locality: Partial<Record<TaskLocality, number>> = {};

  constructor(
    readonly spec: TaskSetSpec,
    readonly listener: TaskSetListener,
    now: number,
    exclusion: ExcludeOnFailure,
  ) {
    const n = spec.tasks.length;
    this.state = new Array<TaskState>(n).fill('pending');
    this.launches = new Array<number>(n).fill(0);
    this.failures = new Array<number>(n).fill(0);
    this.losses = new Array<number>(n).fill(0);
    this.doneOn = new Array(n);
    this.exclusion = new TaskSetExclusion(exclusion, spec.stageId);
    this.remaining = n;
    this.lastLocalLaunch = now;
    this.queue = new LaunchQueue();
    for (let i = 0; i < n; i++) this.queue.add(i, spec.tasks[i]!.hosts);
  }

  get active(): boolean {
    return this.status === 'running';
  }
}

export function failureOf(
  set: TaskSet,
  a: Attempt,
  error: { kind: TaskFailure['kind']; name: string; message: string; stack: string },
): TaskFailure {
  return {
    stageId: set.spec.stageId,
    partition: set.spec.tasks[a.index]!.partition,
    attempt: a.attempt + 1,
    executorId: a.executor.link.id,
    host: a.executor.link.host,
    errorName: error.name,
    errorMessage: error.message,
    stack: error.stack,
    kind: error.kind,
  };
}

export function progressOf(set: TaskSet): TaskSetProgress {
  return {
    stageId: set.spec.stageId,
    description: set.spec.description,
    tasks: set.spec.tasks.length,
    succeeded: set.spec.tasks.length - set.remaining,
    running: set.running,
    failedAttempts: set.failedAttempts,
    resubmitted: set.resubmitted,
    state: set.status,
    records: set.records,
    bytesRead: set.bytesRead,
    bytesWritten: set.bytesWritten,
    ...(Object.keys(set.locality).length > 0 ? { locality: { ...set.locality } } : {}),
  };
}
