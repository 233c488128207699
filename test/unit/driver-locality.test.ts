import { expect } from 'chai';
import { executorLocality } from '../../appmaster/driver/cache-tracker.js';
import { noteRacks } from '../../appmaster/driver/input-paths.js';
import { localityHints, localityWords, taskLocality, type StageLocalityHints } from '../../appmaster/driver/locality.js';
import { TaskScheduler, type AttemptInfo, type TaskSetListener, type TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import type { TaskStatus } from '../../protocols/driver-executor/index.js';
import type { DriverToAm } from '../../appmaster/driver/ipc.js';
import { FakeClock } from './fake-clock.js';
import { FakeFs } from './job-fake-fs.js';
import { runLocalJob } from './job-local.js';
import { FakeExecutor } from './fake-executor.js';

function taskSet(stageId: number, hosts: string[][]): TaskSetSpec {
  return {
    stageId,
    description: `stage ${stageId}`,
    tasks: hosts.map((h, p) => ({ partition: p, hosts: h, inputs: Buffer.alloc(0) })),
    maxAttempts: 4,
    payload: undefined,
  };
}

const quiet: TaskSetListener = { succeeded() {}, completed() {}, failed() {} };

function ok(tid: number): TaskStatus {
  return { tid, succeeded: true, result: null, error: null, records: 1, bytesRead: 0, bytesWritten: 0, durationUs: 1000 };
}

describe('task locality', () => {
  it('names the level from the preferred hosts and where the attempt went', () => {
    expect(taskLocality([], '1', ['h1'])).to.equal('NO_PREF');
    expect(taskLocality([executorLocality('1'), 'h2'], '1', ['h1'])).to.equal('PROCESS_LOCAL');
    expect(taskLocality(['h2', 'h1'], '1', ['node-1', 'h1'])).to.equal('NODE_LOCAL');
    expect(taskLocality(['h2', executorLocality('3')], '1', ['h1'])).to.equal('ANY');
  });

  it('counts the hosts the tasks prefer, leaving out executors’ own names', () => {
    const hints = localityHints([
      { tasks: [{ hosts: ['a', 'b'] }, { hosts: ['b', executorLocality('2')] }, { hosts: [] }] },
      { tasks: [{ hosts: [executorLocality('1')] }] },
    ]);
    expect(hints).to.deep.equal({ tasks: 2, hosts: { a: 1, b: 2 } });
  });

  it('reads racks from block topology paths, in host order', () => {
    const racks = new Map<string, string>();
    noteRacks({ hosts: ['10.0.0.5', '10.0.1.7'], topologyPaths: ['/dc1/rack7/10.0.0.5:9866', '/default-rack/10.0.1.7:9866'] }, racks);
    noteRacks({ hosts: ['10.0.0.9'] }, racks);
    expect(Object.fromEntries(racks)).to.deep.equal({ '10.0.0.5': '/dc1/rack7', '10.0.1.7': '/default-rack' });
  });

  it('words the counts for the driver log', () => {
    expect(localityWords({ NODE_LOCAL: 10, ANY: 2 })).to.equal('10 node-local, 2 elsewhere (not local)');
    expect(localityWords({})).to.equal('');
  });
});

describe('TaskScheduler locality reports', () => {
  it('records each attempt’s level, counts them per set, and tells observers', () => {
    const clock = new FakeClock();
    const started: AttemptInfo[] = [];
    const scheduler = new TaskScheduler({ localityWaitMs: 3000, events: { taskStarted: (_s, a) => started.push(a) } }, clock);
    const a = new FakeExecutor('1', 'hA');
    const b = new FakeExecutor('2', 'hB');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    // Three tasks on hA, one preferring nowhere: b takes the last at once, then an hA task after the wait.
    scheduler.submit(taskSet(3, [['hA'], ['hA'], ['hA'], []]), quiet);
    clock.advance(3000);
    const levels = started.map((s) => `${s.partition}:${s.executorId}:${s.locality}`).sort();
    expect(levels).to.deep.equal(['0:1:NODE_LOCAL', '1:1:NODE_LOCAL', '2:2:ANY', '3:2:NO_PREF']);
    const stage = scheduler.progress().find((p) => p.stageId === 3)!;
    expect(stage.locality).to.deep.equal({ NODE_LOCAL: 2, NO_PREF: 1, ANY: 1 });
  });

  it('holds tasks for an executor still starting on their host, up to the locality wait', () => {
    const clock = new FakeClock();
    const scheduler = new TaskScheduler({ localityWaitMs: 3000 }, clock);
    const far = new FakeExecutor('1', 'hB');
    scheduler.executorStarting('2', 'hA');
    scheduler.addExecutor(far);
    scheduler.submit(taskSet(4, [['hA'], ['hA']]), quiet);
    expect(far.launched, 'nothing for hB while the executor on hA starts').to.have.length(0);
    const near = new FakeExecutor('2', 'hA');
    clock.advance(500);
    scheduler.addExecutor(near);
    expect(near.launched.map((t) => t.partition)).to.deep.equal([0, 1]);
    expect(far.launched).to.have.length(0);
  });

  it('stops holding tasks for an executor that never registered', () => {
    const scheduler = new TaskScheduler({ localityWaitMs: 3000 }, new FakeClock());
    const far = new FakeExecutor('1', 'hB');
    scheduler.executorStarting('2', 'hA');
    scheduler.addExecutor(far);
    scheduler.submit(taskSet(4, [['hA']]), quiet);
    expect(far.launched).to.have.length(0);
    scheduler.executorNeverRegistered('2');
    expect(
      far.launched.map((t) => t.partition),
      'no executor on hA any more: no wait',
    ).to.deep.equal([0]);
  });

  it('reports the running sets’ hints when a set starts or ends, only when they change', () => {
    const reports: StageLocalityHints[] = [];
    const scheduler = new TaskScheduler({ localityWaitMs: 0, onLocalityHints: (h) => reports.push(h) }, new FakeClock());
    const e = new FakeExecutor('1', 'hA');
    scheduler.addExecutor(e);
    scheduler.submit(taskSet(1, [['hA', 'hB'], ['hB']]), quiet);
    expect(reports).to.deep.equal([{ tasks: 2, hosts: { hA: 1, hB: 2 } }]);
    // A set preferring nowhere changes nothing.
    scheduler.submit(taskSet(2, [[]]), quiet);
    expect(reports).to.have.length(1);
    for (const t of e.launched.filter((l) => l.stageId === 1)) scheduler.statusUpdates('1', [ok(t.tid)]);
    expect(reports.at(-1), 'the set ended').to.deep.equal({ tasks: 0, hosts: {} });
  });

  it('reports the first set even when it prefers nowhere (the AM waits for it)', () => {
    const reports: StageLocalityHints[] = [];
    const scheduler = new TaskScheduler({ onLocalityHints: (h) => reports.push(h) }, new FakeClock());
    scheduler.submit(taskSet(1, [[]]), quiet);
    expect(reports).to.deep.equal([{ tasks: 0, hosts: {} }]);
  });
});

describe('driver runtime: the first executor request and locality hints', () => {
  it('holds the first request until the first stage, and sends the hosts holding its input first', async () => {
    const fs = new FakeFs(64, ['dn1', 'dn2']);
    fs.put('/in/a.txt', `${'x'.repeat(63)}\n`.repeat(4));
    const messages: DriverToAm[] = [];
    const run = await runLocalJob(
      `export default async function main(ctx) { await new Promise((r) => setTimeout(r, 50)); return ctx.textFile('/in/a.txt').count(); }`,
      { fs, onAmMessage: (m) => messages.push(m) },
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.equal(4);
    const asks = messages.filter((m) => m.type === 'locality' || m.type === 'request-executors');
    expect(asks[0], 'the hints of the first stage first').to.deep.equal({
      type: 'locality',
      hints: { tasks: 4, hosts: { dn1: 2, dn2: 2 }, racks: {} },
    });
    expect(asks[1]).to.deep.equal({ type: 'request-executors', count: 2 });
  });
});
