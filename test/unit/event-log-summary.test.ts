import { expect } from 'chai';
import { AlreadyExistsError, ConfigError, NotFoundError } from '../../protocols/errors/index.js';
import {
  encodeEvents,
  hdfsEventLogSink,
  stamp,
  summarizeEvents,
  type EventBody,
  type EventLogFs,
  type LogEvent,
} from '../../protocols/event-log/index.js';
import { listEventLogs, readHistory, type HistoryFs } from '../../client/history.js';
import { formatHistory, formatHistoryList } from '../../client/cli/history-format.js';
import type { FileStatus } from '../../protocols/webhdfs/index.js';

function log(bodies: EventBody[], start = 1_000): LogEvent[] {
  return bodies.map((b, i) => stamp(b, start + i * 100));
}

const stageDone = (stageId: number, extra: Partial<Extract<EventBody, { type: 'StageCompleted' }>> = {}): EventBody => ({
  type: 'StageCompleted',
  stageId,
  succeeded: true,
  completedTasks: 0,
  failedTasks: 0,
  ...extra,
});

const task = (stageId: number, partition: number, succeeded = true, attempt = 0, error?: string): EventBody => ({
  type: 'TaskEnd',
  stageId,
  partition,
  attempt,
  executorId: '2',
  host: 'node2',
  succeeded,
  durationMs: 10,
  ...(error ? { error } : {}),
});

/** A job with a map stage that ran twice (an executor lost its output), a task that failed once, and a lost executor. */
const events = log([
  { type: 'AppStart', appId: 'application_7_0003', user: 'alice', attempt: 1, options: { executors: 2 } },
  { type: 'ExecutorAdded', executorId: '1', host: 'node1', containerId: 'container_7_0003_01_000002', cores: 1 },
  { type: 'ExecutorAdded', executorId: '2', host: 'node2', containerId: 'container_7_0003_01_000003', cores: 1 },
  { type: 'JobStart', jobId: 0, action: 'collect', description: 'collect of textFile /in → map', stageIds: [0, 1] },
  { type: 'StageSubmitted', stageId: 0, jobId: 0, description: 'shuffle 0 map side: textFile /in', numTasks: 4 },
  task(0, 0),
  task(0, 1),
  task(0, 2, false, 0, 'Error: bad line'),
  task(0, 2, true, 1),
  task(0, 3),
  stageDone(0, {
    completedTasks: 4,
    failedTasks: 1,
    durationQuantiles: [1, 2, 3, 4, 50],
    slowestTasks: [{ partition: 3, attempt: 0, executorId: '1', durationMs: 50 }],
  }),
  { type: 'ExecutorRemoved', executorId: '1', reason: 'disconnected: connection closed' },
  { type: 'ExecutorRemoved', executorId: '1', reason: 'container container_7_0003_01_000002 exceeded its memory limit' },
  { type: 'ExecutorRemoved', executorId: '1', reason: 'disconnected: connection closed' },
  { type: 'StageSubmitted', stageId: 1, jobId: 0, description: 'collect of shuffle 0', numTasks: 2 },
  task(1, 0, false, 0, 'FetchFailedError: map output lost'),
  stageDone(1, { succeeded: false, failedTasks: 1, error: 'could not fetch map output' }),
  { type: 'StageSubmitted', stageId: 0, jobId: 0, description: 'shuffle 0 map side: textFile /in', numTasks: 2 },
  task(0, 0),
  task(0, 3),
  stageDone(0, { completedTasks: 2, slowestTasks: [{ partition: 0, attempt: 0, executorId: '2', durationMs: 70 }] }),
  { type: 'StageSubmitted', stageId: 1, jobId: 0, description: 'collect of shuffle 0', numTasks: 2 },
  task(1, 0),
  task(1, 1),
  stageDone(1, { completedTasks: 2 }),
  { type: 'JobEnd', jobId: 0, succeeded: true },
  { type: 'AppEnd', state: 'SUCCEEDED' },
]);

