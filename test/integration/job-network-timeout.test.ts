import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { awaitJob, openHarness, submitJob, type JobHarness } from './job-harness.js';
import { executorProcess, statusExecutors, whenProcessGone, whenStatus } from './fault-helpers.js';

/**
 * An executor that stops answering without its connection closing: SIGSTOP, as a hung process or a
 * host cut off behind a firewall looks to the driver (its kernel still answers TCP keepalives). The
 * driver hears no heartbeat for --network-timeout, takes it for lost, reruns its tasks elsewhere and
 * has the AM give its container back (YARN kills it) and ask for a replacement; the counts are exact.
 */
describe('job engine on the real cluster: an executor that stops answering', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-nettimeout-${randomBytes(4).toString('hex')}`;
  const input = `${base}/text.txt`;
  const lineOf = (i: number): string => `w${i % 997} v${i % 13} w${(i * 7) % 997}`;
  const LINES = 12_000;
  let stopped: number | undefined;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    await h.hdfs.create(input, Buffer.from(`${Array.from({ length: LINES }, (_, i) => lineOf(i)).join('\n')}\n`));
  });
  after(async () => {
    // Normally YARN killed it with its container; never leave a stopped process behind.
    if (stopped !== undefined && existsSync(`/proc/${stopped}`)) process.kill(stopped, 'SIGKILL');
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  it('takes an executor silent for the network timeout as lost, reruns its tasks, releases its container; exact counts', async () => {
    const appId = await submitJob(h, {
      source: `
const slow = (w) => { const end = performance.now() + 0.2; while (performance.now() < end); return w; };
export default async function main(ctx, [input]) {
  return ctx.textFile(input, { minPartitions: 12 }).flatMap((l) => l.split(' ')).map((w) => [slow(w), 1]).reduceByKey((a, b) => a + b, 3).collect();
}`,
      args: [input],
      networkTimeoutMs: 15_000,
    });
    const victim = await whenStatus(h, appId, 'an executor running a map task with 4+ map tasks to go', (s) => {
      const stage = s.job?.stages.find((g) => g.state === 'running' && g.description.startsWith('shuffle 0 map side'));
      if (!stage || stage.succeeded > stage.tasks - 4) return undefined;
      return statusExecutors(s).find((e) => e.running > 0)?.id;
    });
    const found = executorProcess(appId, victim);
    expect(found, `the process of executor ${victim}`).to.not.equal(undefined);
    stopped = found!.pid;
    process.kill(stopped, 'SIGSTOP');
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const expected = new Map<string, number>();
    for (let i = 0; i < LINES; i++) for (const w of lineOf(i).split(' ')) expected.set(w, (expected.get(w) ?? 0) + 1);
    expect(new Map(run.result as [string, number][])).to.deep.equal(expected);
    expect(run.result, 'no key counted twice').to.have.length(expected.size);
    expect(run.stderr).to.match(new RegExp(`executor ${victim} disconnected: nothing heard from it for \\d+ s \\(network timeout 15 s\\)`));
    expect(run.stderr).to.match(new RegExp(`releasing executor ${victim} \\(container_`));
    // Nothing is left behind: the stopped process goes with its container (the NodeManager kills it
    // asynchronously, so it may outlive the job's end by a moment).
    expect(await whenProcessGone(stopped), 'the stopped executor process is gone within 30 s').to.equal(true);
  });
});
