import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { awaitJob, openHarness, submitJob, type JobHarness } from './job-harness.js';
import { executorProcess, statusExecutors, whenStatus } from './fault-helpers.js';

/**
 * An executor SIGKILLed from outside (as YARN preemption or the OOM killer would) in the middle of
 * a word count, at moments chosen from the job's own progress: after it finished map tasks while
 * the map stage still runs, and in the reduce stage after some reducers fetched its map output and
 * before the others did. The counts must be exact, and the driver's log must show the recovery
 * each moment calls for.
 */
describe('job engine on the real cluster: executors lost with their map output', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-exloss-${randomBytes(4).toString('hex')}`;
  const input = `${base}/text.txt`;
  const words = ['alpha', 'beta', 'gamma', 'été', '日本', 'z'];
  const lineOf = (i: number): string => `${words[i % 6]} ${words[(i * 7) % 3]} w${i % 1500} ${words[i % 2]}`;
  const LINES = 16_000;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    const lines = Array.from({ length: LINES }, (_, i) => lineOf(i));
    await h.hdfs.create(input, Buffer.from(`${lines.join('\n')}\n`));
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  const expectedCounts = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (let i = 0; i < LINES; i++) for (const w of lineOf(i).split(' ')) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  };

  /** SIGKILLs executor `id` of `appId` by pid (a process of this cluster's container only). */
  const kill = (appId: string, id: string): void => {
    const found = executorProcess(appId, id);
    expect(found, `the process of executor ${id}`).to.not.equal(undefined);
    process.kill(found!.pid, 'SIGKILL');
  };

  it('reruns the map tasks of an executor killed after finishing some, before the map stage ends; exact counts', async () => {
    // 16 map tasks of about 4,000 words at 0.1 ms each: the map stage lasts seconds.
    const appId = await submitJob(h, {
      source: `
const slow = (w) => { const end = performance.now() + 0.1; while (performance.now() < end); return w; };
export default async function main(ctx, [input]) {
  const counts = ctx.textFile(input, { minPartitions: 16 }).flatMap((l) => l.split(' ')).map((w) => [slow(w), 1]).reduceByKey((a, b) => a + b, 4);
  return counts.collect();
}`,
      args: [input],
      maxExecutorFailures: 3,
    });
    // 6 tasks to go: the status is up to 0.5 s old, and the stage must still run when the kill lands.
    const victim = await whenStatus(h, appId, 'an executor holding map output while the map stage has 6+ tasks to go', (s) => {
      const stage = s.job?.stages.find((g) => g.state === 'running' && g.description.startsWith('shuffle 0 map side'));
      if (!stage || stage.succeeded > stage.tasks - 6) return undefined;
      return statusExecutors(s).find((e) => e.mapOutputs > 0)?.id;
    });
    kill(appId, victim);
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(new Map(run.result as [string, number][])).to.deep.equal(expectedCounts());
    expect(run.result).to.have.length(expectedCounts().size);
    expect(run.stderr).to.match(new RegExp(`executor ${victim} disconnected`));
    expect(run.stderr).to.match(new RegExp(`[1-9]\\d* map output\\(s\\) on executor ${victim} are lost`));
    // The map stage itself reran them (its progress says so) and the reduce stage never missed them.
    expect(run.stderr).to.match(
      /stage 0 \(shuffle 0 map side[^\n]*: 16\/16 tasks done, 0 running, [1-9]\d* rerun \(output lost with an executor\) \[succeeded\]/,
    );
    expect(run.stderr).to.not.match(/fetching map output failed|is missing/);
  });

  it('recomputes only lost map output when an executor is killed after some reducers fetched it and others did not; exact counts', async () => {
    // 12 reducers of about 125 keys at 10 ms each: the reduce stage lasts seconds, the map stage not.
    const appId = await submitJob(h, {
      source: `
const slow = (n) => { const end = performance.now() + 10; while (performance.now() < end); return n; };
export default async function main(ctx, [input]) {
  const counts = ctx.textFile(input, { minPartitions: 4 }).flatMap((l) => l.split(' ')).map((w) => [w, 1]).reduceByKey((a, b) => a + b, 12);
  return counts.mapValues(slow).collect();
}`,
      args: [input],
      maxExecutorFailures: 3,
    });
    // Reducers that finished have fetched every map output; at least 6 of 12 have not started (and
    // in the 0.5 s the status may be late, each executor starts one more at most).
    const victim = await whenStatus(h, appId, 'a reduce stage with 2 to 4 of 12 tasks done', (s) => {
      const stage = s.job?.stages.find((g) => g.state === 'running' && g.description.startsWith('collect'));
      if (!stage || stage.succeeded < 2 || stage.succeeded > 4) return undefined;
      const holders = statusExecutors(s).filter((e) => e.mapOutputs > 0);
      return holders.sort((a, b) => b.mapOutputs - a.mapOutputs)[0]?.id;
    });
    kill(appId, victim);
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(new Map(run.result as [string, number][])).to.deep.equal(expectedCounts());
    expect(run.result, 'no key counted twice').to.have.length(expectedCounts().size);
    const lost = new RegExp(`([1-9]\\d*) map output\\(s\\) on executor ${victim} are lost`).exec(run.stderr);
    expect(lost, run.stderr).to.not.equal(null);
    // The reducers left could not fetch from the dead executor: the map stage reran exactly the
    // lost partitions (its second task set has that many tasks), then the reduce stage the rest.
    expect(run.stderr).to.match(new RegExp(`fetching map output failed \\(${victim}\\)`));
    expect(run.stderr).to.match(
      new RegExp(`stage 0 \\(shuffle 0 map side[^\\n]*: ${lost![1]}/${lost![1]} tasks done[^\\n]*\\[succeeded\\]`),
    );
    const reduceDone = [...run.stderr.matchAll(/stage 1 \(collect[^\n]*: (\d+)\/(\d+) tasks done[^\n]*\[succeeded\]/g)];
    expect(reduceDone, run.stderr).to.have.length(1);
    // Some reducers had finished (not rerun), at least the one that failed to fetch ran again.
    expect(Number(reduceDone[0]![2])).to.be.within(1, 10);
  });
});
