import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { statusExecutors, whenStatus } from '../integration/fault-helpers.js';
import { amContainer, awaitJob, openHarness, submitJob, type JobHarness } from '../integration/job-harness.js';
import { SLOW_WORDCOUNT, compose, expectExactCounts, inputText, workerAt } from './compose-helpers.js';

/**
 * A worker host cut off from the network in the middle of a shuffle (`docker network disconnect`):
 * its executors keep running but nothing they send arrives, and no connection is closed. The driver
 * must notice by the silence (network timeout, 10 s here), compute the lost map output again
 * elsewhere, and finish with exact counts.
 */
describe('[compose] a worker host cut off from the network mid-job', function () {
  this.timeout(600_000);
  let h: JobHarness;
  let cut: number | undefined;
  const base = `/tmp/spindle-it-netcut-${randomBytes(4).toString('hex')}`;
  const input = `${base}/text.txt`;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    await h.hdfs.create(input, inputText(), { blockSize: 64 * 1024 });
  });
  after(async () => {
    if (cut !== undefined) await compose('heal', `worker${cut}`);
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  it('takes the silent executor for lost after the network timeout and completes with exact counts', async () => {
    const appId = await submitJob(h, {
      source: SLOW_WORDCOUNT,
      args: [input],
      executors: 4,
      maxExecutorFailures: 8,
      networkTimeoutMs: 10_000,
    });
    await whenStatus(h, appId, 'the AM running', (s) => (s.state === 'running' ? true : undefined));
    const amHost = new URL((await amContainer(h, appId)).nodeHttp).hostname;
    const victim = await whenStatus(h, appId, 'map output on a host other than the AM’s while the map stage runs', (s) => {
      const stage = s.job?.stages.find((g) => g.state === 'running' && g.description.startsWith('shuffle 0 map side'));
      if (!stage || stage.succeeded > stage.tasks - 6) return undefined;
      return statusExecutors(s).find((e) => e.mapOutputs > 0 && e.host !== amHost);
    });
    cut = workerAt(victim.host);
    await compose('cut', `worker${cut}`);

    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expectExactCounts(run.result);
    expect(run.stderr).to.match(
      new RegExp(`executor ${victim.id} disconnected: nothing heard from it for \\d+ s \\(network timeout 10 s\\)`),
    );
    expect(run.stderr).to.match(new RegExp(`[1-9]\\d* map output\\(s\\) on executor ${victim.id} are lost`));
  });
});