describe('event log summary', () => {
  it('folds a log into the application, its jobs, stages (runs merged), executors and failures', () => {
    const s = summarizeEvents(events);
    expect(s).to.deep.include({ appId: 'application_7_0003', state: 'SUCCEEDED', complete: true, user: 'alice', attempt: 1 });
    expect(s.startTime).to.equal(1_000);
    expect(s.durationMs).to.equal((events.length - 1) * 100);
    expect(s.jobs).to.deep.equal([
      {
        jobId: 0,
        action: 'collect',
        description: 'collect of textFile /in → map',
        stageIds: [0, 1],
        state: 'succeeded',
        startTime: 1_300,
        endTime: events.at(-2)!.time,
        durationMs: events.at(-2)!.time - 1_300,
      },
    ]);
    const [map, result] = s.stages;
    expect(map).to.deep.include({ id: 0, jobId: 0, numTasks: 4, completedTasks: 6, failedTasks: 1, attempts: 2, state: 'succeeded' });
    expect(map!.durationMs).to.equal(events[20]!.time - events[4]!.time);
    expect(result).to.deep.include({ id: 1, numTasks: 2, completedTasks: 2, failedTasks: 1, attempts: 2, state: 'succeeded' });
    expect(result).to.not.have.property('error');
    expect(s.failures.map((f) => [f.stageId, f.partition, f.attempt, f.error])).to.deep.equal([
      [0, 2, 0, 'Error: bad line'],
      [1, 0, 0, 'FetchFailedError: map output lost'],
    ]);
    expect(s.executors).to.have.length(2);
    expect(s.executors[0]).to.deep.include({
      id: '1',
      host: 'node1',
      removedReasons: ['disconnected: connection closed', 'container container_7_0003_01_000002 exceeded its memory limit'],
    });
    expect(s.executors[1]).to.not.have.property('removedTime');
    expect(s.slowestTasks.map((t) => [t.stageId, t.partition, t.durationMs])).to.deep.equal([[0, 0, 70]]);
  });

  it('reads a log still being written: RUNNING, task counts from the task ends so far', () => {
    const s = summarizeEvents(events.slice(0, 8));
    expect(s).to.deep.include({ state: 'RUNNING', complete: false });
    expect(s.stages[0]).to.deep.include({ numTasks: 4, completedTasks: 2, failedTasks: 1, state: 'running' });
    expect(s.stages[0]).to.not.have.property('durationMs');
    expect(s.jobs[0]).to.deep.include({ state: 'running' });
  });

  it('a killed application ends KILLED with its cause; a later attempt appending to the log runs again', () => {
    const killed = [...events.slice(0, 8), stamp({ type: 'AppEnd', state: 'KILLED', cause: 'SIGTERM' }, 9_000)];
    expect(summarizeEvents(killed)).to.deep.include({ state: 'KILLED', cause: 'SIGTERM', complete: true });
    const again = [...killed, stamp({ type: 'AppStart', appId: 'application_7_0003', attempt: 2 }, 9_500)];
    const s = summarizeEvents(again);
    expect(s).to.deep.include({ state: 'RUNNING', complete: false, attempt: 2, startTime: 1_000 });
    expect(s).to.not.have.property('cause');
  });

  it('an empty log names the application it was read for', () => {
    expect(summarizeEvents([], 'application_1_0009')).to.deep.include({ appId: 'application_1_0009', state: 'RUNNING', events: 0 });
  });

  it('prints stages with durations and quantiles, the slowest tasks, failures with causes and executors lost', () => {
    const text = formatHistory(summarizeEvents(events), '/user/alice/.spindle/history/application_7_0003');
    expect(text).to.match(/^application_7_0003 {2}SUCCEEDED {2}\(user alice, attempt 1\)/);
    expect(text).to.include('Stages (2)');
    // Quantiles of the stage's last run, as the web UI shows them: that run's StageCompleted gives none
    // here, so they come from its own task ends (two of 10 ms), not from the first run's.
    expect(text).to.match(/\n0 +0 +succeeded \(2 runs\) +6\/4 +1 +1\.6s +10ms \/ 10ms \/ 10ms \/ 10ms \/ 10ms/);
    expect(text).to.include('Slowest tasks');
    expect(text).to.include('stage 0 partition 2 attempt 1 on executor 2 (node2): Error: bad line');
    expect(text).to.include('exceeded its memory limit');
    const failed = formatHistory(
      summarizeEvents([...events.slice(0, 17), stamp({ type: 'AppEnd', state: 'FAILED', cause: 'the job failed: boom' }, 9_000)]),
      'p',
    );
    expect(failed).to.include('Cause: the job failed: boom');
    expect(failed).to.include('stage 1 failed: could not fetch map output');
  });
});

