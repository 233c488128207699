import type { DynamicAllocation } from '../../protocols/job-spec/index.js';
import { realSchedulerClock, type AllocationLoad, type SchedulerClock } from './scheduler.js';

/**
 * Dynamic allocation, the driver's half (Spark's ExecutorAllocationManager and ExecutorMonitor):
 * how many executors the job wants now, and which idle ones it gives back. It looks at the
 * scheduler's load every ALLOCATION_INTERVAL_MS; time is an injected clock, and the AM round trip
 * is two callbacks, so every rule is unit-tested with a fake clock.
 *
 * Ramp-up. Once tasks have waited for a slot for `schedulerBacklogTimeoutMs`, the target becomes
 * max(target, connected executors) + 1; each further `sustainedSchedulerBacklogTimeoutMs` of backlog
 * adds twice as many as the last time (1, 2, 4, 8, ...), as long as the whole amount was added. The
 * target never exceeds `maxExecutors` nor what the running and waiting tasks can use
 * (ceil(tasks / tasksPerExecutor)); reaching a cap, lowering the target or a cleared backlog starts
 * the doubling again at 1. When fewer executors are needed than the target, it drops at once (to
 * no less than `minExecutors`); nobody is stopped for that, but asks not yet granted are withdrawn.
 * Until the first task or the first idle timeout ("initializing"), the initial target stands, so the
 * first job does not ramp up from nothing.
 *
 * Release. An executor is idle from the moment it runs no task (or from its registration). Once
 * idle for `executorIdleTimeoutMs` (`cachedExecutorIdleTimeoutMs` if it holds cached blocks: by
 * default never) it is given back, longest idle first, but never below `minExecutors` nor below the
 * target. Shuffle tracking: an executor holding map output that a running action may still read is
 * not idle; once that action ends, its idle time counts from its last task.
 */

/** How often the load is looked at (Spark's polling interval). */
export const ALLOCATION_INTERVAL_MS = 100;

/** Whether an executor holds cached blocks (they would be lost with it). */
export type CachedBlocksSource = (executorId: string) => boolean;

/** An idle executor chosen for release. */
export interface ReleasedExecutor {
  id: string;
  idleMs: number;
}

export interface AllocationManagerOptions {
  settings: DynamicAllocation;
  /** The target to start with (the job's `executors`). */
  initialExecutors: number;
  /** Tasks one executor runs at once (its cores: a task takes one). */
  tasksPerExecutor: number;
  /** The scheduler's load (TaskScheduler.allocationLoad). */
  load: () => AllocationLoad;
  /** Shuffle tracking: whether the executor holds map output a running action may still read. */
  holdsNeededShuffle: (executorId: string) => boolean;
  /** Default: no executor holds cached blocks. */
  holdsCachedBlocks?: CachedBlocksSource;
  /** The target changed; `why` is a phrase for the log. */
  onTarget: (count: number, why: string) => void;
  /**
   * Stop using these executors and give them back, `count` being the target. Called synchronously
   * after the load was read: the executors must leave the scheduler before anything else runs.
   */
  onRelease: (executors: ReleasedExecutor[], count: number) => void;
  clock?: SchedulerClock;
}

interface IdleState {
  /** Since when it runs no task; undefined while it runs some. */
  since: number | undefined;
  /** Its launch count when last looked at. */
  launched: number;
}

