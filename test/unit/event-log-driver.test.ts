/**
 * The driver's event log end to end in one process: a job on the real driver runtime, scheduler and
 * executors (job-local.ts), its events through the batching writer into memory, read back and
 * summarized as `spindle history` does.
 */
import { expect } from 'chai';
import { decodeEventLog, EventLogWriter, summarizeEvents, type EventLogSink, type LogEvent } from '../../protocols/event-log/index.js';
import { runLocalJob } from './job-local.js';

function memoryLog(): { writer: EventLogWriter; events: () => LogEvent[]; writes: () => number } {
  let text = '';
  let writes = 0;
  const sink: EventLogSink = {
    async write(t) {
      writes++;
      text += t;
    },
  };
  return { writer: new EventLogWriter(sink), events: () => decodeEventLog(text).events, writes: () => writes };
}

describe('event log of a job (driver runtime, local executors)', function () {
  this.timeout(30_000);

  it('records a word count: stages and task counts equal to the partitions it ran, executors, jobs, the end', async () => {
    const log = memoryLog();
    const job = await runLocalJob(
      `export default async (ctx) => {
        const words = ctx.parallelize('a b c a b a d e f a'.split(' '), 4);
        const counts = await words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, { partitions: 3 }).collect();
        return counts.length;
      };`,
      { eventLog: log.writer },
    );
    expect(job.error).to.equal(undefined);
    expect(job.result).to.equal(6);
    const events = log.events();
    expect(events[0]?.type).to.equal('AppStart');
    expect(events.at(-1)).to.deep.include({ type: 'AppEnd', state: 'SUCCEEDED' });
    const s = summarizeEvents(events);
    expect(s).to.deep.include({ appId: 'application_1_0001', state: 'SUCCEEDED', complete: true, user: 'alice' });
    expect(s.jobs).to.have.length(1);
    expect(s.jobs[0]).to.deep.include({ jobId: 0, action: 'collect', state: 'succeeded' });
    expect(s.stages.map((st) => [st.numTasks, st.completedTasks, st.failedTasks, st.state])).to.deep.equal([
      [4, 4, 0, 'succeeded'],
      [3, 3, 0, 'succeeded'],
    ]);
    expect(s.jobs[0]!.stageIds).to.deep.equal(s.stages.map((st) => st.id));
    expect(s.stages.every((st) => st.durationQuantiles?.length === 5 && st.durationMs !== undefined)).to.equal(true);
    expect(s.stages[1]!.totals?.recordsOut).to.equal(6);
    expect(events.filter((e) => e.type === 'TaskStart')).to.have.length(7);
    expect(events.filter((e) => e.type === 'TaskEnd')).to.have.length(7);
    expect(s.executors.map((x) => x.id).sort()).to.deep.equal(['1', '2']);
    expect(s.executors[0]).to.deep.include({ host: 'localhost', cores: 1 });
    // Nothing secret: the init message's secret is never recorded.
    expect(JSON.stringify(events)).to.not.match(/secret/i);
    // Batched: a small job is a few appends, not one per event.
    expect(log.writes()).to.be.below(events.length);
  });

  it("records a failing job completely: the failed attempts with their cause, the stage's and job's failure, then AppEnd FAILED", async () => {
    const log = memoryLog();
    const job = await runLocalJob(
      `export default async (ctx) => ctx.parallelize([1, 2, 3], 3).map((x) => {
        if (x === 2) throw new Error('bad record ' + x);
        return x;
      }).collect();`,
      { eventLog: log.writer, maxTaskAttempts: 2 },
    );
    expect(job.error?.message).to.match(/bad record 2/);
    const events = log.events();
    const last = events.at(-1);
    expect(last?.type).to.equal('AppEnd');
    expect(last).to.deep.include({ state: 'FAILED' });
    expect(last?.type === 'AppEnd' && last.cause).to.match(/bad record 2/);
    const s = summarizeEvents(events);
    expect(s.state).to.equal('FAILED');
    expect(s.failures.map((f) => [f.partition, f.attempt, f.error])).to.deep.equal([
      [1, 0, 'Error: bad record 2'],
      [1, 1, 'Error: bad record 2'],
    ]);
    expect(s.stages).to.have.length(1);
    expect(s.stages[0]).to.deep.include({ numTasks: 3, failedTasks: 2, state: 'failed' });
    expect(s.stages[0]!.error).to.match(/partition 1 of stage 0 .* failed 2 time\(s\)/);
    expect(s.jobs[0]).to.deep.include({ state: 'failed' });
    expect(s.jobs[0]!.error).to.match(/bad record 2/);
  });
});
