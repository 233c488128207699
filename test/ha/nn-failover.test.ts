import { expect } from 'chai';
import { spindle } from '../integration/cli-helpers.js';
import { activeNameNode, killDaemon, nameNodes, nameNodeState, waitFor } from './ha-cluster.js';
import { expectedResult, failoverFixture, startJob } from './ha-job.js';

/**
 * The active NameNode SIGKILLed while a job runs (its map tasks wait for the test, so the kill lands
 * mid-job): its ZKFC sees it gone and the other ZKFC makes the standby active. Every WebHDFS call
 * after the kill (the executors reading the input and writing the output, the driver committing and
 * reading it back, the AM removing its staging directory, then `spindle fs`) must find the new
 * active NameNode, through the gap while neither is active; the output is exact.
 */
describe('HA: the active NameNode killed mid-job', function () {
  this.timeout(300_000);
  const fixture = failoverFixture('nn');
  const { janitor, base, killed } = fixture;

  it('client, AM and executors fail over to the other NameNode; exact output; spindle fs works after', async () => {
    const job = await startJob(`${base}/text.txt`, `${base}/out`, 'spindle-ha');
    janitor.add(job.appId);
    const victim = await activeNameNode();
    const survivor = nameNodes().find((m) => m.daemon !== victim.daemon)!;
    await killDaemon(victim.daemon);
    killed(victim.daemon);
    // The tasks go on at once, while the standby may not have been made active yet.
    job.go();
    await waitFor(`${survivor.daemon} to become active`, async () => ((await nameNodeState(survivor)) === 'active' ? true : undefined));

    const r = await job.done;
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(expectedResult());
    expect(r.stderr).to.match(/FINISHED\/SUCCEEDED in /);
    expect(await nameNodeState(victim), 'the killed NameNode stays down').to.equal(undefined);

    // The AM removed its staging directory through the new active NameNode.
    const staging = await spindle(['fs', 'ls', `/user/${fixture.h.user}/.spindle`]);
    expect(staging.stdout).to.not.contain(job.appId);
    // spindle fs, a new client that tries the dead NameNode first when it was nn1.
    const ls = await spindle(['fs', 'ls', `${base}/out`]);
    expect(ls.code, ls.stderr).to.equal(0);
    expect(ls.stdout)
      .to.match(/_SUCCESS/)
      .and.to.match(/part-0000[0-2]/);
    const parts = (await fixture.h.hdfs.listStatus(`${base}/out`)).filter((f) => f.name.startsWith('part-'));
    expect(parts).to.have.length(3);
    const cat = await spindle(['fs', 'cat', ...parts.map((f) => f.path)]);
    expect(cat.code, cat.stderr).to.equal(0);
    expect(cat.stdout.trim().split('\n')).to.have.length(expectedResult().saved);
    const status = await spindle(['status', job.appId]);
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.match(/SUCCEEDED/);
  });
});