export class AllocationManager {
  private target: number;
  private toAdd = 1;
  /** When the backlog next adds executors; undefined without a backlog. */
  private addAt: number | undefined;
  private initializing = true;
  private readonly idle = new Map<string, IdleState>();
  private readonly clock: SchedulerClock;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly options: AllocationManagerOptions) {
    this.clock = options.clock ?? realSchedulerClock;
    this.target = options.initialExecutors;
  }

  /** The executors wanted now. */
  get targetCount(): number {
    return this.target;
  }

  /** Looks at the load now, then every ALLOCATION_INTERVAL_MS until `stop`. */
  start(): void {
    this.tick();
    this.arm();
  }

  private arm(): void {
    this.cancelTimer = this.clock.setTimer(ALLOCATION_INTERVAL_MS, () => {
      this.tick();
      if (this.cancelTimer) this.arm();
    });
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** One look at the load: the target first, then the releases (as Spark's schedule()). */
  private tick(): void {
    const now = this.clock.now();
    const load = this.options.load();
    this.observe(load, now);
    let running = 0;
    let queued = 0;
    for (const e of load.executors) {
      running += e.running;
      // Attempts beyond an executor's cores are pipelined: they wait there for a slot.
      queued += Math.max(0, e.running - e.cores);
    }
    const tasks = load.pending + running;
    if (tasks > 0) this.initializing = false;
    if (load.pending + queued > 0) this.addAt ??= now + this.options.settings.schedulerBacklogTimeoutMs;
    else {
      this.addAt = undefined;
      this.toAdd = 1;
    }
    this.updateTarget(now, tasks, load.executors.length);
    this.releaseIdle(now, load);
  }

  /** Keeps each executor's idle start: a launch since the last look means it was busy. */
  private observe(load: AllocationLoad, now: number): void {
    const present = new Set<string>();
    for (const e of load.executors) {
      present.add(e.id);
      const s = this.idle.get(e.id);
      if (!s) this.idle.set(e.id, { since: e.running === 0 ? now : undefined, launched: e.launched });
      else {
        if (e.running > 0) s.since = undefined;
        else if (s.since === undefined || e.launched !== s.launched) s.since = now;
        s.launched = e.launched;
      }
    }
    for (const id of this.idle.keys()) if (!present.has(id)) this.idle.delete(id);
  }

  private updateTarget(now: number, tasks: number, connected: number): void {
    if (this.initializing) return;
    const { minExecutors, sustainedSchedulerBacklogTimeoutMs } = this.options.settings;
    const maxNeeded = Math.ceil(tasks / this.options.tasksPerExecutor);
    if (maxNeeded < this.target) {
      const old = this.target;
      this.target = Math.max(maxNeeded, minExecutors);
      this.toAdd = 1;
      if (this.target < old) {
        const load = tasks === 0 ? 'no task is running or waiting' : `${tasks} task(s) running or waiting need no more`;
        this.options.onTarget(this.target, `was ${old}; ${load}`);
      }
    } else if (this.addAt !== undefined && now >= this.addAt) {
      this.add(maxNeeded, connected);
      this.addAt = now + sustainedSchedulerBacklogTimeoutMs;
    }
  }

  private add(maxNeeded: number, connected: number): void {
    const { minExecutors, maxExecutors } = this.options.settings;
    if (this.target >= maxExecutors) {
      this.toAdd = 1;
      return;
    }
    const old = this.target;
    // No point ramping up to executors already there.
    let next = Math.max(this.target, connected) + this.toAdd;
    next = Math.min(next, maxNeeded);
    next = Math.max(Math.min(next, maxExecutors), minExecutors);
    const delta = next - old;
    if (delta <= 0) {
      this.toAdd = 1;
      return;
    }
    this.target = next;
    this.options.onTarget(next, `was ${old}; tasks are backlogged`);
    this.toAdd = delta === this.toAdd ? this.toAdd * 2 : 1;
  }

  private releaseIdle(now: number, load: AllocationLoad): void {
    const { executorIdleTimeoutMs, cachedExecutorIdleTimeoutMs, minExecutors } = this.options.settings;
    const expired: ReleasedExecutor[] = [];
    for (const e of load.executors) {
      const since = this.idle.get(e.id)?.since;
      if (since === undefined || this.options.holdsNeededShuffle(e.id)) continue;
      const cached = this.options.holdsCachedBlocks?.(e.id) ?? false;
      const timeout = cached ? (cachedExecutorIdleTimeoutMs ?? Number.POSITIVE_INFINITY) : executorIdleTimeoutMs;
      if (now - since >= timeout) expired.push({ id: e.id, idleMs: now - since });
    }
    if (expired.length === 0) return;
    this.initializing = false;
    expired.sort((a, b) => b.idleMs - a.idleMs);
    let left = load.executors.length;
    const chosen: ReleasedExecutor[] = [];
    for (const x of expired) {
      if (left - 1 < minExecutors || left - 1 < this.target) break;
      chosen.push(x);
      left--;
    }
    if (chosen.length === 0) return;
    for (const x of chosen) this.idle.delete(x.id);
    this.options.onRelease(chosen, this.target);
  }
}
