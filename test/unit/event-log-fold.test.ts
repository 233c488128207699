import { expect } from 'chai';
import { AppFold, stageTasks, stamp, summarizeEvents, type EventBody, type LogEvent } from '../../protocols/event-log/index.js';
import { UiModel } from '../../protocols/web-ui/index.js';

/**
 * The one fold (protocols/event-log/fold.ts) under `spindle history`, `--stage` and the web UI: the
 * three views agree, and a stage that runs again keeps each run's attempts apart.
 */

function log(bodies: EventBody[]): LogEvent[] {
  return bodies.map((b, i) => stamp(b, 10_000 + i * 100));
}

const start = (stageId: number, partition: number, attempt = 0, executorId = '1'): EventBody => ({
  type: 'TaskStart',
  stageId,
  partition,
  attempt,
  executorId,
  host: `node${executorId}`,
  locality: 'NODE_LOCAL',
});
const end = (stageId: number, partition: number, succeeded = true, attempt = 0, executorId = '1'): EventBody => ({
  type: 'TaskEnd',
  stageId,
  partition,
  attempt,
  executorId,
  host: `node${executorId}`,
  succeeded,
  durationMs: 10 + partition,
  ...(succeeded ? {} : { error: 'FetchFailedError: gone' }),
});

/** Stage 0 runs twice: its second run repeats partition 1 attempt 0, which the first run left running. */
const EVENTS = log([
  { type: 'AppStart', appId: 'application_9_0001', user: 'alice' },
  { type: 'ExecutorAdded', executorId: '1', host: 'node1', containerId: 'c1', cores: 1 },
  { type: 'ExecutorAdded', executorId: '2', host: 'node2', containerId: 'c2', cores: 1 },
  { type: 'StageSubmitted', stageId: 0, description: 'map side', numTasks: 3 },
  start(0, 0),
  start(0, 1, 0, '2'),
  start(0, 2),
  end(0, 0),
  end(0, 2, false),
  // The first run is given up with partition 1 still running (live: counts zero, as the driver records them).
  { type: 'StageCompleted', stageId: 0, succeeded: false, error: 'executor 2 lost', completedTasks: 0, failedTasks: 0 },
  { type: 'StageSubmitted', stageId: 0, description: 'map side', numTasks: 2 },
  start(0, 1),
  start(0, 2),
  end(0, 1),
  end(0, 2),
  { type: 'StageCompleted', stageId: 0, succeeded: true, completedTasks: 0, failedTasks: 0 },
  { type: 'AppEnd', state: 'SUCCEEDED' },
]);

describe('the one fold of an application’s events', () => {
  it('keeps each run’s attempts apart: the first run’s running attempt is cancelled, the second run’s own row follows', () => {
    const t = stageTasks(EVENTS, 0)!;
    expect(t.attempts.map((a) => [a.run, a.partition, a.attempt, a.executorId, a.status])).to.deep.equal([
      [1, 0, 0, '1', 'succeeded'],
      [1, 1, 0, '2', 'cancelled'],
      [1, 2, 0, '1', 'failed'],
      [2, 1, 0, '1', 'succeeded'],
      [2, 2, 0, '1', 'succeeded'],
    ]);
  });

  it('gives spindle history, --stage and the web UI the same counts, locality and executor tallies', () => {
    const summary = summarizeEvents(EVENTS);
    const ui = new UiModel('application_9_0001');
    ui.apply(EVENTS);
    const doc = ui.document({ source: 'history' });
    const h = summary.stages[0]!;
    const u = doc.stages[0]!;
    expect([h.completedTasks, h.failedTasks, h.attempts]).to.deep.equal([3, 1, 2]);
    expect([u.completedTasks, u.failedTasks, u.attempts, u.runningTasks]).to.deep.equal([3, 1, 2, 0]);
    expect(u.tasks.filter((r) => r.status === 'succeeded')).to.have.length(h.completedTasks);
    expect(h.locality).to.deep.equal({ NODE_LOCAL: 5 });
    expect(h.durationQuantiles).to.deep.equal(u.durationQuantiles).and.deep.equal([11, 11, 11, 12, 12]);
    expect(doc.executors.map((x) => [x.id, x.tasksSucceeded, x.tasksFailed, x.tasksRunning])).to.deep.equal([
      ['1', 3, 1, 0],
      ['2', 0, 0, 0],
    ]);
    expect(summary.failures.map((f) => [f.stageId, f.partition, f.error])).to.deep.equal([[0, 2, 'FetchFailedError: gone']]);
  });

  it('takes the log writer’s counts over every task when its task events were capped', () => {
    // As the writer leaves it: the first attempts' events only, the stage's counts over all of them.
    const capped = log([
      { type: 'StageSubmitted', stageId: 3, description: 'wide', numTasks: 5000 },
      start(3, 0),
      end(3, 0),
      { type: 'StageCompleted', stageId: 3, succeeded: true, completedTasks: 5000, failedTasks: 2, droppedTaskEvents: 9998 },
    ]);
    const fold = new AppFold('application_9_0002').apply(capped);
    expect(AppFold.counts(fold.stages.get(3)!)).to.deep.equal({ completed: 5000, failed: 2 });
    expect(fold.stages.get(3)!.tasksNotShown).to.equal(9998);
    expect(summarizeEvents(capped).stages[0]).to.deep.include({ completedTasks: 5000, failedTasks: 2, droppedTaskEvents: 9998 });
  });
});
