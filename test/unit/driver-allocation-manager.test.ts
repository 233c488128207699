import { expect } from 'chai';
import {
  ALLOCATION_INTERVAL_MS,
  AllocationManager,
  type AllocationManagerOptions,
  type ReleasedExecutor,
} from '../../appmaster/driver/allocation-manager.js';
import { TaskScheduler, type AllocationLoad, type ExecutorLink, type TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import type { TaskStatus } from '../../protocols/driver-executor/index.js';
import type { DynamicAllocation } from '../../protocols/job-spec/index.js';
import { FakeClock } from './fake-clock.js';

const SETTINGS: DynamicAllocation = {
  minExecutors: 0,
  maxExecutors: 10,
  executorIdleTimeoutMs: 60_000,
  schedulerBacklogTimeoutMs: 1000,
  sustainedSchedulerBacklogTimeoutMs: 1000,
};

type Executor = AllocationLoad['executors'][number];

/** A manager over a load the test edits, recording every target and release with the time it came; `m.start()` looks at once. */
function harness(settings: Partial<DynamicAllocation> = {}, over: Partial<AllocationManagerOptions> = {}) {
  const clock = new FakeClock(ALLOCATION_INTERVAL_MS);
  const load: { pending: number; executors: Executor[] } = { pending: 0, executors: [] };
  const targets: { at: number; count: number }[] = [];
  const releases: { at: number; executors: ReleasedExecutor[]; count: number }[] = [];
  const needed = new Set<string>();
  const m = new AllocationManager({
    settings: { ...SETTINGS, ...settings },
    initialExecutors: 0,
    tasksPerExecutor: 1,
    load: () => ({ pending: load.pending, executors: load.executors.map((e) => ({ ...e })) }),
    holdsNeededShuffle: (id) => needed.has(id),
    onTarget: (count) => targets.push({ at: clock.t, count }),
    onRelease: (executors, count) => {
      releases.push({ at: clock.t, executors, count });
      // As the runtime does: the executors leave the scheduler at once.
      load.executors = load.executors.filter((e) => !executors.some((x) => x.id === e.id));
    },
    clock,
    ...over,
  });
  const add = (id: string, running = 0, cores = 1): Executor => {
    const e = { id, cores, running, launched: running };
    load.executors.push(e);
    return e;
  };
  return { m, clock, load, targets, releases, needed, add };
}

describe('dynamic allocation: ramp-up', () => {
  it('adds 1, then 2, 4, ... per sustained backlog, capped at --max-executors', () => {
    const { clock, load, targets, m } = harness({ maxExecutors: 10 });
    load.pending = 100;
    m.start();
    clock.advance(900);
    expect(targets, 'nothing before the backlog timeout').to.deep.equal([]);
    clock.advance(4000);
    expect(targets).to.deep.equal([
      { at: 1000, count: 1 },
      { at: 2000, count: 3 },
      { at: 3000, count: 7 },
      { at: 4000, count: 10 },
    ]);
    clock.advance(5000);
    expect(targets.length, 'at the cap nothing more is asked').to.equal(4);
  });

  it('adds no more than the running and waiting tasks can use (tasks per executor = its cores)', () => {
    const { clock, load, targets, m } = harness({ maxExecutors: 50 });
    load.pending = 9;
    m.start();
    clock.advance(5000);
    expect(targets.map((t) => t.count)).to.deep.equal([1, 3, 7, 9]);
    expect(m.targetCount).to.equal(9);

    const two = harness({ maxExecutors: 50 }, { tasksPerExecutor: 2 });
    two.load.pending = 9;
    two.m.start();
    two.clock.advance(5000);
    expect(
      two.targets.map((t) => t.count),
      'ceil(9 / 2)',
    ).to.deep.equal([1, 3, 5]);
  });

  it('waits the sustained timeout between additions', () => {
    const { clock, load, targets, m } = harness({ schedulerBacklogTimeoutMs: 1000, sustainedSchedulerBacklogTimeoutMs: 5000 });
    load.pending = 100;
    m.start();
    clock.advance(11_000);
    expect(targets).to.deep.equal([
      { at: 1000, count: 1 },
      { at: 6000, count: 3 },
      { at: 11_000, count: 7 },
    ]);
  });

  it('counts from the executors already connected, and counts tasks queued beyond their cores as backlog', () => {
    const { clock, load, targets, add, m } = harness();
    // Three connected (more than the target of 0), each with 4 attempts for 1 core: 9 of them wait.
    add('1', 4);
    add('2', 4);
    add('3', 4);
    m.start();
    clock.advance(1000);
    expect(targets).to.deep.equal([{ at: 1000, count: 4 }]);
    expect(load.pending).to.equal(0);
  });

  it('starts the doubling again after the backlog cleared', () => {
    const { clock, load, targets, m } = harness();
    load.pending = 100;
    m.start();
    clock.advance(2000);
    expect(targets.map((t) => t.count)).to.deep.equal([1, 3]);
    load.pending = 0;
    load.executors = [
      { id: '1', cores: 1, running: 1, launched: 1 },
      { id: '2', cores: 1, running: 1, launched: 1 },
      { id: '3', cores: 1, running: 1, launched: 1 },
    ];
    clock.advance(3000);
    expect(targets.length, 'no backlog, 3 tasks for 3 executors').to.equal(2);
    load.pending = 50;
    // Seen at the next look (5100), added one backlog timeout later.
    clock.advance(2100);
    expect(targets.slice(2)).to.deep.equal([
      { at: 6100, count: 4 },
      { at: 7100, count: 6 },
    ]);
  });

  it('drops the target at once when fewer executors are needed, not below --min-executors', () => {
    const { clock, load, targets, releases, m } = harness({ minExecutors: 2 }, { initialExecutors: 2 });
    load.pending = 100;
    m.start();
    clock.advance(3000);
    expect(targets.map((t) => t.count)).to.deep.equal([3, 5, 9]);
    load.pending = 4;
    clock.advance(100);
    expect(targets.at(-1)).to.deep.equal({ at: 3100, count: 4 });
    load.pending = 0;
    clock.advance(100);
    expect(targets.at(-1)).to.deep.equal({ at: 3200, count: 2 });
    expect(releases, 'lowering the target stops nobody').to.deep.equal([]);
  });

  it('keeps the initial target until the first task', () => {
    const { clock, load, targets, m } = harness({ maxExecutors: 10 }, { initialExecutors: 4 });
    m.start();
    clock.advance(30_000);
    expect(targets, 'no tasks, yet the initial executors are not given up').to.deep.equal([]);
    load.pending = 1;
    clock.advance(100);
    expect(targets).to.deep.equal([{ at: 30_100, count: 1 }]);
  });
});

describe('dynamic allocation: release', () => {
  it('keeps the initial executors until the first idle timeout, then releases every idle one', () => {
    const { clock, targets, releases, add, m } = harness({ executorIdleTimeoutMs: 60_000 }, { initialExecutors: 3 });
    add('1');
    add('2');
    add('3');
    m.start();
    clock.advance(60_000);
    // This first timeout ends the initial period; the initial target still holds at this look.
    expect(releases).to.deep.equal([]);
    clock.advance(100);
    expect(targets).to.deep.equal([{ at: 60_100, count: 0 }]);
    const idle = { idleMs: 60_100 };
    expect(releases).to.deep.equal([
      {
        at: 60_100,
        executors: [
          { id: '1', ...idle },
          { id: '2', ...idle },
          { id: '3', ...idle },
        ],
        count: 0,
      },
    ]);
  });

  it('never releases below the target', () => {
    const { clock, load, targets, releases, add, m } = harness({ executorIdleTimeoutMs: 60_000 });
    // Executor 3 runs a task and one more waits (excluded from the others, say): 2 executors are wanted.
    add('1');
    add('3', 1);
    load.pending = 1;
    m.start();
    clock.advance(10_000);
    add('2');
    clock.advance(60_000);
    expect(targets).to.deep.equal([{ at: 1000, count: 2 }]);
    expect(releases).to.deep.equal([{ at: 60_000, executors: [{ id: '1', idleMs: 60_000 }], count: 2 }]);
    clock.advance(10_000);
    expect(releases.length, 'executor 2 has idled 60 s, but 2 executors are wanted').to.equal(1);
    load.pending = 0;
    clock.advance(100);
    expect(targets.at(-1)).to.deep.equal({ at: 80_100, count: 1 });
    expect(releases.at(-1)).to.deep.equal({ at: 80_100, executors: [{ id: '2', idleMs: 70_000 }], count: 1 });
  });

  it('releases the longest idle first when not all may go', () => {
    const { clock, releases, add, needed, m } = harness({ minExecutors: 1, executorIdleTimeoutMs: 60_000 }, { initialExecutors: 1 });
    add('2');
    m.start();
    clock.advance(5000);
    add('1');
    needed.add('1');
    needed.add('2');
    clock.advance(65_000);
    expect(releases).to.deep.equal([]);
    needed.clear();
    clock.advance(100);
    expect(releases).to.deep.equal([{ at: 70_100, executors: [{ id: '2', idleMs: 70_100 }], count: 1 }]);
  });

  it('keeps an executor that ran tasks since the last look, and counts its idle time from then', () => {
    const { clock, releases, add, m } = harness({ executorIdleTimeoutMs: 5000 });
    const e = add('1');
    m.start();
    clock.advance(4000);
    // A task started and finished between two looks.
    e.launched++;
    clock.advance(4000);
    expect(releases).to.deep.equal([]);
    clock.advance(1100);
    expect(
      releases.map((r) => r.at),
      'idle since the look that saw the launch',
    ).to.deep.equal([9100]);
  });

  it('never releases below --min-executors', () => {
    const { clock, load, releases, add, m } = harness({ minExecutors: 2, executorIdleTimeoutMs: 1000 }, { initialExecutors: 2 });
    add('1');
    add('2');
    add('3');
    m.start();
    clock.advance(60_000);
    expect(releases.map((r) => r.executors.map((x) => x.id))).to.deep.equal([['1']]);
    expect(load.executors.map((e) => e.id)).to.deep.equal(['2', '3']);
  });

  it('keeps an executor holding map output a running action needs, and releases it once none does', () => {
    const { clock, releases, add, needed, m } = harness({ executorIdleTimeoutMs: 1000 });
    add('1');
    add('2');
    needed.add('1');
    m.start();
    clock.advance(5000);
    expect(releases.map((r) => r.executors.map((x) => x.id))).to.deep.equal([['2']]);
    clock.advance(60_000);
    expect(releases.length, 'shuffle tracking keeps it').to.equal(1);
    needed.delete('1');
    clock.advance(100);
    // Its idle time counts from its last task, long past the timeout.
    expect(releases[1]).to.deep.equal({ at: 65_100, executors: [{ id: '1', idleMs: 65_100 }], count: 0 });
  });

  it('uses the cached-executor idle timeout for executors holding cached blocks: by default never', () => {
    const cached = new Set(['1']);
    const never = harness({ executorIdleTimeoutMs: 1000 }, { holdsCachedBlocks: (id) => cached.has(id) });
    never.add('1');
    never.add('2');
    never.m.start();
    never.clock.advance(600_000);
    expect(never.releases.map((r) => r.executors.map((x) => x.id))).to.deep.equal([['2']]);

    const timed = harness(
      { executorIdleTimeoutMs: 1000, cachedExecutorIdleTimeoutMs: 30_000 },
      { holdsCachedBlocks: (id) => cached.has(id) },
    );
    timed.add('1');
    timed.m.start();
    timed.clock.advance(29_900);
    expect(timed.releases).to.deep.equal([]);
    timed.clock.advance(100);
    expect(timed.releases.map((r) => [r.at, r.executors[0]!.id])).to.deep.equal([[30_000, '1']]);
  });

  it('stops looking when stopped', () => {
    const { clock, load, targets, m } = harness();
    m.start();
    m.stop();
    load.pending = 10;
    clock.advance(10_000);
    expect(targets).to.deep.equal([]);
  });
});

describe('dynamic allocation: the scheduler load it reads', () => {
  const executor = (id: string, cores: number): ExecutorLink => ({
    id,
    host: `h${id}`,
    hostAliases: [`h${id}`],
    cores,
    launch: () => {},
    cancel: () => {},
  });
  const spec = (tasks: number): TaskSetSpec => ({
    stageId: 1,
    description: 'count',
    tasks: Array.from({ length: tasks }, (_, p) => ({ partition: p, hosts: [], inputs: Buffer.alloc(0) })),
    maxAttempts: 4,
    payload: undefined,
  });
  const listener = { succeeded: () => {}, completed: () => {}, failed: () => {} };
  const ok = (tid: number): TaskStatus => ({
    tid,
    succeeded: true,
    result: null,
    error: null,
    records: 1,
    bytesRead: 0,
    bytesWritten: 0,
    durationUs: 1000,
  });

  it('counts tasks not launched, and per executor its cores, running attempts and launches so far', () => {
    const s = new TaskScheduler({ localityWaitMs: 0 });
    expect(s.allocationLoad()).to.deep.equal({ pending: 0, executors: [] });
    s.addExecutor(executor('1', 2));
    s.submit(spec(10), listener);
    // Two per core at first (one running, one pipelined).
    expect(s.allocationLoad()).to.deep.equal({ pending: 6, executors: [{ id: '1', cores: 2, running: 4, launched: 4 }] });
    // Tasks of 1 ms: 4 more per core are pipelined, so the 8 left are all launched.
    s.statusUpdates('1', [ok(1), ok(2)]);
    expect(s.allocationLoad()).to.deep.equal({ pending: 0, executors: [{ id: '1', cores: 2, running: 8, launched: 10 }] });
    s.removeExecutor('1');
    expect(s.allocationLoad(), "a lost executor's attempts wait again").to.deep.equal({ pending: 8, executors: [] });
  });
});
