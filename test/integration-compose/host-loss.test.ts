import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { statusExecutors, whenStatus } from '../integration/fault-helpers.js';
import { amContainer, awaitJob, openHarness, submitJob, type JobHarness } from '../integration/job-harness.js';
import { SLOW_WORDCOUNT, compose, expectExactCounts, inputText, workerAt } from './compose-helpers.js';

/**
 * A whole host lost in the middle of a shuffle: `docker kill` of a worker container (its DataNode,
 * its NodeManager and the executors in it), one the AM does not run on. The driver loses the
 * executor, the RM reports its containers lost with the node, and the input's blocks have a second
 * replica elsewhere. The counts must be exact.
 */
describe('[compose] a worker host killed mid-job', function () {
  this.timeout(600_000);
  let h: JobHarness;
  let killed: number | undefined;
  const base = `/tmp/spindle-it-hostloss-${randomBytes(4).toString('hex')}`;
  const input = `${base}/text.txt`;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    await h.hdfs.create(input, inputText(), { blockSize: 64 * 1024 });
  });
  after(async () => {
    if (killed !== undefined) await compose('start', `worker${killed}`);
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  it('reruns what the lost host held and completes with exact counts', async () => {
    const appId = await submitJob(h, {
      source: SLOW_WORDCOUNT,
      args: [input],
      executors: 4,
      maxExecutorFailures: 8,
      networkTimeoutMs: 15_000,
    });
    await whenStatus(h, appId, 'the AM running', (s) => (s.state === 'running' ? true : undefined));
    const amHost = new URL((await amContainer(h, appId)).nodeHttp).hostname;
    // An executor on another host holds map output, and the map stage has 6+ tasks to go.
    const victim = await whenStatus(h, appId, 'map output on a host other than the AM’s while the map stage runs', (s) => {
      const stage = s.job?.stages.find((g) => g.state === 'running' && g.description.startsWith('shuffle 0 map side'));
      if (!stage || stage.succeeded > stage.tasks - 6) return undefined;
      return statusExecutors(s).find((e) => e.mapOutputs > 0 && e.host !== amHost);
    });
    killed = workerAt(victim.host);
    await compose('kill', `worker${killed}`);

    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expectExactCounts(run.result);
    expect(run.stderr).to.match(new RegExp(`executor ${victim.id} disconnected`));
    expect(run.stderr).to.match(new RegExp(`[1-9]\\d* map output\\(s\\) on executor ${victim.id} are lost`));
  });
});
