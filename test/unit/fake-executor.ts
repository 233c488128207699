import type { ExecutorLink, TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import type { TaskLaunch } from '../../protocols/driver-executor/index.js';

/** An executor link that records what the scheduler launched on it and cancelled. */
export class FakeExecutor implements ExecutorLink {
  readonly launched: TaskLaunch[] = [];
  readonly cancelled: number[] = [];
  readonly hostAliases: string[];
  constructor(
    readonly id: string,
    readonly host: string,
    readonly cores = 1,
  ) {
    this.hostAliases = [host];
  }
  launch(_set: TaskSetSpec, tasks: TaskLaunch[]): void {
    this.launched.push(...tasks);
  }
  cancel(tids: number[]): void {
    this.cancelled.push(...tids);
  }
  /** Attempts launched here and not yet answered. */
  running(answered: Set<number>): TaskLaunch[] {
    return this.launched.filter((t) => !answered.has(t.tid));
  }
}
