import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { CommitCoordinator } from '../../appmaster/driver/commit-coordinator.js';
import { SHUTDOWN_GRACE_MS, TaskServer } from '../../appmaster/driver/task-server.js';
import { MapOutputTracker } from '../../appmaster/driver/map-output-tracker.js';
import { TaskScheduler, type ExecutorLink, type TaskSetListener, type TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import { speculationLine, type SpeculationEvent } from '../../appmaster/driver/speculation.js';
import {
  COMMIT_DENIED,
  connectToDriver,
  type MapStatus,
  type Message,
  type TaskLaunch,
  type TaskStatus,
} from '../../protocols/driver-executor/index.js';
import { speculation } from '../../protocols/job-spec/index.js';
import { errorInfo } from '../../executor/runner.js';
import { CommitDeniedError, discardAttempt } from '../../executor/writers.js';
import { FakeClock } from './fake-clock.js';

/**
 * Speculative execution in the scheduler (fake clock, fake executors) and the output commit
 * coordinator. Defaults: quantile 0.75, multiplier 1.5, min runtime 100 ms, checked every 100 ms.
 */

class FakeExecutor implements ExecutorLink {
  readonly launched: TaskLaunch[] = [];
  readonly cancelled: number[] = [];
  readonly hostAliases: string[];
  constructor(
    readonly id: string,
    readonly host: string,
    readonly node = `${host}:8041`,
  ) {
    this.hostAliases = [host];
  }
  readonly cores = 1;
  launch(_set: TaskSetSpec, tasks: TaskLaunch[]): void {
    this.launched.push(...tasks);
  }
  cancel(tids: number[]): void {
    this.cancelled.push(...tids);
  }
  of(partition: number): TaskLaunch[] {
    return this.launched.filter((t) => t.partition === partition);
  }
}

function ok(tid: number, durationUs = 10_000): TaskStatus {
  return { tid, succeeded: true, result: null, error: null, records: 1, bytesRead: 0, bytesWritten: 0, durationUs };
}

function failed(tid: number, name = 'Error'): TaskStatus {
  return {
    tid,
    succeeded: false,
    result: null,
    error: { kind: name === COMMIT_DENIED ? 'SYSTEM' : 'USER', name, message: 'boom', stack: `${name}: boom` },
    records: 0,
    bytesRead: 0,
    bytesWritten: 0,
    durationUs: 1000,
  };
}

function taskSet(partitions: number, outputOnExecutor = false, maxAttempts = 4): TaskSetSpec {
  return {
    stageId: 3,
    description: 'saveAsTextFile of range(8)',
    tasks: Array.from({ length: partitions }, (_, p) => ({ partition: p, hosts: [], inputs: Buffer.alloc(0) })),
    maxAttempts,
    outputOnExecutor,
    payload: undefined,
  };
}

class Recorder implements TaskSetListener {
  readonly successes: { partition: number; tid: number; executorId: string }[] = [];
  done = 0;
  error: Error | undefined;
  succeeded(partition: number, status: TaskStatus, _chunks: Buffer[], executorId: string): void {
    this.successes.push({ partition, tid: status.tid, executorId });
  }
  completed(): void {
    this.done++;
  }
  failed(error: Error): void {
    this.error = error;
  }
}

describe('speculative execution', () => {
  let clock: FakeClock;
  let events: SpeculationEvent[];
  let scheduler: TaskScheduler;
  const all = (...es: FakeExecutor[]): TaskLaunch[] => es.flatMap((e) => e.launched);

  beforeEach(() => {
    clock = new FakeClock(10);
    events = [];
    scheduler = new TaskScheduler({ localityWaitMs: 0, speculation: speculation(), onSpeculation: (e) => events.push(e) }, clock);
  });

  /** Four one-core executors on four nodes, one task of four on each. */
  function fourOnFour(): { es: FakeExecutor[]; r: Recorder } {
    const es = ['1', '2', '3', '4'].map((id) => new FakeExecutor(id, `h${id}`));
    for (const e of es) scheduler.addExecutor(e);
    const r = new Recorder();
    scheduler.submit(taskSet(4), r);
    expect(es.map((e) => e.launched.map((t) => t.partition))).to.deep.equal([[0], [1], [2], [3]]);
    return { es, r };
  }

  it('copies no task before the quantile of the set succeeded, however long it runs', () => {
    const { es } = fourOnFour();
    clock.advance(10);
    scheduler.statusUpdates('2', [ok(es[1]!.launched[0]!.tid)]);
    scheduler.statusUpdates('3', [ok(es[2]!.launched[0]!.tid)]);
    // 2 of 4 succeeded; 0.75 × 4 = 3 are needed.
    clock.advance(60_000);
    expect(all(...es)).to.have.length(4);
    expect(events).to.deep.equal([]);
    scheduler.statusUpdates('4', [ok(es[3]!.launched[0]!.tid)]);
    // Threshold max(1.5 × 10 ms, 100 ms): partition 0 has run 60 s; the next check copies it.
    clock.advance(100);
    expect(all(...es).filter((t) => t.partition === 0)).to.have.length(2);
  });

  it('gives a straggler exactly one copy, on another executor, and none while both run', () => {
    const { es } = fourOnFour();
    clock.advance(10);
    for (const i of [1, 2, 3]) scheduler.statusUpdates(es[i]!.id, [ok(es[i]!.launched[0]!.tid)]);
    // Checks run every 100 ms: at 100 ms partition 0 has not run longer than the 100 ms minimum.
    clock.advance(90);
    expect(all(...es)).to.have.length(4);
    clock.advance(100);
    const copies = all(...es).filter((t) => t.partition === 0);
    expect(copies).to.have.length(2);
    expect(es[0]!.of(0)).to.have.length(1);
    expect(copies[1]!.attempt).to.equal(1);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ kind: 'launched', partition: 0, attempt: 2, originalExecutorId: '1' });
    expect(events[0]!.kind === 'launched' && events[0]!.executorId).to.not.equal('1');
    clock.advance(10_000);
    expect(all(...es).filter((t) => t.partition === 0)).to.have.length(2);
  });

  it('also copies a task queued behind a straggler on its executor', () => {
    const a = new FakeExecutor('1', 'h1');
    const b = new FakeExecutor('2', 'h2');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    const r = new Recorder();
    scheduler.submit(taskSet(8), r);
    // One running and one pipelined task each.
    expect(a.launched.map((t) => t.partition)).to.deep.equal([0, 2]);
    expect(b.launched.map((t) => t.partition)).to.deep.equal([1, 3]);
    // b runs everything else in 10 ms tasks; a is stuck on partition 0.
    for (let i = 0; i < b.launched.length; i++) {
      clock.advance(10);
      scheduler.statusUpdates('2', [ok(b.launched[i]!.tid)]);
    }
    expect(r.successes).to.have.length(6);
    expect(events).to.deep.equal([]);
    clock.advance(200);
    // Partition 0 (running) and partition 2 (queued behind it) get their copies on b, one at a time.
    const copies = b.launched.slice(6);
    expect(copies.map((t) => t.partition)).to.deep.equal([0]);
    scheduler.statusUpdates('2', [ok(copies[0]!.tid)]);
    expect(b.launched.slice(7).map((t) => t.partition)).to.deep.equal([2]);
    const launched = events.flatMap((e) => (e.kind === 'launched' ? [e] : []));
    expect(launched.map((e) => [e.partition, e.queued])).to.deep.equal([
      [0, false],
      [2, true],
    ]);
    expect(speculationLine(launched[1]!)).to.match(
      /^stage 3 \(saveAsTextFile of range\(8\)\): partition 2 has waited 0\.\d s behind a slow task on executor 1, longer than 0\.1 s; speculative attempt 2 launched on executor 2 \(h2:8041\)$/,
    );
    scheduler.statusUpdates('2', [ok(b.launched[7]!.tid)]);
    expect(r.done).to.equal(1);
    expect(a.cancelled).to.deep.equal(a.launched.map((t) => t.tid));
  });

  it('prefers an executor on another node for the copy', () => {
    const a = new FakeExecutor('1', 'h1');
    const sameNode = new FakeExecutor('2', 'h1');
    const other = new FakeExecutor('3', 'h2');
    for (const e of [a, sameNode, other]) scheduler.addExecutor(e);
    scheduler.submit(taskSet(3), new Recorder());
    expect(a.of(0)).to.have.length(1);
    scheduler.statusUpdates('2', [ok(sameNode.launched[0]!.tid)]);
    scheduler.statusUpdates('3', [ok(other.launched[0]!.tid)]);
    clock.advance(200);
    expect(other.of(0)).to.have.length(1);
    expect(sameNode.of(0)).to.have.length(0);
    expect(events[0]).to.include({ kind: 'launched', executorId: '3', node: 'h2:8041' });
  });

  it('uses an executor on the same node when no other node has a free core', () => {
    const a = new FakeExecutor('1', 'h1');
    const sameNode = new FakeExecutor('2', 'h1');
    for (const e of [a, sameNode]) scheduler.addExecutor(e);
    scheduler.submit(taskSet(2), new Recorder());
    scheduler.statusUpdates('2', [ok(sameNode.launched[0]!.tid)]);
    clock.advance(200);
    expect(sameNode.of(0)).to.have.length(1);
  });

  it('lets the first attempt to succeed win, cancels the other and ignores its late result', () => {
    const { es, r } = fourOnFour();
    for (const i of [1, 2, 3]) scheduler.statusUpdates(es[i]!.id, [ok(es[i]!.launched[0]!.tid)]);
    clock.advance(200);
    const copy = all(...es).filter((t) => t.partition === 0)[1]!;
    const copyOn = es.find((e) => e.launched.includes(copy))!;
    const original = es[0]!.launched[0]!;
    scheduler.statusUpdates(copyOn.id, [ok(copy.tid)]);
    expect(es[0]!.cancelled).to.deep.equal([original.tid]);
    expect(r.done).to.equal(1);
    expect(r.successes.filter((s) => s.partition === 0)).to.deep.equal([{ partition: 0, tid: copy.tid, executorId: copyOn.id }]);
    expect(events[1]).to.deep.equal({
      kind: 'won',
      stageId: 3,
      description: 'saveAsTextFile of range(8)',
      partition: 0,
      attempt: 2,
      executorId: copyOn.id,
      speculative: true,
      cancelled: [{ attempt: 1, executorId: '1' }],
    });
    expect(speculationLine(events[1]!)).to.equal(
      `stage 3 (saveAsTextFile of range(8)): partition 0: speculative attempt 2 on executor ${copyOn.id} won; ` +
        'attempt 1 on executor 1 cancelled, its result is ignored',
    );
    // The cancelled attempt's report, if it comes anyway, changes nothing.
    scheduler.statusUpdates('1', [ok(original.tid)]);
    expect(r.successes).to.have.length(4);
    expect(r.done).to.equal(1);
  });

  it('cancels the copy when the original wins', () => {
    const { es, r } = fourOnFour();
    for (const i of [1, 2, 3]) scheduler.statusUpdates(es[i]!.id, [ok(es[i]!.launched[0]!.tid)]);
    clock.advance(200);
    const copy = all(...es).filter((t) => t.partition === 0)[1]!;
    const copyOn = es.find((e) => e.launched.includes(copy))!;
    scheduler.statusUpdates('1', [ok(es[0]!.launched[0]!.tid)]);
    expect(copyOn.cancelled).to.deep.equal([copy.tid]);
    expect(r.successes.find((s) => s.partition === 0)!.executorId).to.equal('1');
    expect(events[1]).to.include({ kind: 'won', speculative: false, executorId: '1' });
  });

  it('registers one map output per map partition when both attempts of a map task report success', () => {
    const es = ['1', '2', '3', '4'].map((id) => new FakeExecutor(id, `h${id}`));
    for (const e of es) scheduler.addExecutor(e);
    const tracker = new MapOutputTracker();
    tracker.register(0, 4);
    const added: { map: number; executorId: string }[] = [];
    const r = new Recorder();
    scheduler.submit(taskSet(4, true), {
      succeeded: (partition, status, chunks, executorId) => {
        r.succeeded(partition, status, chunks, executorId);
        const mapStatus: MapStatus = { address: `${executorId}:7337`, file: `shuffle_0_${partition}_${status.tid}`, sizes: [1] };
        tracker.add(0, partition, executorId, mapStatus);
        added.push({ map: partition, executorId });
      },
      completed: () => r.completed(),
      failed: (e) => r.failed(e),
    });
    for (const i of [1, 2, 3]) scheduler.statusUpdates(es[i]!.id, [ok(es[i]!.launched[0]!.tid)]);
    clock.advance(200);
    const copy = all(...es).filter((t) => t.partition === 0)[1]!;
    const copyOn = es.find((e) => e.launched.includes(copy))!;
    // Both attempts finish in the same turn: the original's report was on the wire before the cancel.
    scheduler.statusUpdates('1', [ok(es[0]!.launched[0]!.tid)]);
    scheduler.statusUpdates(copyOn.id, [ok(copy.tid)]);
    expect(r.error).to.equal(undefined);
    expect(added.filter((a) => a.map === 0)).to.deep.equal([{ map: 0, executorId: '1' }]);
    expect(tracker.missing(0)).to.deep.equal([]);
    expect(tracker.outputsPerExecutor().get(copyOn.id)).to.equal(1);
    expect(r.done).to.equal(1);
  });

  it("counts a copy's failure as a failed attempt but lets the other attempt run on alone", () => {
    const { es, r } = fourOnFour();
    for (const i of [1, 2, 3]) scheduler.statusUpdates(es[i]!.id, [ok(es[i]!.launched[0]!.tid)]);
    clock.advance(200);
    const copy = all(...es).filter((t) => t.partition === 0)[1]!;
    const copyOn = es.find((e) => e.launched.includes(copy))!;
    scheduler.statusUpdates(copyOn.id, [failed(copy.tid)]);
    const stage = scheduler.progress().find((p) => p.stageId === 3)!;
    expect(stage.failedAttempts).to.equal(1);
    // The original was not cancelled; still slow and alone again, it gets a new copy (as Spark would at its next check).
    expect(es[0]!.cancelled).to.deep.equal([]);
    const attempts = all(...es).filter((t) => t.partition === 0);
    expect(attempts).to.have.length(3);
    expect(es[0]!.of(0)).to.have.length(1);
    scheduler.statusUpdates('1', [ok(es[0]!.launched[0]!.tid)]);
    expect(r.done).to.equal(1);
    expect(r.error).to.equal(undefined);
  });

  it('lets the other attempt run on when the executor of one is lost', () => {
    const { es, r } = fourOnFour();
    for (const i of [1, 2, 3]) scheduler.statusUpdates(es[i]!.id, [ok(es[i]!.launched[0]!.tid)]);
    clock.advance(200);
    const copy = all(...es).filter((t) => t.partition === 0)[1]!;
    const copyOn = es.find((e) => e.launched.includes(copy))!;
    scheduler.removeExecutor('1');
    expect(all(...es).filter((t) => t.partition === 0)).to.have.length(2);
    scheduler.statusUpdates(copyOn.id, [ok(copy.tid)]);
    expect(r.done).to.equal(1);
    expect(r.successes.find((s) => s.partition === 0)!.executorId).to.equal(copyOn.id);
  });

  it('counts a commit-denied attempt as no failure: dropped while the other runs, else run again', () => {
    const { es } = fourOnFour();
    for (const i of [1, 2, 3]) scheduler.statusUpdates(es[i]!.id, [ok(es[i]!.launched[0]!.tid)]);
    clock.advance(200);
    const copy = all(...es).filter((t) => t.partition === 0)[1]!;
    const copyOn = es.find((e) => e.launched.includes(copy))!;
    scheduler.statusUpdates(copyOn.id, [failed(copy.tid, COMMIT_DENIED)]);
    const stage = scheduler.progress().find((p) => p.stageId === 3)!;
    expect(stage.failedAttempts).to.equal(0);
    expect(es[0]!.cancelled).to.deep.equal([]);
    // Alone, a denied attempt runs again, more often than the task's 4 attempts allow failures.
    const one = new FakeExecutor('9', 'h9');
    const plain = new TaskScheduler({ localityWaitMs: 0 }, clock);
    plain.addExecutor(one);
    const r = new Recorder();
    plain.submit(taskSet(1), r);
    for (let i = 0; i < 6; i++) plain.statusUpdates('9', [failed(one.launched[i]!.tid, COMMIT_DENIED)]);
    expect(one.launched).to.have.length(7);
    expect(r.error).to.equal(undefined);
    expect(plain.progress()[0]!.failedAttempts).to.equal(0);
    plain.statusUpdates('9', [ok(one.launched[6]!.tid)]);
    expect(r.done).to.equal(1);
  });

  it('copies nothing without the speculation option', () => {
    const plain = new TaskScheduler({ localityWaitMs: 0 }, clock);
    const es = ['1', '2', '3', '4'].map((id) => new FakeExecutor(id, `h${id}`));
    for (const e of es) plain.addExecutor(e);
    plain.submit(taskSet(4), new Recorder());
    for (const i of [1, 2, 3]) plain.statusUpdates(es[i]!.id, [ok(es[i]!.launched[0]!.tid)]);
    clock.advance(60_000);
    expect(all(...es)).to.have.length(4);
  });
});