describe('event log on HDFS (sink and reader)', () => {
  class FakeLogFs implements EventLogFs, HistoryFs {
    files = new Map<string, string>();
    dirs = new Set<string>();
    calls: string[] = [];
    async mkdirs(path: string): Promise<void> {
      this.calls.push(`mkdirs ${path}`);
      this.dirs.add(path);
    }
    async create(path: string, body: Uint8Array, options?: { overwrite?: boolean; permission?: number | string }): Promise<void> {
      this.calls.push(`create ${path} ${options?.permission}`);
      if (this.files.has(path) && !options?.overwrite) throw new AlreadyExistsError(`${path} exists`);
      this.files.set(path, Buffer.from(body).toString());
    }
    async append(path: string, body: Uint8Array): Promise<void> {
      this.calls.push(`append ${path}`);
      if (!this.files.has(path)) throw new NotFoundError(`${path}: not found`);
      this.files.set(path, this.files.get(path)! + Buffer.from(body).toString());
    }
    async open(path: string, options?: { offset?: number }): Promise<AsyncIterable<Buffer>> {
      const text = this.files.get(path);
      if (text === undefined) throw new NotFoundError(`OPEN ${path}: not found`);
      const bytes = Buffer.from(text).subarray(options?.offset ?? 0);
      return (async function* () {
        yield bytes;
      })();
    }
    async listStatus(dir: string): Promise<FileStatus[]> {
      if (!this.dirs.has(dir)) throw new NotFoundError(`${dir}: not found`);
      return [...this.files.entries()]
        .filter(([p]) => p.startsWith(`${dir}/`))
        .map(
          ([p, text], i) =>
            ({ path: p, name: p.slice(dir.length + 1), type: 'file', length: Buffer.byteLength(text), modificationTime: i }) as FileStatus,
        );
    }
  }

  const path = '/user/alice/.spindle/history/application_7_0003';

  it('creates the log (private to the user and group), then appends; an existing log (an earlier attempt) is appended to', async () => {
    const fs = new FakeLogFs();
    const sink = hdfsEventLogSink(fs, path);
    await sink.write('a\n', true);
    await sink.write('b\n', false);
    expect(fs.calls).to.deep.equal(['mkdirs /user/alice/.spindle/history', `create ${path} 640`, `append ${path}`]);
    const again = hdfsEventLogSink(fs, path);
    await again.write('c\n', true);
    expect(fs.files.get(path)).to.equal('a\nb\n\nc\n');
  });

  it('reads a log back into its summary, and says clearly when there is none', async () => {
    const fs = new FakeLogFs();
    fs.dirs.add('/user/alice/.spindle/history');
    fs.files.set(path, encodeEvents(events));
    const r = await readHistory(fs, 'alice', 'application_7_0003');
    expect(r.path).to.equal(path);
    expect(r.summary.stages).to.have.length(2);
    let err: unknown;
    try {
      await readHistory(fs, 'alice', 'application_7_0004', 'logs');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/^no event log for application_7_0004 at \/user\/alice\/logs\/application_7_0004: /);
  });

  it('lists the logs of a directory with their final state from each tail', async () => {
    const fs = new FakeLogFs();
    fs.dirs.add('/user/alice/.spindle/history');
    fs.files.set(path, encodeEvents(events));
    fs.files.set('/user/alice/.spindle/history/application_7_0004', encodeEvents(events.slice(0, 5)));
    fs.files.set('/user/alice/.spindle/history/notes.txt', 'x');
    const { logs } = await listEventLogs(fs, 'alice');
    expect(logs.map((l) => [l.appId, l.state])).to.deep.equal([
      ['application_7_0004', 'RUNNING'],
      ['application_7_0003', 'SUCCEEDED'],
    ]);
    expect(formatHistoryList(logs).split('\n')[0]).to.match(/^APPLICATION +STATE +STARTED +ENDED +LOG SIZE$/);
    expect((await listEventLogs(fs, 'bob')).logs).to.deep.equal([]);
  });
});
