import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { killApp } from '../../client/index.js';
import { decodeEventLog, eventLogPath, type LogEvent } from '../../protocols/event-log/index.js';
import { spindle } from './cli-helpers.js';
import { awaitJob, openHarness, readText, runJob, submitJob, type JobHarness } from './job-harness.js';

/**
 * The event log on the real cluster (issue #20): a word count's log, read back with `spindle
 * history --json`, has as many tasks per stage as the partitions the job ran; a failing job's log
 * ends with its failure; a killed one's with the kill; the log is readable while the job runs.
 */
describe('event log and spindle history on the real cluster', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-history-${randomBytes(4).toString('hex')}`;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(`${base}/in`);
    // Three small files of one block each: three input partitions (minPartitions 1 splits no file).
    for (let i = 0; i < 3; i++)
      await h.hdfs.create(`${base}/in/part-${i}.txt`, Buffer.from('the quick brown fox\njumps over the lazy dog\n'.repeat(50)));
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  async function readLog(appId: string): Promise<LogEvent[]> {
    return decodeEventLog(await readText(h.hdfs, eventLogPath(h.user, appId))).events;
  }

  it('a word count: spindle history --json reports per stage as many tasks as the partitions the job ran', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx, [input, output]) {
  const words = ctx.textFile(input, { minPartitions: 1 }).flatMap((l) => l.split(' '));
  const counts = words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, { partitions: 2 });
  await counts.saveAsTextFile(output);
  return 'done';
}`,
      args: [`${base}/in`, `${base}/out`],
    });
    expect(run.report.finalStatus).to.equal('SUCCEEDED');
    const cli = await spindle(['history', run.appId, '--json']);
    expect(cli.code, cli.stderr).to.equal(0);
    const s = JSON.parse(cli.stdout) as {
      appId: string;
      state: string;
      complete: boolean;
      jobs: { jobId: number; state: string; stageIds: number[] }[];
      stages: {
        id: number;
        numTasks: number;
        completedTasks: number;
        failedTasks: number;
        durationMs: number;
        state: string;
        totals?: Record<string, number>;
      }[];
      executors: { id: string; host: string }[];
    };
    expect(s).to.deep.include({ appId: run.appId, state: 'SUCCEEDED', complete: true });
    expect(s.jobs).to.have.length(1);
    expect(s.jobs[0]).to.deep.include({ state: 'succeeded' });
    // The map side over the 3 input files, then the 2 reduce partitions.
    expect(s.stages.map((st) => [st.numTasks, st.completedTasks, st.failedTasks, st.state])).to.deep.equal([
      [3, 3, 0, 'succeeded'],
      [2, 2, 0, 'succeeded'],
    ]);
    expect(s.jobs[0]!.stageIds).to.deep.equal(s.stages.map((st) => st.id));
    expect(s.stages.every((st) => st.durationMs >= 0)).to.equal(true);
    // Task metrics measured by the executors (item 4): the reducers fetched exactly what the maps wrote.
    const [map, reduce] = s.stages.map((st) => st.totals ?? {});
    expect(map!.shuffleBytesWritten, 'map stage shuffle bytes written').to.be.greaterThan(0);
    expect(reduce!.shuffleBytesRead, 'reduce stage shuffle bytes read').to.equal(map!.shuffleBytesWritten);
    // 3 files of 50 copies of 2 lines (44 bytes) of 9 words, 8 distinct: lines in, a pair per word out.
    expect(map).to.deep.include({ recordsIn: 300, recordsOut: 1350, bytesIn: 3 * 2200 });
    expect(reduce).to.deep.include({ recordsIn: 8, recordsOut: 8 });
    expect(reduce!.bytesOut, 'bytes of the saved output').to.be.greaterThan(0);
    for (const t of [map!, reduce!]) {
      expect(t.cpuMs, 'CPU time').to.be.greaterThan(0);
      expect(t.peakHeapBytes, 'peak heap').to.be.greaterThan(0);
      expect(t.gcMs, 'GC time').to.be.at.least(0);
    }
    expect(s.executors.length).to.be.at.least(1);
    const text = await spindle(['history', run.appId]);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(new RegExp(`^${run.appId} {2}SUCCEEDED`));
    expect(text.stdout).to.match(/\n\d+ +\d+ +succeeded +3\/3 +0 /);
    expect(text.stdout).to.match(/Stage metrics/);
    expect(text.stdout).to.match(/SHUFFLE READ +FETCH WAIT +SHUFFLE WRITE +SPILL +CPU +GC +PEAK HEAP/);
    const list = await spindle(['history', '--list']);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout).to.match(new RegExp(`${run.appId} +SUCCEEDED`));
  });

  it('an executor with 2 cores runs tasks on worker threads: each task reports its own metrics', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  return ctx.range(4, 4).map((x) => { let s = 0; for (let i = 0; i < 1e7 * (x + 1); i++) s = (s + i) % 1000003; return s; }).count();
}`,
      executors: 1,
      executorCores: 2,
    });
    expect(run.report.finalStatus).to.equal('SUCCEEDED');
    const ends = (await readLog(run.appId)).filter((e) => e.type === 'TaskEnd');
    expect(ends.map((e) => e.type === 'TaskEnd' && e.partition).sort()).to.deep.equal([0, 1, 2, 3]);
    for (const e of ends) {
      if (e.type !== 'TaskEnd') continue;
      expect(e.metrics, `partition ${e.partition}`).to.deep.include({ recordsIn: 1, recordsOut: 1, shuffleBytesWritten: 0 });
      expect(e.metrics!.cpuMs, `partition ${e.partition} CPU`).to.be.greaterThan(0);
      expect(e.metrics!.peakHeapBytes, `partition ${e.partition} heap`).to.be.greaterThan(0);
      // Linux containers: CPU read per thread (/proc/thread-self/schedstat), so tasks side by side are apart.
      expect(e.metrics!.cpuProcessWide, `partition ${e.partition}`).to.equal(undefined);
    }
  });

  it("a failing job's log is complete: its failed attempts with the cause, then AppEnd FAILED", async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  return ctx.range(100, 4).map((x) => { if (x === 42) throw new Error('bad record ' + x); return x; }).count();
}`,
      maxTaskAttempts: 2,
    });
    expect(run.report.finalStatus).to.equal('FAILED');
    const events = await readLog(run.appId);
    const last = events.at(-1);
    expect(last?.type).to.equal('AppEnd');
    expect(last).to.deep.include({ state: 'FAILED' });
    expect(last?.type === 'AppEnd' && last.cause).to.match(/bad record 42/);
    const failed = events.filter((e) => e.type === 'TaskEnd' && !e.succeeded);
    expect(failed).to.have.length(2);
    const cli = await spindle(['history', run.appId]);
    expect(cli.code, cli.stderr).to.equal(0);
    expect(cli.stdout).to.match(/FAILED/);
    expect(cli.stdout).to.match(/partition 1 attempt 2 on executor \S+ \(.*\): Error: bad record 42/);
  });

  it('is readable while the job runs, and a killed job ends KILLED', async () => {
    const appId = await submitJob(h, {
      source: `
export default async function main(ctx) {
  return ctx.range(2, 2).map((x) => { const end = Date.now() + 120000; while (Date.now() < end); return x; }).count();
}`,
    });
    // The first batch goes out within the writer's delay (5 s) of the first event.
    const path = eventLogPath(h.user, appId);
    let running: LogEvent[] = [];
    // Until the first batch is in and its file closed (the NameNode counts a block's bytes once it is
    // complete): no append is in flight then, and the tasks run for minutes, so none follows before the kill.
    for (let i = 0; i < 120 && !running.some((e) => e.type === 'TaskStart'); i++) {
      await sleep(500);
      const closed = await h.hdfs.getFileStatus(path).then(
        (st) => st.length > 0,
        () => false,
      );
      if (closed) running = await readLog(appId);
    }
    expect(running.map((e) => e.type)).to.include.members(['AppStart', 'ExecutorAdded', 'JobStart', 'StageSubmitted', 'TaskStart']);
    // Executors are recorded before the tasks launched on them.
    expect(running.findIndex((e) => e.type === 'ExecutorAdded')).to.be.below(running.findIndex((e) => e.type === 'TaskStart'));
    expect(running.some((e) => e.type === 'AppEnd')).to.equal(false);
    await killApp({ rm: h.rm, hdfs: h.hdfs, user: h.user }, appId);
    const ended = await awaitJob(h, appId);
    expect(ended.report.state).to.equal('KILLED');
    // The driver's last append starts at its SIGTERM, and the NodeManager's SIGKILL follows 250 ms later:
    // on a loaded machine the append may not reach the DataNode by then (about 1 kill in 5 here), and when
    // it does, the DataNode may close the file after YARN says KILLED. So: the log ends with AppEnd KILLED
    // once the DataNode is done, or has no end at all, and then spindle history takes the RM's word.
    let events: LogEvent[] = [];
    for (let i = 0; i < 20 && events.at(-1)?.type !== 'AppEnd'; i++) {
      if (i > 0) await sleep(250);
      events = decodeEventLog(await readText(h.hdfs, path)).events;
    }
    const ends = events.filter((e) => e.type === 'AppEnd');
    expect(ends.length, 'AppEnd records').to.be.at.most(1);
    if (ends.length === 1) expect(events.at(-1)).to.deep.include({ type: 'AppEnd', state: 'KILLED' });
    const cli = await spindle(['history', appId, '--json']);
    expect(cli.code, cli.stderr).to.equal(0);
    const s = JSON.parse(cli.stdout) as { state: string; complete: boolean; logIncomplete?: boolean };
    expect(s).to.deep.include({ appId, state: 'KILLED', complete: ends.length === 1 });
    if (ends.length === 0) expect(s.logIncomplete).to.equal(true);
  });
});
