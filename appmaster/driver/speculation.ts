import type { Speculation } from '../../protocols/job-spec/index.js';
import type { Attempt, ExecutorState, TaskSet } from './task-set.js';

/**
 * Speculative execution, with Spark's TaskSetManager.checkSpeculatableTasks as the anchor. Every
 * `intervalMs` while tasks run, for each task set of more than one task:
 *
 * - nothing happens until max(floor(quantile × tasks), 1) of the set's tasks succeeded;
 * - then the threshold is max(multiplier × the median time of the successful tasks, minRuntimeMs);
 * - a task not yet done, with exactly one attempt running, running longer than the threshold, is
 *   marked: it gets one copy, offered only to an executor with a free core that is not running it,
 *   on another node when one is there (Spark never uses the same host; on a one-host cluster every
 *   NodeManager is on the same host, so the node is what counts here).
 *
 * The scheduler launches the copy, lets the first attempt to succeed win and cancels the other. A
 * copy that fails counts as a failed attempt, as in Spark; if one of two attempts fails or is lost,
 * the other goes on and may be copied again.
 *
 * Running time counts from when an attempt started on its executor: the scheduler pipelines tasks
 * beyond the executor's cores, and a pipelined task waiting in the executor's queue is not slow.
 * An executor runs its tasks in launch order, so its first `cores` attempts (in launch order) are
 * the running ones. But a task queued behind a straggler waits as long as the straggler runs: one
 * whose executor runs an attempt past the threshold counts from its launch (the pipeline holds only
 * a few ms of work per core, so a normal queue never waits that long). Successful times are the
 * executor's own measure (TaskStatus.durationUs).
 */

/** A copy launched, or an attempt that won over another. */
export type SpeculationEvent =
  | {
      kind: 'launched';
      stageId: number;
      description: string;
      partition: number;
      /** 1-based, as failures count them. */
      attempt: number;
      executorId: string;
      node: string;
      /** The attempt it copies. */
      originalExecutorId: string;
      /** Since when the original started (or, `queued`, was launched behind a straggler). */
      runningMs: number;
      queued: boolean;
      thresholdMs: number;
    }
  | {
      kind: 'won';
      stageId: number;
      description: string;
      partition: number;
      attempt: number;
      executorId: string;
      speculative: boolean;
      /** The attempts cancelled because this one succeeded first. */
      cancelled: { attempt: number; executorId: string }[];
    };

/** What the speculator keeps per task set. */
interface SetState {
  /** Successful task times in ms, sorted. */
  durations: number[];
  /** Indices marked for a copy, not yet launched, in marking order, with since when their attempt ran (or waited). */
  wanted: Map<number, { since: number; queued: boolean }>;
  /** Picked for a copy, until the launch reads it. */
  picked: Map<number, { since: number; queued: boolean }>;
}

export class Speculator {
  private readonly sets = new WeakMap<TaskSet, SetState>();

  constructor(readonly options: Speculation) {}

  /** A task of `set` succeeded after `ms` on its executor. */
  succeeded(set: TaskSet, ms: number): void {
    const d = this.state(set).durations;
    let i = d.length;
    while (i > 0 && d[i - 1]! > ms) i--;
    d.splice(i, 0, ms);
  }

  /**
   * The running time above which a task of `set` is copied, or undefined while too few tasks
   * succeeded (or the set has a single task).
   */
  threshold(set: TaskSet): number | undefined {
    const n = set.spec.tasks.length;
    const d = this.state(set).durations;
    if (n <= 1 || d.length < Math.max(Math.floor(this.options.quantile * n), 1)) return undefined;
    const mid = d.length >> 1;
    const median = d.length % 2 === 1 ? d[mid]! : (d[mid - 1]! + d[mid]!) / 2;
    return Math.max(this.options.multiplier * median, this.options.minRuntimeMs);
  }

