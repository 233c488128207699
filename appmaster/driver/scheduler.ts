import { COMMIT_DENIED, type TaskLaunch, type TaskStatus } from '../../protocols/driver-executor/index.js';
import { DEFAULT_EXCLUDE_ON_FAILURE, type ExcludeOnFailure, type Speculation } from '../../protocols/job-spec/index.js';
import { JobAbortedError, TaskFailedError } from './errors.js';
import { ApplicationExclusion, type ExclusionEvent } from './exclusion.js';
import { localityHints, taskLocality, type StageLocalityHints, type TaskLocality } from './locality.js';
import { noteStarts, type SpeculationEvent, Speculator } from './speculation.js';
import { failureOf, progressOf, TaskSet, type Attempt, type ExecutorState, type TaskSetProgress } from './task-set.js';

export type { TaskSetProgress } from './task-set.js';

/** Tasks of running sets not yet launched, and per executor its slots, running attempts and launches so far. */
export interface AllocationLoad {
  pending: number;
  executors: { id: string; cores: number; running: number; launched: number }[];
}

/**
 * The task scheduler: which task runs where, and what happens when one fails. Pure bookkeeping,
 * synchronous, no I/O: executors are links it calls, time is an injected clock, and every rule is
 * unit-tested with fake executors.
 *
 * - Offers go round-robin over executors, first one task per core (the real parallelism), then
 *   extra pipelined tasks per core when tasks are short, so that an executor never idles for a
 *   round trip (the throughput of tiny tasks depends on it).
 * - Locality (delay scheduling): a task preferring hosts goes to an executor on one of them; it
 *   goes elsewhere only if no executor runs there, or after `localityWaitMs` without a local launch.
 * - A task that throws is retried up to `maxAttempts` attempts, preferring executors it has not
 *   failed on; a CLOSURE error (a name the executor cannot have) fails at once, since retrying
 *   cannot fix it, and so does a fetch failure (the engine recomputes the lost map output). A
 *   lost executor's tasks go back to the queue without counting as failures.
 * - A task set whose output stays on the executors (a shuffle-map stage) is done only while
 *   every output is there: when an executor is lost, the tasks that succeeded on it run again in
 *   the same set (Spark's TaskSetManager.executorLost, reason Resubmitted).
 * - The first successful attempt of a partition wins; any later report for it is ignored, so no
 *   result is counted twice.
 * - Exclusion on failure (exclusion.ts): executors and nodes whose tasks fail get no more tasks of
 *   the stage, then of the application. A task set that every executor is excluded for fails at
 *   once when no more executors are expected, else after `unschedulableTimeoutMs`.
 * - Speculation (speculation.ts, off unless `speculation` is given): a task far slower than the
 *   rest of its set gets one copy on another executor; the first attempt to succeed wins and the
 *   other is cancelled. An attempt refused the right to commit its output (COMMIT_DENIED) is no
 *   failure: its task runs again only if no other attempt of it is running.
 */

export const DEFAULT_LOCALITY_WAIT_MS = 3000;
/** Work queued per core beyond the running task, in ms of observed task time. */
export const DEFAULT_PIPELINE_TARGET_MS = 4;
/** At most this many pipelined tasks per core. */
export const DEFAULT_MAX_PIPELINE_PER_CORE = 64;
/** Name of the error a reduce task fails with when map output cannot be fetched. */
export const FETCH_FAILED = 'FetchFailedError';
/** Executor losses a single task may see before the job gives up on it. */
export const MAX_LOSSES_PER_TASK = 8;
/**
 * How long a task set that every executor is excluded for waits for an executor that is not, while
 * fewer executors than expected are connected (Spark's excludeOnFailure.unschedulableTaskSetTimeout).
 */
export const DEFAULT_UNSCHEDULABLE_TIMEOUT_MS = 120_000;

