import { expect } from 'chai';
import { awaitJob, submitJob } from '../integration/job-harness.js';
import { SLOW_WORDCOUNT, compose, expectExactCounts, inputFixture, mapOutputVictim, workerAt } from './compose-helpers.js';

/**
 * A worker host cut off from the network in the middle of a shuffle (`docker network disconnect`):
 * its executors keep running but nothing they send arrives, and no connection is closed. The driver
 * must notice by the silence (network timeout, 10 s here), compute the lost map output again
 * elsewhere, and finish with exact counts.
 */
describe('[compose] a worker host cut off from the network mid-job', function () {
  this.timeout(600_000);
  const fixture = inputFixture('netcut');

  it('takes the silent executor for lost after the network timeout and completes with exact counts', async () => {
    const appId = await submitJob(fixture.h, {
      source: SLOW_WORDCOUNT,
      args: [fixture.input],
      executors: 4,
      maxExecutorFailures: 8,
      networkTimeoutMs: 10_000,
    });
    const victim = await mapOutputVictim(fixture.h, appId);
    const cut = workerAt(victim.host);
    fixture.restore(() => compose('heal', `worker${cut}`));
    await compose('cut', `worker${cut}`);

    const run = await awaitJob(fixture.h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expectExactCounts(run.result);
    expect(run.stderr).to.match(
      new RegExp(`executor ${victim.id} disconnected: nothing heard from it for \\d+ s \\(network timeout 10 s\\)`),
    );
    expect(run.stderr).to.match(new RegExp(`[1-9]\\d* map output\\(s\\) on executor ${victim.id} are lost`));
  });
});
