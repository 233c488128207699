import { expect } from 'chai';
import {
  decodeEventLog,
  EventLogWriter,
  SLOWEST_TASKS_KEPT,
  type EventBody,
  type EventLogSink,
  type LogEvent,
} from '../../protocols/event-log/index.js';

/** A sink keeping the file's text; `fail` makes the next writes reject (after writing `tear` bytes). */
class MemorySink implements EventLogSink {
  text = '';
  writes: { text: string; first: boolean }[] = [];
  fail = 0;
  tear = 0;
  /** While set, writes wait for it: an append in flight. */
  gate: Promise<void> | undefined;
  active = 0;
  maxActive = 0;
  async write(text: string, first: boolean): Promise<void> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.gate) await this.gate;
      if (this.fail > 0) {
        this.fail--;
        this.text += text.slice(0, this.tear);
        throw new Error('append refused');
      }
      this.writes.push({ text, first });
      this.text += text;
    } finally {
      this.active--;
    }
  }
  events(): LogEvent[] {
    return decodeEventLog(this.text).events;
  }
}

/** Timers that fire only when told. */
class ManualTimers {
  pending: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  set = (fn: () => void, ms: number): { cancel(): void } => {
    const t = { fn, ms, cancelled: false };
    this.pending.push(t);
    return { cancel: () => (t.cancelled = true) };
  };
  fire(): void {
    const due = this.pending.filter((t) => !t.cancelled);
    this.pending = [];
    for (const t of due) t.fn();
  }
  get armed(): number {
    return this.pending.filter((t) => !t.cancelled).length;
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function taskEvents(stageId: number, partition: number, durationMs: number, succeeded = true, attempt = 0): EventBody[] {
  return [
    { type: 'TaskStart', stageId, partition, attempt, executorId: String(1 + (partition % 3)), host: 'h' },
    {
      type: 'TaskEnd',
      stageId,
      partition,
      attempt,
      executorId: String(1 + (partition % 3)),
      host: 'h',
      succeeded,
      durationMs,
      ...(succeeded ? { metrics: { recordsOut: 2, bytesIn: 10 } } : { error: `Error: partition ${partition} failed` }),
    },
  ];
}

describe('event log writer', () => {
  it('writes nothing until a batch is full or the delay passes; the first batch creates, later ones append', async () => {
    const sink = new MemorySink();
    const timers = new ManualTimers();
    let now = 100;
    const w = new EventLogWriter(sink, { maxEvents: 3, maxDelayMs: 5000, setTimer: timers.set, now: () => now++ });
    w.record({ type: 'AppStart', appId: 'application_1_0001' });
    w.record({ type: 'ExecutorAdded', executorId: '1' });
    await tick();
    expect(sink.writes).to.have.length(0);
    expect(timers.armed).to.equal(1);
    expect(timers.pending[0]!.ms).to.equal(5000);
    w.record({ type: 'ExecutorAdded', executorId: '2' });
    await tick();
    expect(sink.writes.map((x) => x.first)).to.deep.equal([true]);
    expect(timers.armed).to.equal(0);
    w.record({ type: 'ExecutorRemoved', executorId: '2', reason: 'lost' });
    await tick();
    expect(sink.writes).to.have.length(1);
    timers.fire();
    await tick();
    expect(sink.writes.map((x) => x.first)).to.deep.equal([true, false]);
    expect(sink.events().map((e) => [e.type, e.time])).to.deep.equal([
      ['AppStart', 100],
      ['ExecutorAdded', 101],
      ['ExecutorAdded', 102],
      ['ExecutorRemoved', 103],
    ]);
  });

  it('has one append in flight at a time, and keeps the lines in order', async () => {
    const sink = new MemorySink();
    let open!: () => void;
    sink.gate = new Promise((r) => (open = r));
    const w = new EventLogWriter(sink, { maxEvents: 2, setTimer: new ManualTimers().set });
    for (let i = 0; i < 10; i++) w.record({ type: 'ExecutorAdded', executorId: String(i) });
    await tick();
    expect(sink.active).to.equal(1);
    open();
    sink.gate = undefined;
    await w.flush();
    expect(sink.maxActive).to.equal(1);
    expect(sink.events().map((e) => (e.type === 'ExecutorAdded' ? e.executorId : ''))).to.deep.equal(
      Array.from({ length: 10 }, (_, i) => String(i)),
    );
  });

  it('writes everything on close, the final event last, and nothing recorded after it', async () => {
    const sink = new MemorySink();
    const w = new EventLogWriter(sink, { setTimer: new ManualTimers().set });
    w.record({ type: 'AppStart', appId: 'application_1_0001' });
    w.record({ type: 'JobStart', jobId: 0, action: 'count', stageIds: [0] });
    w.record({ type: 'JobEnd', jobId: 0, succeeded: false, error: 'TaskFailedError: boom' });
    expect(await w.close({ type: 'AppEnd', state: 'FAILED', cause: 'boom' })).to.equal(true);
    w.record({ type: 'ExecutorAdded', executorId: '9' });
    await w.flush();
    const types = sink.events().map((e) => e.type);
    expect(types).to.deep.equal(['AppStart', 'JobStart', 'JobEnd', 'AppEnd']);
    expect(sink.events().at(-1)).to.include({ state: 'FAILED', cause: 'boom' });
  });

  it('keeps a batch whose append failed and writes it first next time, after a newline that ends a torn line', async () => {
    const sink = new MemorySink();
    const errors: [string, boolean][] = [];
    const w = new EventLogWriter(sink, {
      maxEvents: 2,
      setTimer: new ManualTimers().set,
      onError: (err, gaveUp) => errors.push([(err as Error).message, gaveUp]),
    });
    w.record({ type: 'ExecutorAdded', executorId: '1' });
    w.record({ type: 'ExecutorAdded', executorId: '2' });
    await w.flush();
    sink.fail = 1;
    sink.tear = 17; // the failed append left part of a line behind
    w.record({ type: 'ExecutorAdded', executorId: '3' });
    w.record({ type: 'ExecutorAdded', executorId: '4' });
    await tick();
    await tick();
    expect(errors).to.deep.equal([['append refused', false]]);
    w.record({ type: 'ExecutorAdded', executorId: '5' });
    expect(await w.close()).to.equal(true);
    const d = decodeEventLog(sink.text);
    expect(d.events.map((e) => (e.type === 'ExecutorAdded' ? e.executorId : ''))).to.deep.equal(['1', '2', '3', '4', '5']);
    expect(d.skipped).to.equal(1);
    expect(d.partialTail).to.equal(false);
  });

  it('gives up after repeated failures: the job goes on, nothing more is buffered, close resolves false', async () => {
    const sink = new MemorySink();
    sink.fail = 100;
    const errors: boolean[] = [];
    const w = new EventLogWriter(sink, {
      maxEvents: 1,
      maxConsecutiveFailures: 3,
      setTimer: new ManualTimers().set,
      onError: (_err, gaveUp) => errors.push(gaveUp),
    });
    for (let i = 0; i < 5; i++) {
      w.record({ type: 'ExecutorAdded', executorId: String(i) });
      await tick();
      await tick();
    }
    expect(errors).to.deep.equal([false, false, true]);
    expect(w.failed).to.equal(true);
    expect(await w.close({ type: 'AppEnd', state: 'SUCCEEDED' })).to.equal(false);
    expect(sink.text).to.equal('');
  });

  it('close tries a failed write once more and never rejects', async () => {
    const sink = new MemorySink();
    sink.fail = 1;
    const w = new EventLogWriter(sink, { setTimer: new ManualTimers().set, onError: () => {} });
    expect(await w.close({ type: 'AppEnd', state: 'KILLED' })).to.equal(true);
    expect(sink.events().map((e) => e.type)).to.deep.equal(['AppEnd']);
    const broken = new MemorySink();
    broken.fail = 10;
    const w2 = new EventLogWriter(broken, { setTimer: new ManualTimers().set, onError: () => {} });
    expect(await w2.close({ type: 'AppEnd', state: 'KILLED' })).to.equal(false);
  });

  it('fills in StageCompleted: task counts, duration quantiles, metric totals and the slowest tasks', async () => {
    const sink = new MemorySink();
    const w = new EventLogWriter(sink, { setTimer: new ManualTimers().set });
    w.record({ type: 'StageSubmitted', stageId: 4, description: 'map', numTasks: 10 });
    for (let p = 0; p < 10; p++) for (const e of taskEvents(4, p, (p + 1) * 10)) w.record(e);
    for (const e of taskEvents(4, 3, 5, false, 1)) w.record(e);
    w.record({ type: 'StageCompleted', stageId: 4, succeeded: true, completedTasks: 0, failedTasks: 0 });
    await w.close();
    const done = sink.events().find((e) => e.type === 'StageCompleted');
    expect(done).to.deep.include({
      completedTasks: 10,
      failedTasks: 1,
      durationQuantiles: [10, 30, 50, 80, 100],
      totals: { recordsOut: 20, bytesIn: 100 },
    });
    const slowest = done?.type === 'StageCompleted' ? done.slowestTasks : undefined;
    expect(slowest?.map((t) => t.partition)).to.deep.equal([9, 8, 7, 6, 5].slice(0, SLOWEST_TASKS_KEPT));
    expect(slowest?.[0]).to.deep.equal({ partition: 9, attempt: 0, executorId: '1', host: 'h', durationMs: 100 });
    expect(done).to.not.have.property('droppedTaskEvents');
  });

  it('bounds a stage of 100,000 tasks: capped task events, counts and quantiles still over every task', async () => {
    const sink = new MemorySink();
    const w = new EventLogWriter(sink, { maxTasksPerStage: 50, maxFailedTaskEventsPerStage: 5, setTimer: new ManualTimers().set });
    const n = 100_000;
    w.record({ type: 'StageSubmitted', stageId: 0, description: 'huge', numTasks: n });
    // Pipelined launches: many starts before the first ends, as the scheduler does.
    for (let p = 0; p < n; p += 100) {
      for (let q = p; q < p + 100; q++) w.record(taskEvents(0, q, 1 + (q % 1000))[0]!);
      for (let q = p; q < p + 100; q++) w.record(taskEvents(0, q, 1 + (q % 1000), q % 1000 !== 999)[1]!);
    }
    w.record({ type: 'StageCompleted', stageId: 0, succeeded: true, completedTasks: 0, failedTasks: 0 });
    await w.close();
    const events = sink.events();
    const starts = events.filter((e) => e.type === 'TaskStart');
    const ends = events.filter((e) => e.type === 'TaskEnd');
    expect(starts).to.have.length(50);
    // Every written start has its end; beyond them only the failed-end cap's few.
    const key = (e: LogEvent): string => (e.type === 'TaskStart' || e.type === 'TaskEnd' ? `${e.partition}:${e.attempt}` : '');
    const startKeys = new Set(starts.map(key));
    expect(ends.filter((e) => startKeys.has(key(e)))).to.have.length(50);
    expect(ends.filter((e) => !startKeys.has(key(e)) && e.type === 'TaskEnd' && !e.succeeded)).to.have.length(5);
    expect(events.length).to.be.below(120);
    expect(w.stats()).to.deep.include({ recorded: 2 * n + 2, written: events.length, bytes: Buffer.byteLength(sink.text) });
    expect(Buffer.byteLength(sink.text)).to.be.below(40_000);
    const done = events.find((e) => e.type === 'StageCompleted');
    const failed = n / 1000;
    expect(done).to.deep.include({ completedTasks: n - failed, failedTasks: failed, durationQuantiles: [1, 250, 500, 750, 999] });
    expect(done).to.deep.include({ droppedTaskEvents: 2 * n - 50 - 50 - 5 });
    expect(done?.type === 'StageCompleted' && done.slowestTasks?.map((t) => t.durationMs)).to.deep.equal([999, 999, 999, 999, 999]);
  });

  it('counts each run of a stage on its own', async () => {
    const sink = new MemorySink();
    const w = new EventLogWriter(sink, { setTimer: new ManualTimers().set });
    for (const run of [3, 1]) {
      w.record({ type: 'StageSubmitted', stageId: 2, description: 'shuffle 0 map side', numTasks: run });
      for (let p = 0; p < run; p++) for (const e of taskEvents(2, p, 5)) w.record(e);
      w.record({ type: 'StageCompleted', stageId: 2, succeeded: true, completedTasks: 0, failedTasks: 0 });
    }
    await w.close();
    const done = sink.events().filter((e) => e.type === 'StageCompleted');
    expect(done.map((e) => (e.type === 'StageCompleted' ? e.completedTasks : -1))).to.deep.equal([3, 1]);
  });
});