export interface SchedulerClock {
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const realSchedulerClock: SchedulerClock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface SchedulerOptions {
  /** Default {@link DEFAULT_LOCALITY_WAIT_MS}. 0 disables delay scheduling. */
  localityWaitMs?: number;
  /** Default {@link DEFAULT_PIPELINE_TARGET_MS}. */
  pipelineTargetMs?: number;
  /** Default {@link DEFAULT_MAX_PIPELINE_PER_CORE}. */
  maxPipelinePerCore?: number;
  /** Default DEFAULT_EXCLUDE_ON_FAILURE (on, Spark's thresholds). */
  excludeOnFailure?: ExcludeOnFailure;
  /** Default {@link DEFAULT_UNSCHEDULABLE_TIMEOUT_MS}. */
  unschedulableTimeoutMs?: number;
  /** Told of every new exclusion. */
  onExclusion?: (event: ExclusionEvent) => void;
  /** Speculative execution; absent: off. */
  speculation?: Speculation;
  /** Told of every speculative copy launched and every attempt that won over another. */
  onSpeculation?: (event: SpeculationEvent) => void;
  /** Told of task sets and attempts starting and ending (the event log). */
  events?: SchedulerEvents;
  /**
   * Told where the running task sets' tasks would like executors, when a set starts or ends and the
   * hints changed (first when the first set starts): the AM steers its container requests by them.
   */
  onLocalityHints?: (hints: StageLocalityHints) => void;
}

/** An attempt as SchedulerEvents name it; `attempt` is 0-based, as in TaskLaunch. */
export interface AttemptInfo {
  partition: number;
  attempt: number;
  executorId: string;
  host: string;
  speculative?: boolean;
  /** Where it ran relative to its input. */
  locality: TaskLocality;
}

/**
 * What the scheduler tells an observer (the event log), synchronously and in order: a set's start,
 * its attempts' starts and ends, then its end. Attempts cancelled (a lost race, a set that ended)
 * and commit refusals have no end; an attempt whose executor was lost ends failed (ExecutorLost).
 */
export interface SchedulerEvents {
  taskSetSubmitted?(spec: TaskSetSpec): void;
  taskStarted?(spec: TaskSetSpec, attempt: AttemptInfo): void;
  /** `status` is the executor's report; absent for an attempt lost with its executor (`error` says so). */
  taskEnded?(spec: TaskSetSpec, attempt: AttemptInfo, succeeded: boolean, status: TaskStatus | undefined, error?: string): void;
  taskSetEnded?(spec: TaskSetSpec, state: 'succeeded' | 'failed' | 'cancelled', error?: Error): void;
}

/** An executor as the scheduler sees it. */
export interface ExecutorLink {
  readonly id: string;
  readonly host: string;
  /** Every name the executor's host goes by (its NodeManager's name, its address): locality matches any. */
  readonly hostAliases: readonly string[];
  readonly cores: number;
  /** The NodeManager the executor runs on (`host:port`), for exclusion; default `host`. */
  readonly node?: string;
  /** Sends task launches of one task set (the link sends the stage and its broadcasts first). */
  launch(taskSet: TaskSetSpec, tasks: TaskLaunch[]): void;
  /** Asks the executor to stop these attempts (their reports are ignored anyway). */
  cancel(tids: number[]): void;
}

export interface TaskSpec {
  partition: number;
  /** Hosts holding the task's input; empty for no preference. */
  hosts: string[];
  inputs: Buffer;
}

/** One stage's tasks (or a subset of its partitions, for take). */
export interface TaskSetSpec {
  stageId: number;
  description: string;
  tasks: TaskSpec[];
  maxAttempts: number;
  /**
   * Each successful task leaves its output on the executor that ran it (map output): while the set
   * runs, losing that executor makes those tasks pending again. Default false.
   */
  outputOnExecutor?: boolean;
  /** Opaque to the scheduler; links use it to send the stage plan and broadcasts. */
  payload: unknown;
  /** The action (job) the set belongs to, for observers; opaque to the scheduler. */
  jobId?: number;
  /** Stages whose shuffle output this one reads, for observers (the UI's DAG); opaque to the scheduler. */
  parentIds?: number[];
}

export interface TaskSetListener {
  /**
   * Once per partition, for its first successful attempt, with the result chunks it streamed; with
   * `outputOnExecutor`, once more for each rerun after the executor holding its output was lost.
   */
  succeeded(partition: number, status: TaskStatus, chunks: Buffer[], executorId: string): void;
  /** Every partition succeeded. */
  completed(): void;
  /** The task set failed; nothing else is reported after this. */
  failed(error: Error): void;
}

export interface TaskSetHandle {
  /** Stops the task set: pending tasks are dropped, running attempts cancelled. */
  cancel(): void;
}

export class TaskScheduler {
  private readonly executors = new Map<string, ExecutorState>();
  private readonly attempts = new Map<number, Attempt>();
  private sets: TaskSet[] = [];
  private readonly finishedSets: TaskSetProgress[] = [];
  private nextTid = 1;
  private readonly localityWaitMs: number;
  private readonly pipelineTargetMs: number;
  private readonly maxPipelinePerCore: number;
  private cancelTimer: (() => void) | undefined;
  private timerAt = Infinity;
  private readonly exclusionSettings: ExcludeOnFailure;
  private readonly appExclusion: ApplicationExclusion | undefined;
  private readonly unschedulableTimeoutMs: number;
  private expectedExecutors = 0;
  private readonly speculator: Speculator | undefined;
  /** Counts what can give some executor work it could not have had before: tasks queued again, sets retired. */
  private changes = 0;
  /** Every name the connected executors' hosts go by; rebuilt when an executor comes or goes. */
  private liveHosts: Set<string> | undefined;
  /**
   * Executors launched but not yet registered, by id: their hosts count as live for delay scheduling,
   * so that a task waits (up to the locality wait) for the executor starting on its host rather than
   * going at once to one elsewhere that registered first.
   */
  private readonly starting = new Map<string, string>();
  /** The locality hints last reported (JSON); undefined before the first. */
  private reportedHints: string | undefined;

