import { expect } from 'chai';
import { awaitJob, submitJob } from '../integration/job-harness.js';
import { SLOW_WORDCOUNT, compose, expectExactCounts, inputFixture, mapOutputVictim, workerAt } from './compose-helpers.js';

/**
 * A whole host lost in the middle of a shuffle: `docker kill` of a worker container (its DataNode,
 * its NodeManager and the executors in it), one the AM does not run on. The driver loses the
 * executor, the RM reports its containers lost with the node, and the input's blocks have a second
 * replica elsewhere. The counts must be exact.
 */
describe('[compose] a worker host killed mid-job', function () {
  this.timeout(600_000);
  const fixture = inputFixture('hostloss');

  it('reruns what the lost host held and completes with exact counts', async () => {
    const appId = await submitJob(fixture.h, {
      source: SLOW_WORDCOUNT,
      args: [fixture.input],
      executors: 4,
      maxExecutorFailures: 8,
      networkTimeoutMs: 15_000,
    });
    const victim = await mapOutputVictim(fixture.h, appId);
    const killed = workerAt(victim.host);
    fixture.restore(() => compose('start', `worker${killed}`));
    await compose('kill', `worker${killed}`);

    const run = await awaitJob(fixture.h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expectExactCounts(run.result);
    expect(run.stderr).to.match(new RegExp(`executor ${victim.id} disconnected`));
    expect(run.stderr).to.match(new RegExp(`[1-9]\\d* map output\\(s\\) on executor ${victim.id} are lost`));
  });
});
