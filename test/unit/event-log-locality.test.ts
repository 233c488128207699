import { expect } from 'chai';
import { formatHistory, formatStageTasks } from '../../client/cli/history-format.js';
import { cliWithoutCluster as cli } from './cli-in-process.js';
import {
  decodeEventLog,
  EventLogWriter,
  stageTasks,
  stamp,
  summarizeEvents,
  type EventBody,
  type TaskLocalityLevel,
} from '../../protocols/event-log/index.js';

const never = (): { cancel(): void } => ({ cancel: () => {} });

function start(stageId: number, partition: number, locality: TaskLocalityLevel): EventBody {
  return { type: 'TaskStart', stageId, partition, attempt: 0, executorId: '1', host: 'h1', locality };
}

function end(stageId: number, partition: number, locality: TaskLocalityLevel): EventBody {
  return { type: 'TaskEnd', stageId, partition, attempt: 0, executorId: '1', host: 'h1', locality, succeeded: true, durationMs: 3 };
}

describe('event log: task locality', () => {
  it('the writer counts every attempt’s level into StageCompleted, also those over the per-stage cap', async () => {
    let text = '';
    const w = new EventLogWriter({ write: async (t) => void (text += t) }, { maxTasksPerStage: 3, setTimer: never });
    w.record({ type: 'StageSubmitted', stageId: 0, description: 'text /in', numTasks: 10 });
    for (let p = 0; p < 10; p++) {
      const level: TaskLocalityLevel = p < 8 ? 'NODE_LOCAL' : 'ANY';
      w.record(start(0, p, level));
      w.record(end(0, p, level));
    }
    w.record({ type: 'StageCompleted', stageId: 0, succeeded: true, completedTasks: 0, failedTasks: 0 });
    await w.close();
    const { events } = decodeEventLog(text);
    expect(events.filter((e) => e.type === 'TaskStart')).to.have.length(3);
    const done = events.find((e) => e.type === 'StageCompleted');
    expect(done).to.deep.include({ locality: { NODE_LOCAL: 8, ANY: 2 } });
  });

  it('the summary adds up a stage’s runs, a running one from its task starts, and history prints a table', () => {
    const bodies: EventBody[] = [
      { type: 'AppStart', appId: 'application_9_0001' },
      { type: 'StageSubmitted', stageId: 0, description: 'text /in', numTasks: 3 },
      start(0, 0, 'NODE_LOCAL'),
      start(0, 1, 'NODE_LOCAL'),
      start(0, 2, 'ANY'),
      { type: 'StageCompleted', stageId: 0, succeeded: true, completedTasks: 3, failedTasks: 0, locality: { NODE_LOCAL: 2, ANY: 1 } },
      // Run again (map output lost): one task, still running.
      { type: 'StageSubmitted', stageId: 0, description: 'text /in', numTasks: 1 },
      start(0, 1, 'ANY'),
      { type: 'StageSubmitted', stageId: 1, description: 'reduce', numTasks: 1 },
      start(1, 0, 'NO_PREF'),
    ];
    const summary = summarizeEvents(bodies.map((b, i) => stamp(b, 1000 + i)));
    expect(summary.stages.map((s) => s.locality)).to.deep.equal([{ NODE_LOCAL: 2, ANY: 2 }, { NO_PREF: 1 }]);
    const text = formatHistory(summary, '/p');
    expect(text).to.include('Task locality');
    expect(text).to.match(/\n0 +0 +2 +0 +2\n/);
    expect(text).to.match(/\n1 +0 +0 +1 +0(\n|$)/);
  });

  it('a log without locality (an older driver) has none in its summary or text', () => {
    const summary = summarizeEvents(
      [
        { type: 'StageSubmitted', stageId: 0, description: 'x', numTasks: 1 },
        { type: 'TaskStart', stageId: 0, partition: 0, attempt: 0, executorId: '1' },
        { type: 'StageCompleted', stageId: 0, succeeded: true, completedTasks: 1, failedTasks: 0 },
      ].map((b, i) => stamp(b as EventBody, i)),
    );
    expect(summary.stages[0]).to.not.have.property('locality');
    expect(formatHistory(summary, '/p')).to.not.include('Task locality');
  });
});

describe('spindle history --stage: one stage’s task attempts', () => {
  const bodies: EventBody[] = [
    { type: 'StageSubmitted', stageId: 0, description: 'text /in', numTasks: 2 },
    start(0, 0, 'NODE_LOCAL'),
    start(0, 1, 'ANY'),
    { type: 'TaskStart', stageId: 0, partition: 1, attempt: 1, executorId: '2', host: 'h2', locality: 'NODE_LOCAL' },
    end(0, 0, 'NODE_LOCAL'),
    {
      type: 'TaskEnd',
      stageId: 0,
      partition: 1,
      attempt: 1,
      executorId: '2',
      host: 'h2',
      succeeded: false,
      durationMs: 4,
      error: 'Error: bad line\n  at x',
    },
    { type: 'TaskStart', stageId: 0, partition: 1, attempt: 2, executorId: '2', host: 'h2', locality: 'NODE_LOCAL' },
    end(0, 1, 'ANY'),
    { type: 'StageCompleted', stageId: 0, succeeded: true, completedTasks: 2, failedTasks: 1, droppedTaskEvents: 3 },
    { type: 'StageSubmitted', stageId: 1, description: 'other', numTasks: 1 },
  ];
  const events = bodies.map((b, i) => stamp(b, 100 + i));

  it('lists each attempt with its host, locality and end; one without an end when its run ended was cancelled', () => {
    const t = stageTasks(events, 0)!;
    expect(t.attempts.map((a) => `${a.partition}.${a.attempt} ${a.executorId}@${a.host} ${a.locality} ${a.status}`)).to.deep.equal([
      '0.0 1@h1 NODE_LOCAL succeeded',
      '1.0 1@h1 ANY succeeded',
      '1.1 2@h2 NODE_LOCAL failed',
      '1.2 2@h2 NODE_LOCAL cancelled',
    ]);
    expect(t.droppedTaskEvents).to.equal(3);
    expect(stageTasks(events, 7)).to.equal(undefined);
    const text = formatStageTasks(t);
    expect(text).to.match(/^stage 0 \(text \/in\): 4 task attempt\(s\) logged/);
    expect(text).to.match(/\n1 +2 +2 +h2 +NODE_LOCAL +failed +4ms +Error: bad line\n/);
    expect(text).to.include('3 task event(s) over the per-stage cap were not logged');
  });

  it('refuses a --stage that is not a number: exit 2, one line', async () => {
    const r = await cli('history', 'application_1_0001', '--stage', 'two');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^spindle: --stage: "two" is not a stage id/);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
  });
});