  constructor(
    private readonly options: SchedulerOptions = {},
    private readonly clock: SchedulerClock = realSchedulerClock,
  ) {
    this.localityWaitMs = nonNegative('localityWaitMs', options.localityWaitMs ?? DEFAULT_LOCALITY_WAIT_MS);
    this.pipelineTargetMs = nonNegative('pipelineTargetMs', options.pipelineTargetMs ?? DEFAULT_PIPELINE_TARGET_MS);
    this.maxPipelinePerCore = nonNegative('maxPipelinePerCore', options.maxPipelinePerCore ?? DEFAULT_MAX_PIPELINE_PER_CORE);
    this.exclusionSettings = options.excludeOnFailure ?? DEFAULT_EXCLUDE_ON_FAILURE;
    this.appExclusion = this.exclusionSettings.enabled ? new ApplicationExclusion(this.exclusionSettings) : undefined;
    this.unschedulableTimeoutMs = nonNegative('unschedulableTimeoutMs', options.unschedulableTimeoutMs ?? DEFAULT_UNSCHEDULABLE_TIMEOUT_MS);
    this.speculator = options.speculation ? new Speculator(options.speculation) : undefined;
  }

  /**
   * How many executors the driver asked for: while fewer are connected, a task set every connected
   * executor is excluded for waits (up to the unschedulable timeout) for one that is not.
   */
  expectExecutors(count: number): void {
    this.expectedExecutors = count;
  }

  /** Nodes excluded for the application now (the AM asks YARN to avoid them). */
  excludedNodes(): string[] {
    return this.appExclusion?.excludedNodes(this.clock.now()) ?? [];
  }

  /** An executor's container started on `host`; it will register soon (or be reported lost). */
  executorStarting(id: string, host: string): void {
    if (this.executors.has(id)) return;
    this.starting.set(id, host);
    this.liveHosts = undefined;
  }

  /** An executor that never registered is gone. */
  executorNeverRegistered(id: string): void {
    if (this.starting.delete(id)) {
      this.liveHosts = undefined;
      this.schedule();
    }
  }

  addExecutor(link: ExecutorLink): void {
    if (this.executors.has(link.id)) throw new Error(`internal: executor ${link.id} registered twice`);
    this.starting.delete(link.id);
    this.executors.set(link.id, { link, running: new Map(), launched: 0 });
    this.liveHosts = undefined;
    this.schedule();
  }

