import { expect } from 'chai';
import { spindle } from '../integration/cli-helpers.js';
import { containerLog } from '../integration/job-harness.js';
import { activeResourceManager, killDaemon, resourceManagerState, resourceManagers, waitFor } from './ha-cluster.js';
import { expectedResult, failoverFixture, startJob } from './ha-job.js';

/**
 * The active ResourceManager SIGKILLed while a job runs (its map tasks wait for the test, so the kill
 * lands mid-job): the standby wins the ZooKeeper election and recovers the application from the
 * ZooKeeper state store; the AM fails over to it and registers again (the same attempt carries on);
 * `spindle submit`, following the job, follows it there and prints the exact result; `spindle status`,
 * `list` and `logs` answer through the new active RM.
 */
describe('HA: the active ResourceManager killed mid-job', function () {
  this.timeout(300_000);
  const fixture = failoverFixture('rm');
  const { janitor, base, killed } = fixture;

  it('the AM re-registers with the new active RM, the job completes with exact output, the CLI follows it', async () => {
    const job = await startJob(`${base}/text.txt`, `${base}/out`, 'spindle-ha');
    janitor.add(job.appId);
    const victim = await activeResourceManager();
    const survivor = resourceManagers().find((m) => m.daemon !== victim.daemon)!;
    await killDaemon(victim.daemon);
    killed(victim.daemon);
    // The tasks go on at once: the job may end before the standby takes over, or after.
    job.go();
    await waitFor(`${survivor.daemon} to become active`, async () =>
      (await resourceManagerState(survivor)) === 'ACTIVE' ? true : undefined,
    );

    const r = await job.done;
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(expectedResult());
    expect(r.stderr).to.match(/FINISHED\/SUCCEEDED in /);

    const report = await fixture.h.rm.application(job.appId);
    expect(report.finalStatus).to.equal('SUCCEEDED');
    const attempts = await fixture.h.rm.attempts(job.appId);
    expect(
      attempts.map((a) => a.id),
      'the same attempt carried on',
    ).to.deep.equal([1]);
    const am = attempts[0]!;
    const amLog = await containerLog(`http://${am.nodeHttpAddress}`, am.containerId!, 'stderr', fixture.h.user);
    expect(amLog, 'the AM registered again with the new active RM').to.contain('the ResourceManager lost our registration');

    // spindle commands, through the surviving RM (the configuration still lists the dead one first).
    const status = await spindle(['status', job.appId]);
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout)
      .to.match(/FINISHED/)
      .and.to.match(/SUCCEEDED/);
    const list = await spindle(['list', '--state', 'FINISHED']);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout).to.contain(job.appId);
    const logs = await spindle(['logs', job.appId]);
    expect(logs.code, logs.stderr).to.equal(0);
    expect(logs.stdout).to.contain(JSON.stringify(expectedResult()).slice(0, 40));
  });
});
