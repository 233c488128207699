import { expect } from 'chai';
import { TaskFailedError } from '../../appmaster/driver/errors.js';
import { TaskScheduler, type TaskSetListener, type TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import type { ExclusionEvent } from '../../appmaster/driver/exclusion.js';
import type { TaskErrorInfo, TaskLaunch, TaskStatus } from '../../protocols/driver-executor/index.js';
import { excludeOnFailure, type ExcludeOnFailure } from '../../protocols/job-spec/index.js';
import { FakeClock } from './fake-clock.js';
import { FakeExecutor } from './fake-executor.js';

function ok(tid: number, durationUs = 10_000, result: Buffer | null = null): TaskStatus {
  return { tid, succeeded: true, result, error: null, records: 1, bytesRead: 0, bytesWritten: 0, durationUs };
}

function failed(tid: number, error: Partial<TaskErrorInfo> = {}): TaskStatus {
  return {
    tid,
    succeeded: false,
    result: null,
    error: { kind: 'USER', name: 'Error', message: 'boom', stack: 'Error: boom\n    at job.mjs:3:9', ...error },
    records: 0,
    bytesRead: 0,
    bytesWritten: 0,
    durationUs: 1000,
  };
}

function taskSet(partitions: number, hosts: (p: number) => string[] = () => [], maxAttempts = 4): TaskSetSpec {
  return {
    stageId: 7,
    description: 'count of range(10)',
    tasks: Array.from({ length: partitions }, (_, p) => ({ partition: p, hosts: hosts(p), inputs: Buffer.alloc(0) })),
    maxAttempts,
    payload: undefined,
  };
}

class Recorder implements TaskSetListener {
  readonly successes: { partition: number; tid: number; chunks: Buffer[]; executorId: string }[] = [];
  done = false;
  error: Error | undefined;
  succeeded(partition: number, status: TaskStatus, chunks: Buffer[], executorId: string): void {
    this.successes.push({ partition, tid: status.tid, chunks, executorId });
  }
  completed(): void {
    this.done = true;
  }
  failed(error: Error): void {
    this.error = error;
  }
}

describe('TaskScheduler', () => {
  let clock: FakeClock;
  let scheduler: TaskScheduler;
  const answered = new Set<number>();
  const answer = (e: FakeExecutor, status: TaskStatus): void => {
    answered.add(status.tid);
    scheduler.statusUpdates(e.id, [status]);
  };

  beforeEach(() => {
    clock = new FakeClock();
    scheduler = new TaskScheduler({ localityWaitMs: 3000 }, clock);
    answered.clear();
  });

  it('spreads tasks round-robin, one per core first, then one pipelined task per core', () => {
    const a = new FakeExecutor('1', 'h1');
    const b = new FakeExecutor('2', 'h2');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    const r = new Recorder();
    scheduler.submit(taskSet(10), r);
    expect(a.launched.map((t) => t.partition)).to.deep.equal([0, 2]);
    expect(b.launched.map((t) => t.partition)).to.deep.equal([1, 3]);
    expect(a.launched.every((t) => t.attempt === 0 && t.stageId === 7)).to.equal(true);
  });

  it('runs every partition once and completes, in whatever order statuses come', () => {
    const a = new FakeExecutor('1', 'h1', 2);
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(taskSet(5), r);
    while (!r.done) {
      const running = a.running(answered);
      expect(running.length).to.be.greaterThan(0);
      answer(a, ok(running[running.length - 1]!.tid));
    }
    expect(r.successes.map((s) => s.partition).sort()).to.deep.equal([0, 1, 2, 3, 4]);
    expect(r.error).to.equal(undefined);
  });

  it('pipelines more tasks per core once tasks turn out short', () => {
    const a = new FakeExecutor('1', 'h1');
    scheduler.addExecutor(a);
    scheduler.submit(taskSet(200), new Recorder());
    expect(a.running(answered)).to.have.length(2);
    // Tasks of 20 µs: the scheduler keeps many more in flight so the executor never waits.
    for (let i = 0; i < 20; i++) answer(a, ok(a.running(answered)[0]!.tid, 20));
    expect(a.running(answered).length).to.be.greaterThan(30);
  });

  it('prefers executors on the hosts holding the data, and waits for them up to the locality wait', () => {
    const a = new FakeExecutor('1', 'hA');
    const b = new FakeExecutor('2', 'hB');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    scheduler.submit(
      taskSet(6, () => ['hA']),
      new Recorder(),
    );
    expect(a.launched).to.have.length(2);
    expect(b.launched, 'b waits while a local executor exists').to.have.length(0);
    clock.advance(2999);
    expect(b.launched).to.have.length(0);
    clock.advance(1);
    expect(b.launched.length, 'after the wait, b takes non-local tasks').to.equal(2);
  });

  it('does not wait for hosts where no executor runs', () => {
    const b = new FakeExecutor('2', 'hB');
    scheduler.addExecutor(b);
    scheduler.submit(
      taskSet(2, () => ['hZ']),
      new Recorder(),
    );
    expect(b.launched).to.have.length(2);
  });

  it('matches locality on any name of the executor host', () => {
    const a: FakeExecutor = new FakeExecutor('1', 'localhost');
    (a.hostAliases as string[]).push('127.0.0.1');
    const b = new FakeExecutor('2', 'other');
    scheduler.addExecutor(b);
    scheduler.addExecutor(a);
    scheduler.submit(
      taskSet(2, () => ['127.0.0.1']),
      new Recorder(),
    );
    expect(a.launched).to.have.length(2);
    expect(b.launched).to.have.length(0);
  });

  it('retries a failed task on another executor, then succeeds', () => {
    const a = new FakeExecutor('1', 'h');
    const b = new FakeExecutor('2', 'h');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    const r = new Recorder();
    scheduler.submit(taskSet(1), r);
    const first = a.launched[0]!;
    answer(a, failed(first.tid));
    expect(b.launched.map((t) => [t.partition, t.attempt])).to.deep.equal([[0, 1]]);
    answer(b, ok(b.launched[0]!.tid));
    expect(r.done).to.equal(true);
    expect(r.successes).to.have.length(1);
  });

  it('fails the task set after maxAttempts with the message, stack, partition and attempt', () => {
    const a = new FakeExecutor('1', 'h');
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(taskSet(3), r);
    for (let attempt = 0; attempt < 4; attempt++) {
      let t: TaskLaunch | undefined;
      while (!(t = a.running(answered).find((x) => x.partition === 2))) answer(a, ok(a.running(answered)[0]!.tid));
      expect(t.attempt).to.equal(attempt);
      answer(a, failed(t.tid, { message: 'bad record 42', stack: 'Error: bad record 42\n    at job.mjs:7:11' }));
    }
    expect(r.error).to.be.instanceOf(TaskFailedError);
    const e = r.error as TaskFailedError;
    expect(e.message).to.match(
      /^partition 2 of stage 7 \(count of range\(10\)\) failed 4 time\(s\); last: attempt 4 on executor 1 \(h\):\nError: bad record 42\n {4}at job\.mjs:7:11$/,
    );
    expect(e.failure).to.include({ partition: 2, attempt: 4, executorId: '1', errorMessage: 'bad record 42', kind: 'USER' });
    expect(r.done).to.equal(false);
  });

  it('fails at once on a closure error (retrying cannot help)', () => {
    const a = new FakeExecutor('1', 'h');
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(taskSet(1), r);
    answer(a, failed(a.launched[0]!.tid, { kind: 'CLOSURE', name: 'ClosureError', message: 'cannot use x on the executor' }));
    expect(r.error?.message).to.match(/retrying cannot help/);
    expect(a.launched).to.have.length(1);
  });

  it('re-runs the tasks of a lost executor elsewhere without counting a failure', () => {
    const a = new FakeExecutor('1', 'h');
    const b = new FakeExecutor('2', 'h');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    const r = new Recorder();
    scheduler.submit(
      taskSet(4, () => [], 1),
      r,
    );
    const lost = a.running(answered).map((t) => t.partition);
    expect(lost).to.have.length(2);
    scheduler.removeExecutor('1');
    for (const t of b.running(answered)) answer(b, ok(t.tid));
    while (!r.done) for (const t of b.running(answered)) answer(b, ok(t.tid));
    expect(r.error, 'maxAttempts 1, yet no failure: a loss is not the task’s fault').to.equal(undefined);
    expect(r.successes.map((s) => s.partition).sort()).to.deep.equal([0, 1, 2, 3]);
    expect(r.successes.every((s) => s.executorId === '2')).to.equal(true);
  });

  it('runs a map task again in the running set when the executor holding its output is lost', () => {
    const a = new FakeExecutor('1', 'h1');
    const b = new FakeExecutor('2', 'h2');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    const r = new Recorder();
    scheduler.submit({ ...taskSet(6, () => [], 1), outputOnExecutor: true }, r);
    // Executor 1 finishes its first map task; nothing else has finished.
    const first = a.running(answered)[0]!;
    answer(a, ok(first.tid));
    expect(r.successes.map((s) => [s.partition, s.executorId])).to.deep.equal([[first.partition, '1']]);
    const stillRunning = a.running(answered).map((t) => t.partition);
    scheduler.removeExecutor('1');
    expect(scheduler.progress().at(-1)).to.deep.include({ succeeded: 0, resubmitted: 1, failedAttempts: 0, state: 'running' });
    while (!r.done) {
      const running = b.running(answered);
      expect(running.length, 'the set waits for the rerun before it completes').to.be.greaterThan(0);
      for (const t of running) answer(b, ok(t.tid));
    }
    expect(r.error, 'maxAttempts 1, yet no failure: a lost output is not the task’s fault').to.equal(undefined);
    // Every partition succeeded on the surviving executor; the lost one twice in all, once per place.
    const onB = r.successes.filter((s) => s.executorId === '2').map((s) => s.partition);
    expect(onB.sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(r.successes).to.have.length(7);
    expect(b.launched.filter((t) => t.partition === first.partition).map((t) => t.attempt)).to.deep.equal([1]);
    for (const p of stillRunning) expect(b.launched.some((t) => t.partition === p)).to.equal(true);
    expect(scheduler.progress().at(-1)).to.deep.include({ succeeded: 6, resubmitted: 1, state: 'succeeded' });
  });

  it('leaves finished tasks alone when an executor is lost: in sets whose results went to the driver, and in finished sets', () => {
    const a = new FakeExecutor('1', 'h1');
    scheduler.addExecutor(a);
    const maps = new Recorder();
    scheduler.submit({ ...taskSet(1), stageId: 8, outputOnExecutor: true }, maps);
    answer(a, ok(a.launched[0]!.tid));
    expect(maps.done).to.equal(true);
    const results = new Recorder();
    scheduler.submit(taskSet(4), results);
    answer(a, ok(a.running(answered)[0]!.tid));
    scheduler.removeExecutor('1');
    expect(results.successes).to.have.length(1);
    expect(maps.successes).to.have.length(1);
    const progress = scheduler.progress();
    expect(progress.find((p) => p.stageId === 7)).to.deep.include({ succeeded: 1, resubmitted: 0, state: 'running' });
    expect(progress.find((p) => p.stageId === 8)).to.deep.include({ succeeded: 1, resubmitted: 0, state: 'succeeded' });
  });

  it('ignores late reports from a lost executor and second reports of a partition', () => {
    const a = new FakeExecutor('1', 'h');
    const b = new FakeExecutor('2', 'h');
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(taskSet(1), r);
    const zombie = a.launched[0]!;
    scheduler.removeExecutor('1');
    scheduler.addExecutor(b);
    scheduler.chunk('1', zombie.tid, Buffer.from('zombie'));
    answer(a, ok(zombie.tid));
    expect(r.successes).to.have.length(0);
    const t = b.launched[0]!;
    scheduler.chunk('2', t.tid, Buffer.from('c1'));
    answer(b, ok(t.tid));
    answer(b, ok(t.tid));
    expect(r.successes).to.have.length(1);
    expect(r.successes[0]!.chunks.map(String)).to.deep.equal(['c1']);
  });

  it('drops the chunks of a failed attempt', () => {
    const a = new FakeExecutor('1', 'h');
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(taskSet(1), r);
    scheduler.chunk('1', a.launched[0]!.tid, Buffer.from('partial'));
    answer(a, failed(a.launched[0]!.tid));
    const retry = a.launched[1]!;
    scheduler.chunk('1', retry.tid, Buffer.from('whole'));
    answer(a, ok(retry.tid));
    expect(r.successes[0]!.chunks.map(String)).to.deep.equal(['whole']);
  });

  it('waits for executors: tasks start when the first one registers', () => {
    const r = new Recorder();
    scheduler.submit(taskSet(2), r);
    const a = new FakeExecutor('1', 'h');
    scheduler.addExecutor(a);
    expect(a.launched).to.have.length(2);
  });

  it('cancel drops pending tasks and cancels running attempts', () => {
    const a = new FakeExecutor('1', 'h');
    scheduler.addExecutor(a);
    const r = new Recorder();
    const handle = scheduler.submit(taskSet(10), r);
    const running = a.running(answered).map((t) => t.tid);
    handle.cancel();
    expect(a.cancelled.sort()).to.deep.equal(running.sort());
    answer(a, ok(running[0]!));
    expect(r.successes).to.have.length(0);
    expect(scheduler.progress().at(-1)!.state).to.equal('cancelled');
  });

  it('completes an empty task set at once', () => {
    const r = new Recorder();
    scheduler.submit(taskSet(0), r);
    expect(r.done).to.equal(true);
  });
});

/** An executor on a NodeManager (`node`, `host:port`), as exclusion counts nodes. */
class NodeExecutor extends FakeExecutor {
  constructor(
    id: string,
    readonly node: string,
  ) {
    super(id, node.split(':')[0]!);
  }
}

describe('TaskScheduler: exclusion on failure', () => {
  let clock: FakeClock;
  let scheduler: TaskScheduler;
  let events: ExclusionEvent[];
  const answered = new Set<number>();

  function start(settings: Partial<ExcludeOnFailure> = {}, expected = 0): void {
    clock = new FakeClock();
    events = [];
    answered.clear();
    scheduler = new TaskScheduler(
      { localityWaitMs: 0, excludeOnFailure: excludeOnFailure(settings), onExclusion: (e) => events.push(e) },
      clock,
    );
    scheduler.expectExecutors(expected);
  }

  /** Executor 1 on node h:1 (its tasks succeed in these tests) and executor 2 on h:2, both added. */
  function goodAndBad(): { good: NodeExecutor; bad: NodeExecutor } {
    const good = new NodeExecutor('1', 'h:1');
    const bad = new NodeExecutor('2', 'h:2');
    scheduler.addExecutor(good);
    scheduler.addExecutor(bad);
    return { good, bad };
  }

  /** Answers every running attempt, round after round, failing those `fails` says; stops when none runs. */
  function drive(executors: NodeExecutor[], fails: (e: NodeExecutor, t: TaskLaunch) => boolean): void {
    for (let round = 0; round < 100; round++) {
      const batch = executors.flatMap((e) => e.running(answered).map((t) => [e, t] as const));
      if (batch.length === 0) return;
      for (const [e, t] of batch) {
        answered.add(t.tid);
        scheduler.statusUpdates(e.id, [fails(e, t) ? failed(t.tid) : ok(t.tid)]);
      }
    }
    throw new Error('still running after 100 rounds');
  }

  const line = (e: ExclusionEvent): string =>
    `${e.scope} ${e.kind} ${e.id}${e.stageId !== undefined ? ` stage ${e.stageId}` : ''}: ${e.reason}`;

  it('excludes an executor from the stage after 2 failed tasks, then from the application once the stage succeeded', () => {
    start();
    const { good, bad } = goodAndBad();
    const r = new Recorder();
    scheduler.submit(taskSet(8), r);
    drive([good, bad], (e) => e === bad);
    expect(r.done, r.error?.message).to.equal(true);
    expect(r.successes.map((x) => x.partition).sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.successes.every((x) => x.executorId === '1')).to.equal(true);
    // Two tasks failed on it before the exclusion; it got none after.
    expect(bad.launched).to.have.length(2);
    expect(events.map(line)).to.deep.equal(['stage executor 2 stage 7: 2 failed tasks', 'application executor 2: 2 failed tasks']);
    // One excluded executor does not exclude its node (Spark's maxFailedExecutorsPerNode is 2).
    expect(scheduler.excludedNodes()).to.deep.equal([]);
    const next = new Recorder();
    scheduler.submit({ ...taskSet(4), stageId: 8 }, next);
    drive([good, bad], () => false);
    expect(next.done).to.equal(true);
    expect(bad.launched, 'no task of a later stage').to.have.length(2);
  });

  it('excludes a node for the stage after 2 of its executors were, and new executors there get no task of it', () => {
    start();
    const a1 = new NodeExecutor('1', 'a:1');
    const a2 = new NodeExecutor('2', 'a:1');
    const b = new NodeExecutor('3', 'b:1');
    for (const e of [a1, a2, b]) scheduler.addExecutor(e);
    const r = new Recorder();
    scheduler.submit({ ...taskSet(12), maxAttempts: 4 }, r);
    drive([a1, a2, b], (e) => e.node === 'a:1');
    const late = new NodeExecutor('4', 'a:1');
    scheduler.addExecutor(late);
    expect(r.done, r.error?.message).to.equal(true);
    expect(events.filter((e) => e.scope === 'stage').map(line)).to.deep.equal([
      'stage executor 1 stage 7: 2 failed tasks',
      'stage executor 2 stage 7: 2 failed tasks',
      'stage node a:1 stage 7: 2 excluded executors',
    ]);
    // Once the set succeeded, both executors and their node are excluded for the application (the
    // tasks already sent to an executor when it was excluded ran, and their failures count too).
    expect(events.filter((e) => e.scope === 'application').map(line)).to.satisfy(
      (lines: string[]) =>
        lines.length === 3 &&
        /^application executor 1: \d+ failed tasks$/.test(lines[0]!) &&
        /^application executor 2: \d+ failed tasks$/.test(lines[1]!) &&
        lines[2] === 'application node a:1: 2 excluded executors',
    );
    expect(scheduler.excludedNodes()).to.deep.equal(['a:1']);
    const next = new Recorder();
    scheduler.submit({ ...taskSet(3), stageId: 9 }, next);
    drive([a1, a2, b, late], () => false);
    expect(late.launched, 'an executor on an excluded node').to.have.length(0);
    expect(next.successes.map((x) => x.executorId)).to.deep.equal(['3', '3', '3']);
  });

  it('application exclusions end after the timeout, and with them the node the AM avoids', () => {
    start({ appMaxFailedExecutorsPerNode: 1, timeoutMs: 60_000 });
    const { good, bad } = goodAndBad();
    scheduler.submit(taskSet(6), new Recorder());
    drive([good, bad], (e) => e === bad);
    expect(scheduler.excludedNodes()).to.deep.equal(['h:2']);
    clock.advance(59_999);
    expect(scheduler.excludedNodes()).to.deep.equal(['h:2']);
    clock.advance(1);
    expect(scheduler.excludedNodes()).to.deep.equal([]);
    scheduler.submit({ ...taskSet(4), stageId: 8 }, new Recorder());
    expect(bad.running(answered), 'the executor gets tasks again').to.have.length(2);
  });

  it('does not count the failures of a task set that failed towards the application', () => {
    start();
    const a = new NodeExecutor('1', 'h:1');
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(
      taskSet(4, () => [], 1),
      r,
    );
    drive([a], () => true);
    expect(r.error).to.be.instanceOf(TaskFailedError);
    expect(events.filter((e) => e.scope === 'application')).to.deep.equal([]);
  });

  it('moves a task off a node where it failed twice (maxTaskAttemptsPerNode), then succeeds', () => {
    start();
    const a1 = new NodeExecutor('1', 'a:1');
    const a2 = new NodeExecutor('2', 'a:1');
    const b = new NodeExecutor('3', 'b:1');
    for (const e of [a1, a2, b]) scheduler.addExecutor(e);
    const r = new Recorder();
    scheduler.submit(taskSet(1), r);
    expect(a1.running(answered)).to.have.length(1);
    drive([a1, a2, b], (e) => e !== b);
    expect(a2.launched, 'another executor of the same node first').to.have.length(1);
    expect(r.successes).to.deep.include({ ...r.successes[0]!, executorId: '3' });
    expect(b.launched[0]!.attempt).to.equal(2);
  });

  it('still retries a task where it failed when no other executor can take it, up to its attempts', () => {
    start();
    const a = new NodeExecutor('1', 'h:1');
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(taskSet(1), r);
    drive([a], () => true);
    expect(r.error?.message).to.match(/^partition 0 of stage 7 \(count of range\(10\)\) failed 4 time\(s\); last: attempt 4 on executor 1/);
    expect(events).to.deep.equal([]);
  });

  it('fails a task set that every executor is excluded for, at once when the expected executors are there', () => {
    start({}, 2);
    const a = new NodeExecutor('1', 'h:1');
    const b = new NodeExecutor('2', 'h:2');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    const r = new Recorder();
    scheduler.submit(taskSet(10), r);
    drive([a, b], () => true);
    expect(r.error).to.be.instanceOf(TaskFailedError);
    expect(r.error!.message).to.match(
      /^stage 7 \(count of range\(10\)\) cannot run anywhere: every executor is excluded for it after repeated task failures \(executor 1 on h:1: 2 tasks failed on it in the stage; executor 2 on h:2: 2 tasks failed on it in the stage\); last failure: partition \d, attempt \d on executor \d \(h\):\nError: boom\n {4}at job\.mjs:3:9$/,
    );
    expect(scheduler.progress().at(-1)!.state).to.equal('failed');
    // Every attempt was a first or second one: the set failed long before any task used its 4 attempts.
    expect([...a.launched, ...b.launched].every((t) => t.attempt < 2)).to.equal(true);
  });

  it('waits for expected executors before failing such a set, and runs its tasks on one that is not excluded', () => {
    start({}, 3);
    const a = new NodeExecutor('1', 'h:1');
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(taskSet(3), r);
    drive([a], () => true);
    expect(r.error).to.equal(undefined);
    clock.advance(60_000);
    const b = new NodeExecutor('2', 'h:2');
    scheduler.addExecutor(b);
    drive([a, b], () => false);
    expect(r.done, r.error?.message).to.equal(true);
    expect(r.successes.every((x) => x.executorId === '2')).to.equal(true);
  });

  it('fails such a set after the unschedulable timeout when the expected executors do not come', () => {
    start({}, 3);
    const a = new NodeExecutor('1', 'h:1');
    scheduler.addExecutor(a);
    const r = new Recorder();
    scheduler.submit(taskSet(3), r);
    drive([a], () => true);
    clock.advance(119_999);
    expect(r.error).to.equal(undefined);
    clock.advance(1);
    expect(r.error?.message).to.match(/^stage 7 .* cannot run anywhere: every executor is excluded for it/);
  });

  it('off: an executor whose tasks fail keeps getting tasks, and nothing is excluded', () => {
    start({ enabled: false }, 2);
    const { good, bad } = goodAndBad();
    const r = new Recorder();
    scheduler.submit(taskSet(8), r);
    drive([good, bad], (e) => e === bad);
    expect(r.done, r.error?.message).to.equal(true);
    expect(bad.launched.length).to.be.greaterThan(2);
    expect(events).to.deep.equal([]);
    expect(scheduler.excludedNodes()).to.deep.equal([]);
  });
});