  /**
   * The executor is gone: its running attempts go back to the queue, and so do the finished tasks
   * of running sets whose output was on it.
   */
  removeExecutor(id: string): void {
    const e = this.executors.get(id);
    if (!e) return;
    this.executors.delete(id);
    this.liveHosts = undefined;
    for (const set of this.sets) if (set.spec.outputOnExecutor) this.resubmitOutputsOf(set, id);
    for (const a of e.running.values()) {
      this.attempts.delete(a.tid);
      const set = a.set;
      set.running--;
      if (!set.active || set.state[a.index] !== 'running') continue;
      // Another attempt of the task runs on: it goes on alone.
      if (this.copiesOf(set, a.index).length > 0) continue;
      this.options.events?.taskEnded?.(
        set.spec,
        attemptInfo(set, a),
        false,
        undefined,
        `ExecutorLost: executor ${id} on ${e.link.host} was lost`,
      );
      set.losses[a.index]!++;
      if (set.losses[a.index]! >= MAX_LOSSES_PER_TASK) {
        this.failSet(
          set,
          new TaskFailedError(
            `partition ${set.spec.tasks[a.index]!.partition} of stage ${set.spec.stageId} (${set.spec.description}) ` +
              `lost its executor ${set.losses[a.index]} times; the last was ${id} on ${e.link.host}`,
            failureOf(set, a, { name: 'ExecutorLost', message: `executor ${id} was lost`, stack: '', kind: 'SYSTEM' }),
          ),
        );
        continue;
      }
      set.state[a.index] = 'pending';
      this.enqueue(set, a.index);
    }
    this.schedule();
  }

  /** Whether attempt `tid` runs on executor `executorId` now (the commit coordinator authorizes only such attempts). */
  isRunning(tid: number, executorId: string): boolean {
    return this.attempts.get(tid)?.executor.link.id === executorId;
  }

  hasExecutor(id: string): boolean {
    return this.executors.has(id);
  }

  /** Starts a task set; its tasks are offered to executors as slots free up. */
  submit(spec: TaskSetSpec, listener: TaskSetListener): TaskSetHandle {
    const set = new TaskSet(spec, listener, this.clock.now(), this.exclusionSettings);
    this.options.events?.taskSetSubmitted?.(spec);
    if (set.remaining === 0) {
      set.status = 'succeeded';
      this.options.events?.taskSetEnded?.(spec, 'succeeded');
      this.finishedSets.push(progressOf(set));
      listener.completed();
      return { cancel: () => {} };
    }
    this.sets.push(set);
    this.changes++;
    this.reportLocality();
    this.schedule();
    return {
      cancel: () => {
        if (!set.active) return;
        set.status = 'cancelled';
        this.retire(set);
      },
    };
  }

  /** Result chunks an attempt streams before its final status. */
  chunk(executorId: string, tid: number, data: Buffer): void {
    const a = this.attempts.get(tid);
    if (a && a.executor.link.id === executorId) a.chunks.push(data);
  }

  /** A batch of final statuses from one executor. */
  statusUpdates(executorId: string, updates: readonly TaskStatus[]): void {
    const mark = this.changes;
    for (const u of updates) this.onStatus(executorId, u);
    // Successes that queued nothing again and ended no set only freed slots on this executor: offer
    // those alone, as Spark's makeOffers(executorId) does, instead of every executor's (at 1,000
    // executors that pass dominated the driver's cost per task). Anything else offers to all.
    const e = this.executors.get(executorId);
    const onlyHere = e !== undefined && !this.speculator && this.changes === mark && updates.every((u) => u.succeeded);
    this.schedule(onlyHere ? e : undefined);
  }

  /** Progress of running task sets and the most recent finished ones. */
  progress(): TaskSetProgress[] {
    return [...this.finishedSets.slice(-50), ...this.sets.map(progressOf)];
  }

  /** Executors and how many attempts each is running. */
  executorLoad(): { id: string; host: string; running: number }[] {
    return [...this.executors.values()].map((e) => ({ id: e.link.id, host: e.link.host, running: e.running.size }));
  }

  /** What dynamic allocation reads (allocation-manager.ts): tasks not started, and each executor's load. */
  allocationLoad(): AllocationLoad {
    let pending = 0;
    for (const set of this.sets) pending += Math.max(0, set.remaining - set.running);
    const executors = [...this.executors.values()].map((e) => ({
      id: e.link.id,
      cores: e.link.cores,
      running: e.running.size,
      launched: e.launched,
    }));
    return { pending, executors };
  }

