import { expect } from 'chai';
import { TaskScheduler, type SchedulerEvents, type TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import type { TaskStatus } from '../../protocols/driver-executor/index.js';
import { FakeClock } from './fake-clock.js';
import { FakeExecutor } from './fake-executor.js';

const status = (tid: number, succeeded: boolean): TaskStatus => ({
  tid,
  succeeded,
  result: null,
  error: succeeded ? null : { kind: 'USER', name: 'Error', message: 'bad record', stack: '' },
  records: succeeded ? 3 : 0,
  bytesRead: 100,
  bytesWritten: 0,
  durationUs: 2500,
});

const spec = (partitions: number, maxAttempts = 2): TaskSetSpec => ({
  stageId: 3,
  jobId: 1,
  description: 'count of range(4)',
  tasks: Array.from({ length: partitions }, (_, p) => ({ partition: p, hosts: [], inputs: Buffer.alloc(0) })),
  maxAttempts,
  payload: undefined,
});

/** What the scheduler tells its observer, as lines. */
function observe(): { events: SchedulerEvents; seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    events: {
      taskSetSubmitted: (s) => seen.push(`submitted ${s.stageId} job ${s.jobId} ${s.tasks.length} tasks`),
      taskStarted: (s, a) => seen.push(`start ${s.stageId}.${a.partition}.${a.attempt} on ${a.executorId}@${a.host}`),
      taskEnded: (s, a, ok, st, error) =>
        seen.push(
          `end ${s.stageId}.${a.partition}.${a.attempt} ${ok ? 'ok' : 'failed'} ${st ? `${st.durationUs / 1000}ms` : '-'}${error ? ` ${error}` : ''}`,
        ),
      taskSetEnded: (s, state, error) => seen.push(`ended ${s.stageId} ${state}${error ? ` (${error.message.split(';')[0]})` : ''}`),
    },
  };
}

const noop = { succeeded: () => {}, completed: () => {}, failed: () => {} };

describe('TaskScheduler events (the event log)', () => {
  it('tells a set, its attempts and their ends in order; a lost executor ends its attempts failed', () => {
    const { events, seen } = observe();
    const scheduler = new TaskScheduler({ localityWaitMs: 0, events }, new FakeClock());
    const a = new FakeExecutor('1', 'node1');
    const b = new FakeExecutor('2', 'node2');
    scheduler.addExecutor(a);
    scheduler.addExecutor(b);
    scheduler.submit(spec(3), noop);
    const [t0] = a.launched;
    const [t1] = b.launched;
    scheduler.statusUpdates('1', [status(t0!.tid, true)]);
    scheduler.removeExecutor('2');
    const rest = a.launched.slice(1);
    for (const t of rest) scheduler.statusUpdates('1', [status(t.tid, true)]);
    expect(seen[0]).to.equal('submitted 3 job 1 3 tasks');
    expect(seen).to.include(`end 3.${t1!.partition}.0 failed - ExecutorLost: executor 2 on node2 was lost`);
    expect(seen.at(-1)).to.equal('ended 3 succeeded');
    expect(seen.filter((l) => l.startsWith('end ') && l.includes(' ok '))).to.have.length(3);
    expect(seen.filter((l) => l.startsWith('start '))).to.have.length(4);
  });

  it('a task failing too often: its failed ends with the cause, then the set ends failed with the error', () => {
    const { events, seen } = observe();
    const scheduler = new TaskScheduler({ localityWaitMs: 0, events }, new FakeClock());
    const a = new FakeExecutor('1', 'node1');
    scheduler.addExecutor(a);
    scheduler.submit(spec(1, 2), noop);
    scheduler.statusUpdates('1', [status(a.launched[0]!.tid, false)]);
    scheduler.statusUpdates('1', [status(a.launched[1]!.tid, false)]);
    expect(seen).to.deep.equal([
      'submitted 3 job 1 1 tasks',
      'start 3.0.0 on 1@node1',
      'end 3.0.0 failed 2.5ms Error: bad record',
      'start 3.0.1 on 1@node1',
      'end 3.0.1 failed 2.5ms Error: bad record',
      'ended 3 failed (partition 0 of stage 3 (count of range(4)) failed 2 time(s))',
    ]);
  });

  it('a set with no tasks starts and ends at once; a cancelled one ends cancelled', () => {
    const { events, seen } = observe();
    const scheduler = new TaskScheduler({ localityWaitMs: 0, events }, new FakeClock());
    scheduler.submit(spec(0), noop);
    scheduler.submit(spec(2), noop).cancel();
    expect(seen).to.deep.equal(['submitted 3 job 1 0 tasks', 'ended 3 succeeded', 'submitted 3 job 1 2 tasks', 'ended 3 cancelled']);
  });
});