describe('output commit coordinator', () => {
  const running = new Set<number>([1, 2, 3, 4]);
  let c: CommitCoordinator;
  beforeEach(() => {
    c = new CommitCoordinator((tid) => running.has(tid));
  });

  it('authorizes the first attempt to ask per stage and partition and refuses later ones', () => {
    expect(c.ask('a', 1, 5, 0)).to.equal(true);
    expect(c.ask('b', 2, 5, 0)).to.equal(false);
    expect(c.ask('a', 1, 5, 0)).to.equal(true);
    // Another partition, another stage: free.
    expect(c.ask('b', 2, 5, 1)).to.equal(true);
    expect(c.ask('b', 3, 6, 0)).to.equal(true);
  });

  it('refuses an attempt the scheduler does not run (cancelled or of an ended set)', () => {
    expect(c.ask('a', 99, 5, 0)).to.equal(false);
    expect(c.ask('b', 2, 5, 0)).to.equal(true);
  });

  it('authorizes another attempt after the authorized one fails, not after it was denied or succeeded', () => {
    expect(c.ask('a', 1, 5, 0)).to.equal(true);
    c.statusUpdates('b', [failed(2, COMMIT_DENIED)]);
    expect(c.ask('b', 2, 5, 0)).to.equal(false);
    c.statusUpdates('a', [failed(1)]);
    expect(c.ask('b', 2, 5, 0)).to.equal(true);
    c.statusUpdates('b', [ok(2)]);
    expect(c.holder(5, 0)).to.deep.equal({ tid: 2, executorId: 'b', succeeded: true });
    c.executorLost('b');
    expect(c.ask('c', 3, 5, 0)).to.equal(false);
  });

  it("authorizes another attempt after the authorized one's executor is lost", () => {
    expect(c.ask('a', 1, 5, 0)).to.equal(true);
    expect(c.ask('a', 4, 5, 1)).to.equal(true);
    c.executorLost('a');
    expect(c.ask('b', 2, 5, 0)).to.equal(true);
    expect(c.ask('b', 3, 5, 1)).to.equal(true);
  });

  it('forgets a stage when it ends', () => {
    expect(c.ask('a', 1, 5, 0)).to.equal(true);
    c.stageEnded(5);
    expect(c.holder(5, 0)).to.equal(undefined);
    expect(c.ask('b', 2, 5, 0)).to.equal(true);
  });
});