  private onStatus(executorId: string, u: TaskStatus): void {
    const a = this.attempts.get(u.tid);
    if (!a || a.executor.link.id !== executorId) return; // cancelled, or from an executor we gave up on
    this.attempts.delete(u.tid);
    a.executor.running.delete(u.tid);
    noteStarts(a.executor, this.clock.now());
    const set = a.set;
    set.running--;
    // A late report of a task already done (the other attempt won) is ignored.
    if (!set.active || set.state[a.index] !== 'running') return;
    const ms = u.durationUs / 1000;
    set.avgTaskMs = set.avgTaskMs === undefined ? ms : set.avgTaskMs * 0.9 + ms * 0.1;
    const others = this.copiesOf(set, a.index);
    if (u.succeeded) {
      this.options.events?.taskEnded?.(set.spec, attemptInfo(set, a), true, u);
      this.speculator?.succeeded(set, ms);
      if (others.length > 0) this.cancelLosers(set, a, others);
      set.state[a.index] = 'done';
      set.doneOn[a.index] = executorId;
      set.remaining--;
      set.records += u.records;
      set.bytesRead += u.bytesRead;
      set.bytesWritten += u.bytesWritten;
      set.listener.succeeded(set.spec.tasks[a.index]!.partition, u, a.chunks, executorId);
      if (set.remaining === 0 && set.active) {
        set.status = 'succeeded';
        // Only a set that succeeded hands its failures on (a failed one may be the job's fault, not the nodes').
        for (const event of this.appExclusion?.taskSetSucceeded(set.exclusion.failures(), this.clock.now()) ?? []) {
          this.options.onExclusion?.(event);
        }
        this.retire(set);
        set.listener.completed();
      }
      return;
    }
    if (u.error?.name === COMMIT_DENIED) {
      // Another attempt holds the right to commit this partition: not a failure (Spark's TaskCommitDenied).
      if (others.length > 0) return;
      set.state[a.index] = 'pending';
      this.enqueue(set, a.index);
      return;
    }
    set.failedAttempts++;
    set.failures[a.index]!++;
    const error = u.error ?? {
      kind: 'SYSTEM' as const,
      name: 'Error',
      message: 'the executor reported a failure without an error',
      stack: '',
    };
    this.options.events?.taskEnded?.(set.spec, attemptInfo(set, a), false, u, `${error.name}: ${error.message}`);
    const attempts = set.failures[a.index]!;
    const failure = failureOf(set, a, error);
    // A V8 stack starts with "Name: message"; without one, say at least that.
    const detail = error.stack.startsWith(`${error.name}`)
      ? error.stack
      : `${error.name}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`;
    // Map output that cannot be fetched (the reader has retried already) is the engine's to
    // recompute: the set fails at once so that it can.
    const fetchFailed = error.name === FETCH_FAILED;
    if (error.kind === 'CLOSURE' || fetchFailed || attempts >= set.spec.maxAttempts) {
      const why =
        error.kind === 'CLOSURE'
          ? 'failed (retrying cannot help)'
          : fetchFailed
            ? 'could not fetch map output'
            : `failed ${attempts} time(s)`;
      this.failSet(
        set,
        new TaskFailedError(
          `partition ${failure.partition} of stage ${set.spec.stageId} (${set.spec.description}) ${why}; ` +
            `last: attempt ${failure.attempt} on executor ${failure.executorId} (${failure.host}):\n${detail}`,
          failure,
        ),
      );
      return;
    }
    set.lastFailure = { failure, detail };
    for (const event of set.exclusion.taskFailed(a.index, executorId, nodeOf(a.executor))) this.options.onExclusion?.(event);
    // The other attempt of the task runs on (and may be copied again).
    if (others.length > 0) return;
    set.state[a.index] = 'pending';
    this.enqueue(set, a.index);
  }

  /** Running attempts of task `index` of `set` (more than one only with speculation). */
  private copiesOf(set: TaskSet, index: number): Attempt[] {
    if (!this.speculator) return [];
    return [...this.attempts.values()].filter((x) => x.set === set && x.index === index);
  }

  /** `winner` succeeded first: the other attempts of its task are cancelled (their reports are ignored). */
  private cancelLosers(set: TaskSet, winner: Attempt, losers: Attempt[]): void {
    for (const l of losers) {
      this.attempts.delete(l.tid);
      l.executor.running.delete(l.tid);
      set.running--;
      l.executor.link.cancel([l.tid]);
      noteStarts(l.executor, this.clock.now());
    }
    this.options.onSpeculation?.({
      kind: 'won',
      stageId: set.spec.stageId,
      description: set.spec.description,
      partition: set.spec.tasks[winner.index]!.partition,
      attempt: winner.attempt + 1,
      executorId: winner.executor.link.id,
      speculative: winner.speculative === true,
      cancelled: losers.map((l) => ({ attempt: l.attempt + 1, executorId: l.executor.link.id })),
    });
  }

