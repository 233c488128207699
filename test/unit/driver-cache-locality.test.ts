import { expect } from 'chai';
import { executorLocality } from '../../appmaster/driver/cache-tracker.js';
import { TaskScheduler, type ExecutorLink, type SchedulerClock, type TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import type { TaskLaunch } from '../../protocols/driver-executor/index.js';

/**
 * Cached partitions and the scheduler: an executor lists its own locality name among its host
 * aliases (as the task server's links do), and a task over a partition it holds names only that.
 */
class Clock implements SchedulerClock {
  t = 0;
  private timers: { at: number; fn: () => void }[] = [];
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((x) => x !== timer));
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const d of due) d.fn();
  }
}

class Link implements ExecutorLink {
  readonly launched: TaskLaunch[] = [];
  readonly hostAliases: string[];
  readonly cores = 1;
  constructor(
    readonly id: string,
    readonly host: string,
  ) {
    this.hostAliases = [executorLocality(id), host];
  }
  launch(_set: TaskSetSpec, tasks: TaskLaunch[]): void {
    this.launched.push(...tasks);
  }
  cancel(): void {}
}

describe('cached partitions: task locality', () => {
  it("a task over a held partition waits for its holder, not for any executor on the holder's host", () => {
    const clock = new Clock();
    const scheduler = new TaskScheduler({ localityWaitMs: 3000, pipelineTargetMs: 0 }, clock);
    const a = new Link('1', 'localhost');
    const b = new Link('2', 'localhost');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    // Partitions 0 to 2 are held by executor 2; partition 3 by nobody (its input is on localhost).
    const held = [executorLocality('2')];
    const hosts = [held, held, held, ['localhost']];
    const tasks = hosts.map((h, p) => ({ partition: p, hosts: h, inputs: Buffer.alloc(0) }));
    scheduler.submit(
      { stageId: 1, description: 'count', tasks, maxAttempts: 4, payload: undefined },
      { succeeded: () => {}, completed: () => {}, failed: () => {} },
    );
    const parts = (l: Link): number[] => l.launched.map((t) => t.partition).sort();
    expect(parts(b)).to.deep.equal([0, 1]);
    expect(parts(a), 'executor 1 takes the partition nobody holds, never one executor 2 holds').to.deep.equal([3]);
    const done = (l: Link, t: TaskLaunch): void =>
      scheduler.statusUpdates(l.id, [
        { tid: t.tid, succeeded: true, result: null, error: null, records: 0, bytesRead: 0, bytesWritten: 0, durationUs: 1000 },
      ]);
    clock.advance(1000);
    done(a, a.launched[0]!);
    expect(parts(a), 'idle, but the locality wait is not over').to.deep.equal([3]);
    for (const t of [...b.launched]) done(b, t);
    expect(parts(b), 'the holder takes it as soon as it has a free slot').to.deep.equal([0, 1, 2]);
    expect(parts(a)).to.deep.equal([3]);
  });

  it('after the locality wait, an idle executor takes a held partition (and computes it from its input)', () => {
    const clock = new Clock();
    const scheduler = new TaskScheduler({ localityWaitMs: 3000, pipelineTargetMs: 0 }, clock);
    const a = new Link('1', 'localhost');
    const b = new Link('2', 'localhost');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    const tasks = [0, 1, 2].map((p) => ({ partition: p, hosts: [executorLocality('2')], inputs: Buffer.alloc(0) }));
    scheduler.submit(
      { stageId: 1, description: 'count', tasks, maxAttempts: 4, payload: undefined },
      { succeeded: () => {}, completed: () => {}, failed: () => {} },
    );
    expect(b.launched.map((t) => t.partition)).to.deep.equal([0, 1]);
    expect(a.launched).to.have.length(0);
    clock.advance(2999);
    expect(a.launched).to.have.length(0);
    clock.advance(1);
    expect(a.launched.map((t) => t.partition)).to.deep.equal([2]);
  });
});