describe('a save attempt refused the commit (executor side)', () => {
  it('removes its attempt file and ends as commit-denied, a SYSTEM error the scheduler counts as no failure', async () => {
    const deleted: string[] = [];
    const fs = {
      delete: async (p: string): Promise<boolean> => {
        deleted.push(p);
        return true;
      },
    };
    const task = { tid: 57, stageId: 3, partition: 2, attempt: 1, inputs: Buffer.alloc(0) };
    const path = '/out/.x.spindle-app-1/_temporary/part-00002-a1-t57.txt';
    const err = await discardAttempt(fs as never, path, task).catch((e: unknown) => e);
    expect(deleted).to.deep.equal([path]);
    expect(err).to.be.instanceOf(CommitDeniedError);
    expect(errorInfo(err)).to.include({ kind: 'SYSTEM', name: COMMIT_DENIED });
    expect((err as Error).message).to.equal(
      "partition 2, attempt 2: another attempt commits this partition; this attempt's file is discarded",
    );
  });
});

describe('the task server at the end of a job', () => {
  it('cuts an executor that does not end its connection after the shutdown message (a straggler still running)', async function () {
    this.timeout(SHUTDOWN_GRACE_MS + 5000);
    const secret = randomBytes(32);
    const added: string[] = [];
    const scheduler = { addExecutor: (l: ExecutorLink) => added.push(l.id), removeExecutor: () => {} } as unknown as TaskScheduler;
    const server = new TaskServer(secret, { appId: 'application_1_0001', nameNodes: [], hdfsUser: 'alice' }, scheduler);
    const port = await server.listen(0, '127.0.0.1');
    // Half-open allowed: the executor's side stays open after the driver's end, as a busy process's does.
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    const { channel } = await connectToDriver(socket, secret, { executorId: '1', host: 'localhost', containerId: 'c1', cores: 1, pid: 1 });
    const got: Message[] = [];
    channel.listen(
      (m) => got.push(m),
      () => {},
    );
    while (added.length === 0) await new Promise((r) => setImmediate(r));
    // The executor reads the shutdown but, busy, never ends its side: close returns all the same.
    const closing = server.close('the job has finished');
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    await new Promise((resolve) => socket.once('end', resolve));
    expect(closed, 'close waits while the executor may still end the connection itself').to.equal(false);
    await closing;
    socket.destroy();
    expect(got).to.deep.equal([{ type: 'shutdown', reason: 'the job has finished' }]);
  });
});