  /** Marks the slow tasks of every running set for a copy (speculation on). */
  private checkSpeculation(now: number): void {
    if (!this.speculator) return;
    const running = new Map<TaskSet, Map<number, Attempt[]>>();
    for (const a of this.attempts.values()) {
      let perSet = running.get(a.set);
      if (!perSet) running.set(a.set, (perSet = new Map()));
      const list = perSet.get(a.index);
      if (list) list.push(a);
      else perSet.set(a.index, [a]);
    }
    for (const [set, perIndex] of running) if (set.active) this.speculator.check(set, perIndex, now);
  }

  /** A task of `set` to copy onto `e` (speculation on, `e` has a free core), or undefined. */
  private pickCopy(set: TaskSet, e: ExecutorState, now: number): number | undefined {
    if (!this.speculator?.hasWanted(set)) return undefined;
    const otherNodeFree = (nodes: ReadonlySet<string>): boolean =>
      [...this.executors.values()].some((x) => x.running.size < x.link.cores && !nodes.has(nodeOf(x)) && this.usable(set, x, now));
    return this.speculator.pick(set, e, nodeOf(e), (i) => this.copiesOf(set, i), nodeOf, otherNodeFree);
  }

  private failSet(set: TaskSet, error: Error): void {
    set.status = 'failed';
    this.retire(set, error);
    set.listener.failed(error);
  }

  /** Finished tasks of `set` whose output was on executor `id` become pending (not a failure). */
  private resubmitOutputsOf(set: TaskSet, id: string): void {
    for (let i = 0; i < set.state.length; i++) {
      if (set.state[i] !== 'done' || set.doneOn[i] !== id) continue;
      set.state[i] = 'pending';
      set.doneOn[i] = undefined;
      set.remaining++;
      set.resubmitted++;
      this.enqueue(set, i);
    }
  }

  /** Removes a finished, failed or cancelled set; cancels its running attempts. */
  private retire(set: TaskSet, error?: Error): void {
    this.changes++;
    this.sets = this.sets.filter((s) => s !== set);
    this.reportLocality();
    if (set.status !== 'running') this.options.events?.taskSetEnded?.(set.spec, set.status, error);
    this.finishedSets.push(progressOf(set));
    if (this.finishedSets.length > 100) this.finishedSets.splice(0, this.finishedSets.length - 100);
    const byExecutor = new Map<ExecutorState, number[]>();
    for (const a of [...this.attempts.values()]) {
      if (a.set !== set) continue;
      this.attempts.delete(a.tid);
      a.executor.running.delete(a.tid);
      set.running--;
      const list = byExecutor.get(a.executor) ?? [];
      list.push(a.tid);
      byExecutor.set(a.executor, list);
    }
    for (const [e, tids] of byExecutor) {
      e.link.cancel(tids);
      noteStarts(e, this.clock.now());
    }
  }

  /** Tells the listener where the running sets' tasks would like executors, if that changed. */
  private reportLocality(): void {
    const report = this.options.onLocalityHints;
    if (!report) return;
    const hints = localityHints(this.sets.map((s) => s.spec));
    const text = JSON.stringify(hints);
    if (text === this.reportedHints) return;
    this.reportedHints = text;
    report(hints);
  }

  /** Queues task `i` of `set` (again). */
  private enqueue(set: TaskSet, i: number): void {
    this.changes++;
    set.queue.add(i, set.spec.tasks[i]!.hosts);
  }