  /**
   * Marks the tasks of `set` to copy now. `running` holds the running attempts of the set (each
   * task's attempts, by index). Returns the newly marked indices with their running time.
   */
  check(
    set: TaskSet,
    running: ReadonlyMap<number, readonly Attempt[]>,
    now: number,
  ): { index: number; runningMs: number; thresholdMs: number }[] {
    const thresholdMs = this.threshold(set);
    if (thresholdMs === undefined) return [];
    const wanted = this.state(set).wanted;
    const marked: { index: number; runningMs: number; thresholdMs: number }[] = [];
    for (const [index, attempts] of running) {
      if (attempts.length !== 1 || set.state[index] !== 'running' || wanted.has(index)) continue;
      const a = attempts[0]!;
      const started = a.startedAt ?? (stuckBehindStraggler(a.executor, now, thresholdMs) ? a.launchedAt : undefined);
      if (started === undefined || now - started <= thresholdMs) continue;
      wanted.set(index, { since: started, queued: a.startedAt === undefined });
      marked.push({ index, runningMs: now - started, thresholdMs });
    }
    return marked;
  }

  /**
   * A task of `set` to copy onto executor `e`, or undefined. `copies(index)` are the index's running
   * attempts; `otherNodeFree(nodes)` says whether a usable executor with a free core runs on none of
   * `nodes` (then `e`, on one of them, leaves the copy to it).
   */
  pick(
    set: TaskSet,
    e: ExecutorState,
    node: string,
    copies: (index: number) => readonly Attempt[],
    nodeOf: (e: ExecutorState) => string,
    otherNodeFree: (nodes: ReadonlySet<string>) => boolean,
  ): number | undefined {
    const wanted = this.sets.get(set)?.wanted;
    if (!wanted) return undefined;
    for (const index of wanted.keys()) {
      const running = copies(index);
      if (set.state[index] !== 'running' || running.length !== 1) {
        wanted.delete(index);
        continue;
      }
      if (running.some((a) => a.executor === e)) continue;
      const nodes = new Set(running.map((a) => nodeOf(a.executor)));
      if (nodes.has(node) && otherNodeFree(nodes)) continue;
      const mark = wanted.get(index)!;
      wanted.delete(index);
      this.state(set).picked.set(index, mark);
      return index;
    }
    return undefined;
  }

  /** Since when the task just picked for a copy ran (or, queued, waited behind a straggler); read once. */
  takePicked(set: TaskSet, index: number): { since: number; queued: boolean } | undefined {
    const picked = this.sets.get(set)?.picked;
    const mark = picked?.get(index);
    picked?.delete(index);
    return mark;
  }

  /** Whether any task of `set` waits for a copy. */
  hasWanted(set: TaskSet): boolean {
    return (this.sets.get(set)?.wanted.size ?? 0) > 0;
  }

  private state(set: TaskSet): SetState {
    let s = this.sets.get(set);
    if (!s) this.sets.set(set, (s = { durations: [], wanted: new Map(), picked: new Map() }));
    return s;
  }
}

/** Whether executor `e` runs an attempt that has run longer than `thresholdMs` (its queue waits behind it). */
function stuckBehindStraggler(e: ExecutorState, now: number, thresholdMs: number): boolean {
  for (const a of e.running.values()) if (a.startedAt !== undefined && now - a.startedAt > thresholdMs) return true;
  return false;
}

/**
 * Gives the attempts that now run on executor `e` (its first `cores` in launch order) their start
 * time. Called after an attempt is launched on `e` and after one of its attempts ended.
 */
export function noteStarts(e: ExecutorState, now: number): void {
  let n = 0;
  for (const a of e.running.values()) {
    if (n++ >= e.link.cores) break;
    a.startedAt ??= now;
  }
}

/** A log line for the driver's stderr. */
export function speculationLine(e: SpeculationEvent): string {
  const stage = `stage ${e.stageId} (${e.description})`;
  if (e.kind === 'launched') {
    return (
      `${stage}: partition ${e.partition} has ${e.queued ? 'waited' : 'run'} ${(e.runningMs / 1000).toFixed(1)} s ` +
      `${e.queued ? 'behind a slow task ' : ''}on executor ${e.originalExecutorId}, ` +
      `longer than ${(e.thresholdMs / 1000).toFixed(1)} s; speculative attempt ${e.attempt} launched on executor ${e.executorId} (${e.node})`
    );
  }
  const who = `${e.speculative ? 'speculative ' : ''}attempt ${e.attempt} on executor ${e.executorId}`;
  const losers = e.cancelled.map((c) => `attempt ${c.attempt} on executor ${c.executorId}`).join(', ');
  return `${stage}: partition ${e.partition}: ${who} won; ${losers} cancelled, its result is ignored`;
}
