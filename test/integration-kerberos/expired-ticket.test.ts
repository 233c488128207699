/**
 * An expired Kerberos ticket (issue #15, item 5): once the user's ticket has ended (and the cluster's
 * clock skew allowance, 10 s on scripts/cluster --kerberos, has passed), every command fails with exit 3
 * and says to run kinit, without a stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI } from '../integration/cli-helpers.js';
import { repoRoot } from '../integration/cluster.js';
import { type KerberizedCluster, kerberizedCluster, TicketCache } from './kerberized.js';

describe('an expired Kerberos ticket', () => {
  let cluster: KerberizedCluster;
  let cache: TicketCache;

  before(() => {
    cluster = kerberizedCluster();
    cache = new TicketCache(cluster);
  });

  after(() => cache?.destroy());

  it('fs ls with a ticket that has ended: exit 3, the reason and kinit as the fix, no stack trace', async function () {
    this.timeout(120_000);
    const principal = cache.principalOf(cluster.userKeytab);
    const kinit = spawnSync('kinit', ['-l', '5s', '-kt', cluster.userKeytab, principal], { env: cache.env(), encoding: 'utf8' });
    assert.equal(kinit.status, 0, kinit.stderr);
    const ls = () =>
      spawnSync(process.execPath, [CLI, 'fs', 'ls', '/'], {
        cwd: repoRoot,
        env: { ...cache.env(), HADOOP_CONF_DIR: cluster.confDir },
        encoding: 'utf8',
      });
    // While the ticket lasts (plus the tolerated skew) the command works; the first refusal is the event.
    const deadline = Date.now() + 90_000;
    let r = ls();
    while (r.status === 0 && Date.now() < deadline) r = ls();
    assert.equal(r.status, 3, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stderr, /expired/i, r.stderr);
    assert.match(r.stderr, /kinit/, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at .*:\d+:\d+\)?\n/, 'no stack trace');
  });
});