  /** Offers free slots to pending tasks: those of `only`, or of every executor. */
  private schedule(only?: ExecutorState): void {
    if (this.sets.length === 0 || this.executors.size === 0) return;
    const now = this.clock.now();
    this.checkSpeculation(now);
    if (!this.liveHosts) {
      this.liveHosts = new Set<string>();
      for (const e of this.executors.values()) for (const h of e.link.hostAliases) this.liveHosts.add(h);
      for (const h of this.starting.values()) this.liveHosts.add(h);
    }
    const liveHosts = this.liveHosts;
    const batches = new Map<ExecutorState, Map<TaskSet, TaskLaunch[]>>();
    const executors = only ? [only] : [...this.executors.values()];
    let waitUntil = Infinity;
    for (const pipelined of [false, true]) {
      let progress = true;
      while (progress) {
        progress = false;
        for (const e of executors) {
          const picked = this.pickFor(e, pipelined, now, liveHosts);
          if (picked === 'wait') continue;
          if (typeof picked === 'number') {
            waitUntil = Math.min(waitUntil, picked);
            continue;
          }
          if (!picked) continue;
          const [set, index] = picked;
          const launch = this.launch(set, index, e, now);
          let perSet = batches.get(e);
          if (!perSet) batches.set(e, (perSet = new Map()));
          const list = perSet.get(set) ?? [];
          list.push(launch);
          perSet.set(set, list);
          progress = true;
        }
      }
    }
    for (const [e, perSet] of batches) for (const [set, launches] of perSet) e.link.launch(set.spec, launches);
    waitUntil = Math.min(waitUntil, this.checkUnschedulable(now));
    if (this.speculator && this.attempts.size > 0) waitUntil = Math.min(waitUntil, now + this.speculator.options.intervalMs);
    this.armTimer(waitUntil, now);
  }

  /**
   * Task sets with waiting tasks that every connected executor is excluded for fail, at once when
   * the expected executors are all there, else once they waited `unschedulableTimeoutMs`. Returns
   * when to look again.
   */
  private checkUnschedulable(now: number): number {
    let next = Infinity;
    if (this.executors.size === 0) return next;
    const executors = [...this.executors.values()];
    for (const set of [...this.sets]) {
      const waiting = set.queue.hasAny((i) => set.state[i] !== 'pending');
      if (!waiting || executors.some((e) => this.usable(set, e, now))) {
        set.unschedulableSince = undefined;
        continue;
      }
      set.unschedulableSince ??= now;
      const deadline = set.unschedulableSince + this.unschedulableTimeoutMs;
      if (this.executors.size < this.expectedExecutors && now < deadline) {
        next = Math.min(next, deadline);
        continue;
      }
      const why = executors.map((e) => `executor ${e.link.id} on ${nodeOf(e)}: ${this.exclusionOf(set, e, now)}`).join('; ');
      const message =
        `stage ${set.spec.stageId} (${set.spec.description}) cannot run anywhere: every executor is excluded for it ` +
        `after repeated task failures (${why})`;
      const last = set.lastFailure;
      this.failSet(
        set,
        last
          ? new TaskFailedError(
              `${message}; last failure: partition ${last.failure.partition}, attempt ${last.failure.attempt} on executor ` +
                `${last.failure.executorId} (${last.failure.host}):\n${last.detail}`,
              last.failure,
            )
          : new JobAbortedError(message),
      );
    }
    return next;
  }

  /** Why executor `e` may run no task of `set` (stage or application exclusion), or undefined. */
  private exclusionOf(set: TaskSet, e: ExecutorState, now: number): string | undefined {
    const node = nodeOf(e);
    return set.exclusion.excludes(e.link.id, node) ?? this.appExclusion?.excludes(e.link.id, node, now);
  }

  private usable(set: TaskSet, e: ExecutorState, now: number): boolean {
    return this.exclusionOf(set, e, now) === undefined;
  }

  /**
   * The next task for `e`: [set, index]; or a time at which a non-local task may go to it; or
   * undefined (nothing for it) / 'wait' (no free slot).
   */
  private pickFor(
    e: ExecutorState,
    pipelined: boolean,
    now: number,
    liveHosts: Set<string>,
  ): [TaskSet, number] | number | 'wait' | undefined {
    let earliest: number | undefined;
    for (const set of this.sets) {
      const limit = pipelined ? this.slotLimit(e, set) : e.link.cores;
      if (e.running.size >= limit) return 'wait';
      if (!this.usable(set, e, now)) continue;
      const stale = (i: number): boolean => set.state[i] !== 'pending';
      const avoid = (i: number): boolean => this.avoid(set, i, e, now);
      let index: number | undefined;
      for (const h of e.link.hostAliases) {
        index = set.queue.takeLocal(h, stale, avoid);
        if (index !== undefined) {
          set.lastLocalLaunch = now;
          return [set, index];
        }
      }
      index = set.queue.takeNoPreference(stale, avoid);
      if (index !== undefined) return [set, index];
      const allowedAt = set.lastLocalLaunch + this.localityWaitMs;
      if (now >= allowedAt || !set.queue.hasLocalFor(liveHosts, stale)) {
        index = set.queue.takeAny(stale, avoid);
        if (index !== undefined) return [set, index];
      } else if (set.queue.hasAny(stale)) {
        earliest = Math.min(earliest ?? Infinity, allowedAt);
      }
      // Speculative copies come after the set's pending tasks, and only to a free core.
      index = pipelined ? undefined : this.pickCopy(set, e, now);
      if (index !== undefined) return [set, index];
    }
    return earliest;
  }

