import { expect } from 'chai';
import { AccumulatorRegistry, accumulatorsLine, SHOWN_ELEMENTS } from '../../appmaster/driver/accumulators.js';
import { JobContext } from '../../appmaster/driver/context.js';
import { Engine } from '../../appmaster/driver/engine.js';
import { AccumulatorError, JobDefinitionError } from '../../appmaster/driver/errors.js';
import { TaskScheduler, type ExecutorLink, type TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import { ExecutorAccumulator, TaskAccumulators } from '../../executor/accumulators.js';
import {
  decodePreamble,
  decodeValue,
  encodeMessage,
  encodePreamble,
  encodeValue,
  FrameDecoder,
  PROTOCOL_VERSION,
  type AccumulatorUpdate,
  type TaskLaunch,
  type TaskStatus,
} from '../../protocols/driver-executor/index.js';

/**
 * Accumulators: the driver's registry (creation checks, merging, what the status page shows), the
 * executor's per-task partial values, the updates on the wire, and the engine merging them only for
 * the success the scheduler accepts, once per partition.
 */

const update = (id: number, value: unknown): AccumulatorUpdate => ({ id, value: encodeValue(value, 'test') });

describe('accumulators: the driver registry', () => {
  it('sums numbers from the initial value, one task update at a time, and counts the updates', () => {
    const r = new AccumulatorRegistry();
    const n = r.create('bad records', 10, undefined, null);
    r.merge([update(n.id, 3)], 'task a');
    r.merge([update(n.id, 4.5)], 'task b');
    r.merge([], 'task c');
    r.merge(undefined, 'task d');
    expect(n.value).to.equal(17.5);
    expect(r.snapshot()).to.deep.equal([{ id: n.id, name: 'bad records', value: 17.5, updates: 2 }]);
  });

  it('combines other values with the merge function, and adds on the driver directly', () => {
    const r = new AccumulatorRegistry();
    const keys = r.create('keys', new Set(['a']), (a: Set<string>, b: Set<string>) => new Set([...a, ...b]), null);
    const max = r.create('max', -Infinity, Math.max, null);
    r.merge([update(keys.id, new Set(['b', 'c'])), update(max.id, 7)], 'task a');
    r.merge([update(keys.id, new Set(['c', 'd'])), update(max.id, 3)], 'task b');
    keys.add(new Set(['z']));
    max.add(5);
    expect([...keys.value].sort()).to.deep.equal(['a', 'b', 'c', 'd', 'z']);
    expect(max.value).to.equal(7);
    const sum = r.create('sum', 1, undefined, null);
    sum.add(2);
    expect(sum.value).to.equal(3);
  });

  it('gives each accumulator its own id, and the handle a small marker for closures', () => {
    const r = new AccumulatorRegistry();
    const a = r.create('a', 0, undefined, null);
    const b = r.create('b', [], (x: number[], y: number[]) => [...x, ...y], {
      ref: { source: '(x, y) => [...x, ...y]', builtin: null, env: null },
      broadcasts: [4],
    });
    expect(a.id).to.not.equal(b.id);
    expect(a.marker).to.deep.equal({ '\u0000spindle': 'accumulator', id: a.id, name: 'a', merge: null });
    expect(b.marker).to.deep.include({ id: b.id, name: 'b', merge: { source: '(x, y) => [...x, ...y]', builtin: null, env: null } });
    expect(b.broadcasts).to.deep.equal([4]);
    expect(encodeValue(a.marker, 'marker').length).to.be.lessThan(80);
  });

  it('refuses a bad name, a summing accumulator of a non-number, and a merge that is not a function', () => {
    const r = new AccumulatorRegistry();
    expect(() => r.create('', 0, undefined, null)).to.throw(JobDefinitionError, 'the name must be a non-empty string');
    expect(() => r.create(7, 0, undefined, null)).to.throw(JobDefinitionError, 'got number 7');
    expect(() => r.create('n', '0', undefined, null)).to.throw(
      JobDefinitionError,
      'accumulator "n": the initial value of a summing accumulator must be a finite number (got the string "0"); for other values give a merge function',
    );
    expect(() => r.create('n', Number.NaN, undefined, null)).to.throw(JobDefinitionError, 'must be a finite number (got number NaN)');
    expect(() => r.create('n', new Set(), 'union', null)).to.throw(
      JobDefinitionError,
      'accumulator "n": the merge function must be a function (a, b) => combined value (got the string "union")',
    );
  });

  it('refuses initial values structured clone cannot copy faithfully, saying what they are and what works', () => {
    const r = new AccumulatorRegistry();
    class Counter {
      n = 0;
      inc(): void {
        this.n++;
      }
    }
    const merge = (a: unknown) => a;
    expect(() => r.create('c', new Counter(), merge, null)).to.throw(
      JobDefinitionError,
      'accumulator "c": the initial value is an instance of Counter, which would arrive as a plain object without its methods',
    );
    expect(() => r.create('c', () => 0, merge, null)).to.throw(JobDefinitionError, 'the initial value is a function');
    expect(() => r.create('c', { f: Symbol('x') }, merge, null)).to.throw(
      JobDefinitionError,
      /the initial value cannot be copied \(.*Symbol.*\)\. Accumulator values travel between tasks and the driver as structured-clone copies: use numbers/,
    );
    // What does copy is fine.
    for (const ok of [new Map([[1, 2]]), [1, 'a'], { a: new Date(0) }, 10n, new Uint8Array(2), Object.create(null)]) {
      expect(() => r.create('ok', ok, merge, null)).to.not.throw();
    }
  });

  it('fails the merge with an AccumulatorError naming the accumulator and the task', () => {
    const r = new AccumulatorRegistry();
    const bad = r.create(
      'bad',
      0,
      (a: number) => {
        if (a >= 0) throw new Error('boom');
        return a;
      },
      null,
    );
    expect(() => r.merge([update(bad.id, 1)], 'partition 3 of stage 1')).to.throw(
      AccumulatorError,
      'accumulator "bad": its merge function threw while merging the update of partition 3 of stage 1: boom',
    );
    const n = r.create('n', 0, undefined, null);
    expect(() => r.merge([update(n.id, 'x')], 'partition 0 of stage 2')).to.throw(
      AccumulatorError,
      'reported the string "x", not a finite number',
    );
    expect(() => r.merge([update(99, 1)], 'partition 0 of stage 2')).to.throw(
      AccumulatorError,
      'accumulator 99, which this driver never created',
    );
    expect(n.value).to.equal(0);
  });

  it('shows values as JSON in the status document (cut short when large) and in one progress line', () => {
    const r = new AccumulatorRegistry();
    const union = (a: unknown) => a;
    r.create('bad records', 3, undefined, null);
    r.create('keys', new Set(['a', 'b']), union, null);
    r.create('by day', new Map([['mon', 1]]), union, null);
    r.create('big', 2n ** 70n, union, null);
    r.create(
      'many',
      Array.from({ length: 500 }, (_, i) => i),
      union,
      null,
    );
    const snap = r.snapshot();
    expect(snap.map((s) => s.value).slice(0, 4)).to.deep.equal([3, ['a', 'b'], [['mon', 1]], '1180591620717411303424']);
    expect((snap[4]!.value as number[]).length).to.equal(SHOWN_ELEMENTS);
    expect(snap[4]!.truncated).to.equal(true);
    expect(snap[0]!.truncated).to.equal(undefined);
    expect(JSON.parse(JSON.stringify(snap))).to.deep.equal(snap);
    const line = accumulatorsLine(snap)!;
    expect(line).to.match(
      /^accumulators: bad records = 3, keys = \["a","b"\], by day = \[\["mon",1\]\], big = 1180591620717411303424, many = \[0,1,2/,
    );
    expect(line).to.match(/many = \[[\d,]+\.\.\.$/);
    expect(accumulatorsLine([])).to.equal(undefined);
  });
});

describe('accumulators: a task on an executor', () => {
  it('adds only inside a task, to that task, and refuses to read the value', async () => {
    const n = new ExecutorAccumulator(1, 'n', undefined);
    expect(() => n.add(1)).to.throw('accumulator "n": add() was called outside a task');
    expect(() => n.value).to.throw('accumulator "n": its value can be read only in the driver (in main, after an action)');
    const a = new TaskAccumulators();
    const b = new TaskAccumulators();
    // Two tasks at once (as in-process executors run them): each adder call goes to its own task.
    await Promise.all([
      a.run(async () => {
        n.add(1);
        await new Promise((r) => setImmediate(r));
        n.add(2);
      }),
      b.run(async () => {
        n.add(10);
        await new Promise((r) => setImmediate(r));
      }),
    ]);
    expect(a.finish().map((u) => [u.id, decodeValue(u.value)])).to.deep.equal([[1, 3]]);
    expect(b.finish().map((u) => [u.id, decodeValue(u.value)])).to.deep.equal([[1, 10]]);
  });

  it('refuses a non-number for a summing accumulator, naming it', async () => {
    const n = new ExecutorAccumulator(1, 'bad records', undefined);
    const t = new TaskAccumulators();
    await t.run(async () => {
      expect(() => n.add('1' as never)).to.throw(
        TypeError,
        'accumulator "bad records": add() takes a finite number for a summing accumulator (got the string "1")',
      );
      expect(() => n.add(undefined as never)).to.throw(TypeError, '(got undefined)');
    });
    expect(t.finish()).to.deep.equal([]);
  });

  it('combines with the merge function from a copy of the first value, so the caller’s object never changes', async () => {
    const union = (x: unknown, y: unknown): unknown => {
      for (const v of y as Set<string>) (x as Set<string>).add(v);
      return x;
    };
    const keys = new ExecutorAccumulator(2, 'keys', union);
    const first = new Set(['a']);
    const t = new TaskAccumulators();
    await t.run(async () => {
      keys.add(first);
      keys.add(new Set(['b']));
    });
    expect([...first]).to.deep.equal(['a']);
    expect(t.finish().map((u) => [...(decodeValue(u.value) as Set<string>)])).to.deep.equal([['a', 'b']]);
    const t2 = new TaskAccumulators();
    await t2.run(async () => {
      expect(() => keys.add({ f: () => 1 })).to.throw(
        TypeError,
        'accumulator "keys": add() got a value that cannot be copied to the driver',
      );
      keys.add(new Set(['c']));
    });
    expect(t2.finish().map((u) => [...(decodeValue(u.value) as Set<string>)])).to.deep.equal([['c']]);
  });

  it('fails the task when a merged value cannot be sent, and takes no updates after the task ended', async () => {
    const anything = new ExecutorAccumulator(3, 'odd', (_a, b) => b);
    const t = new TaskAccumulators();
    await t.run(async () => {
      anything.add(1);
      anything.add(Symbol('s') as never);
    });
    expect(() => t.finish()).to.throw(/the value of accumulator "odd" cannot be sent between driver and executors/);
    const n = new ExecutorAccumulator(4, 'n', undefined);
    const done = new TaskAccumulators();
    let later: () => void = () => {};
    await done.run(async () => {
      n.add(1);
      later = () => n.add(100);
    });
    const updates = done.finish();
    await done.run(async () => later());
    expect(updates.map((u) => decodeValue(u.value))).to.deep.equal([1]);
    expect(done.finish().map((u) => decodeValue(u.value))).to.deep.equal([1]);
  });
});

describe('accumulators: updates on the wire (protocol 4)', () => {
  const base = { result: null, error: null, records: 0, bytesRead: 0, bytesWritten: 0, durationUs: 1 };

  it('carries a successful task’s updates in its status, and none when the field is left out', () => {
    const updates = [update(1, 42), update(7, new Set(['x']))];
    const bytes = Buffer.concat([
      encodeMessage({ type: 'status', updates: [{ tid: 5, succeeded: true, ...base, accumulators: updates }] }),
      encodeMessage({ type: 'status', updates: [{ tid: 6, succeeded: false, ...base }] }),
    ]);
    const decoder = new FrameDecoder();
    const got: TaskStatus[] = [];
    for (const b of bytes) for (const m of decoder.push(Buffer.from([b]))) if (m.type === 'status') got.push(...m.updates);
    expect(got.map((s) => s.tid)).to.deep.equal([5, 6]);
    expect(got[0]!.accumulators!.map((u) => [u.id, decodeValue(u.value)])).to.deep.equal([
      [1, 42],
      [7, new Set(['x'])],
    ]);
    expect(got[1]!.accumulators).to.deep.equal([]);
  });

  it('came with version 4 of the protocol; the preamble announces the current one, 6 (executor figures)', () => {
    expect(PROTOCOL_VERSION).to.equal(6);
    expect(decodePreamble(encodePreamble())).to.equal(6);
  });
});

/** An executor the test answers for: the tasks launched on it, in order. */
class FakeExecutor implements ExecutorLink {
  readonly hostAliases = ['h1'];
  readonly host = 'h1';
  readonly cores = 4;
  readonly launched: { spec: TaskSetSpec; task: TaskLaunch }[] = [];
  constructor(readonly id: string) {}
  launch(spec: TaskSetSpec, tasks: TaskLaunch[]): void {
    for (const task of tasks) this.launched.push({ spec, task });
  }
  cancel(): void {}
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('accumulators: merged by the engine once per accepted success', () => {
  it('drops the updates of failed attempts and of reports the scheduler does not accept', async () => {
    const scheduler = new TaskScheduler({ localityWaitMs: 0 });
    const engine = new Engine({ scheduler, maxTaskAttempts: 3 });
    const ctx = new JobContext({ engine, fs: {} as never, appId: 'application_1_0001', user: 'u', defaultParallelism: 2, log: () => {} });
    const bad = ctx.accumulator('bad', 0);
    const seen = ctx.accumulator('seen', [] as number[], (a, b) => [...a, ...b]);
    const e = new FakeExecutor('1');
    scheduler.addExecutor(e);
    const counting = ctx.range(4, 2).count();
    await settle();
    const status = (task: TaskLaunch, succeeded: boolean, n: number): TaskStatus => ({
      tid: task.tid,
      succeeded,
      result: succeeded ? encodeValue(2, 'count') : null,
      error: succeeded ? null : { kind: 'USER', name: 'Error', message: 'bad record', stack: '' },
      records: 2,
      bytesRead: 0,
      bytesWritten: 0,
      durationUs: 10,
      // A failed attempt that reports updates anyway (executors send none) must not count either.
      accumulators: [update(bad.id, n), update(seen.id, [task.partition * 100 + task.attempt])],
    });
    const [p0, p1] = e.launched.map((l) => l.task);
    expect([p0!.partition, p1!.partition]).to.deep.equal([0, 1]);
    scheduler.statusUpdates('1', [status(p0!, false, 5), status(p1!, true, 1)]);
    await settle();
    const retry = e.launched[2]!.task;
    expect([retry.partition, retry.attempt]).to.deep.equal([0, 1]);
    scheduler.statusUpdates('1', [status(retry, true, 2)]);
    // A second report for an attempt already accepted (a duplicate) is ignored.
    scheduler.statusUpdates('1', [status(retry, true, 50), status(p1!, true, 50)]);
    expect(await counting).to.equal(4);
    expect(bad.value).to.equal(3);
    expect([...seen.value].sort((x, y) => x - y)).to.deep.equal([1, 100]);
    expect(engine.accumulators.snapshot().map((s) => s.updates)).to.deep.equal([2, 2]);
  });

  it('fails the action when the merge function throws in the driver', async () => {
    const scheduler = new TaskScheduler({ localityWaitMs: 0 });
    const engine = new Engine({ scheduler, maxTaskAttempts: 1 });
    const ctx = new JobContext({ engine, fs: {} as never, appId: 'application_1_0001', user: 'u', defaultParallelism: 1, log: () => {} });
    const picky = ctx.accumulator('picky', 0, (a: number, b: number) => {
      if (b > 1) throw new RangeError('too big');
      return a + b;
    });
    const e = new FakeExecutor('1');
    scheduler.addExecutor(e);
    const counting = ctx.range(1, 1).count();
    await settle();
    const task = e.launched[0]!.task;
    scheduler.statusUpdates('1', [
      {
        tid: task.tid,
        succeeded: true,
        result: encodeValue(1, 'count'),
        error: null,
        records: 1,
        bytesRead: 0,
        bytesWritten: 0,
        durationUs: 1,
        accumulators: [update(picky.id, 2)],
      },
    ]);
    let error: unknown;
    await counting.catch((err: unknown) => {
      error = err;
    });
    expect(error).to.be.instanceOf(AccumulatorError);
    expect((error as Error).message).to.equal(
      'accumulator "picky": its merge function threw while merging the update of partition 0 of stage 0: too big',
    );
  });
});