  /** Whether task `i` should avoid executor `e` (it failed there, or on its node, and another executor can take it). */
  private avoid(set: TaskSet, i: number, e: ExecutorState, now: number): boolean {
    if (!set.exclusion.taskAvoids(i, e.link.id, nodeOf(e))) return false;
    for (const x of this.executors.values()) {
      if (x !== e && this.usable(set, x, now) && !set.exclusion.taskAvoids(i, x.link.id, nodeOf(x))) return true;
    }
    return false;
  }

  private slotLimit(e: ExecutorState, set: TaskSet): number {
    const cores = e.link.cores;
    const perCore =
      set.avgTaskMs === undefined
        ? 1
        : Math.min(this.maxPipelinePerCore, Math.floor(this.pipelineTargetMs / Math.max(set.avgTaskMs, 0.001)));
    return cores + cores * perCore;
  }

  private launch(set: TaskSet, index: number, e: ExecutorState, now: number): TaskLaunch {
    const tid = this.nextTid++;
    const attempt = set.launches[index]!++;
    // A task picked while running is a speculative copy.
    const original = set.state[index] === 'running' ? this.copiesOf(set, index)[0] : undefined;
    const task = set.spec.tasks[index]!;
    const locality = taskLocality(task.hosts, e.link.id, e.link.hostAliases);
    set.locality[locality] = (set.locality[locality] ?? 0) + 1;
    const a: Attempt = {
      tid,
      set,
      index,
      attempt,
      executor: e,
      chunks: [],
      launchedAt: now,
      locality,
      ...(original ? { speculative: true } : {}),
    };
    this.attempts.set(tid, a);
    e.running.set(tid, a);
    noteStarts(e, now);
    e.launched++;
    set.state[index] = 'running';
    set.running++;
    this.options.events?.taskStarted?.(set.spec, attemptInfo(set, a));
    if (original) {
      const mark = this.speculator!.takePicked(set, index);
      this.options.onSpeculation?.({
        kind: 'launched',
        stageId: set.spec.stageId,
        description: set.spec.description,
        partition: task.partition,
        attempt: attempt + 1,
        executorId: e.link.id,
        node: nodeOf(e),
        originalExecutorId: original.executor.link.id,
        runningMs: now - (mark?.since ?? original.startedAt ?? original.launchedAt),
        queued: mark?.queued ?? original.startedAt === undefined,
        thresholdMs: this.speculator!.threshold(set) ?? 0,
      });
    }
    return { tid, stageId: set.spec.stageId, partition: task.partition, attempt, inputs: task.inputs };
  }

  private armTimer(at: number, now: number): void {
    if (at === Infinity || at >= this.timerAt) return;
    this.cancelTimer?.();
    this.timerAt = at;
    this.cancelTimer = this.clock.setTimer(Math.max(0, at - now), () => {
      this.timerAt = Infinity;
      this.cancelTimer = undefined;
      this.schedule();
    });
  }
}

function attemptInfo(set: TaskSet, a: Attempt): AttemptInfo {
  return {
    partition: set.spec.tasks[a.index]!.partition,
    attempt: a.attempt,
    executorId: a.executor.link.id,
    host: a.executor.link.host,
    locality: a.locality,
    ...(a.speculative ? { speculative: true } : {}),
  };
}

/** The node an executor runs on, as exclusion counts it. */
function nodeOf(e: ExecutorState): string {
  return e.link.node ?? e.link.host;
}

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`scheduler option ${name} must be a number >= 0 (got ${v})`);
  return v;
}
