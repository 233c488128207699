/**
 * The Spindle CLI on the Kerberized cluster (issue #15, item 2): SPNEGO through the `kerberos` package
 * to WebHDFS, the RM REST API and the NodeManagers, with a ticket from the user keytab in a private
 * cache, or with --principal/--keytab and no ticket at all; and the refusals: no ticket, another user
 * denied a mode-700 directory. `run` submits (with the application's delegation token).
 *
 * Runs only against `scripts/cluster up --kerberos` (test/.mocharc.kerberos.json); anything else fails.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toSubmissionJson } from '../../protocols/rm-rest/index.js';
import { type KerberizedCluster, kerberizedCluster, show, spindleAs, TicketCache } from './kerberized.js';

/** The part of the RM's appattempts answer used here. */
interface Attempts {
  appAttempts?: { appAttempt?: { containerId?: string; nodeHttpAddress?: string }[] };
}

describe('spindle with Kerberos (SPNEGO)', () => {
  let cluster: KerberizedCluster;
  let user: TicketCache;
  let short: string;
  let base: string;
  const local = mkdtempSync(join(tmpdir(), 'spindle-spnego-'));

  before(() => {
    cluster = kerberizedCluster();
    user = new TicketCache(cluster);
    short = user.kinit(cluster.userKeytab).split('@')[0]!;
    base = `/user/${short}/spnego-${Date.now()}`;
  });

  after(() => {
    user?.curl(`${cluster.nameNodeHttp}/webhdfs/v1${base}?op=DELETE&recursive=true`, { negotiate: true, method: 'DELETE' });
    user?.destroy();
    rmSync(local, { recursive: true, force: true });
  });

  it('fs put, cat, ls and rm work with a ticket from kinit', async () => {
    const file = join(local, 'hello.txt');
    writeFileSync(file, 'hello over SPNEGO\n');
    const put = await spindleAs(cluster, user, ['fs', 'put', file, `${base}/hello.txt`]);
    assert.equal(put.code, 0, show(put));
    const cat = await spindleAs(cluster, user, ['fs', 'cat', `${base}/hello.txt`]);
    assert.equal(cat.code, 0, show(cat));
    assert.equal(cat.stdout, 'hello over SPNEGO\n');
    const ls = await spindleAs(cluster, user, ['fs', 'ls', base]);
    assert.equal(ls.code, 0, show(ls));
    assert.match(ls.stdout, new RegExp(`\\b${short}\\b.*hello\\.txt`));
    const rm = await spindleAs(cluster, user, ['fs', 'rm', `${base}/hello.txt`]);
    assert.equal(rm.code, 0, show(rm));
    const gone = await spindleAs(cluster, user, ['fs', 'stat', `${base}/hello.txt`]);
    assert.equal(gone.code, 2, show(gone));
  });

  it('list and status talk to the RM REST API with the ticket', async () => {
    const list = await spindleAs(cluster, user, ['list', '--all-users', '--type', 'all']);
    assert.equal(list.code, 0, show(list));
    const status = await spindleAs(cluster, user, ['status', 'application_1700000000000_9999']);
    assert.equal(status.code, 2, show(status));
    assert.match(status.stderr, /application_1700000000000_9999/);
    assert.doesNotMatch(status.stderr, /401|authentication required/i);
  });

  it('without a ticket: exit 3, the reason and kinit as the fix, no stack trace', async () => {
    const empty = new TicketCache(cluster);
    try {
      const r = await spindleAs(cluster, empty, ['fs', 'ls', `/user/${short}`]);
      assert.equal(r.code, 3, show(r));
      assert.match(r.stderr, /^spindle: Kerberos: no usable credentials for HTTP@localhost: /);
      assert.match(r.stderr, /get a ticket with: kinit /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    } finally {
      empty.destroy();
    }
  });

  it('--principal/--keytab logs in without a ticket cache and leaves the cache alone', async () => {
    const empty = new TicketCache(cluster);
    try {
      const cacheFile = empty.ccache.replace(/^FILE:/, '');
      const r = await spindleAs(cluster, empty, ['fs', 'ls', `/user/${short}`, '--principal', short, '--keytab', cluster.userKeytab]);
      assert.equal(r.code, 0, show(r));
      assert.equal(existsSync(cacheFile), false, 'the keytab login wrote into KRB5CCNAME');
      const other = await spindleAs(cluster, empty, ['fs', 'ls', '/', '--principal', short, '--keytab', cluster.otherKeytab]);
      assert.equal(other.code, 2, show(other));
      assert.match(other.stderr, new RegExp(`--keytab ${cluster.otherKeytab} has no keys for --principal ${short}`));
    } finally {
      empty.destroy();
    }
  });

  it('user `other` is denied a directory of mode 700: the error names the path and the user', async () => {
    const secret = `${base}/private`;
    const made = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1${secret}?op=MKDIRS&permission=700`, { negotiate: true, method: 'PUT' });
    assert.equal(made.status, 200, made.body);
    const other = new TicketCache(cluster);
    try {
      other.kinit(cluster.otherKeytab);
      const r = await spindleAs(cluster, other, ['fs', 'ls', secret]);
      assert.equal(r.code, 3, show(r));
      assert.match(r.stderr, new RegExp(`^spindle: LISTSTATUS_BATCH ${secret}: permission denied \\(.*user=other\\b`));
      assert.match(r.stderr, /inode="[^"]*private"/);
      assert.match(r.stderr, /you act as the principal of your Kerberos ticket/);
    } finally {
      other.destroy();
    }
  });

  /** Polls `url` (with SPNEGO) until `done` says its JSON is as wanted; returns that JSON. */
  async function pollJson<T>(url: string, done: (json: T) => boolean): Promise<T> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = user.curl(url, { negotiate: true });
      const json = r.status === 200 ? (JSON.parse(r.body) as T) : undefined;
      if (json !== undefined && done(json)) return json;
      assert.ok(Date.now() < deadline, `${url.split('?')[0]}: still ${r.status} ${r.body.slice(0, 200)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  it('status, logs and kill of a running application (its AM container submitted over REST with curl)', async () => {
    const created = user.curl(`${cluster.rmHttp}/ws/v1/cluster/apps/new-application`, { negotiate: true, method: 'POST' });
    assert.equal(created.status, 200, created.body);
    const id: string = JSON.parse(created.body)['application-id'];
    const body = toSubmissionJson({
      applicationId: id,
      name: 'spindle-spnego-kill',
      applicationType: 'SPINDLE-TEST',
      maxAppAttempts: 1,
      resource: { memoryMb: 128, vcores: 1 },
      amContainerSpec: { localResources: {}, commands: ['echo', 'hello', '1><LOG_DIR>/stdout;', 'sleep', '300'] },
    });
    const submitted = user.curl(`${cluster.rmHttp}/ws/v1/cluster/apps`, { negotiate: true, method: 'POST', json: body });
    assert.equal(submitted.status, 202, submitted.body);
    try {
      const status = await spindleAs(cluster, user, ['status', id]);
      assert.equal(status.code, 0, show(status));
      assert.match(status.stdout, new RegExp(id));
      // The AM container runs (it never registers): its NodeManager lists its stdout, and cannot serve it.
      const attempts = await pollJson<Attempts>(`${cluster.rmHttp}/ws/v1/cluster/apps/${id}/appattempts`, (j) =>
        Boolean(j.appAttempts?.appAttempt?.[0]?.containerId),
      );
      const { containerId, nodeHttpAddress } = attempts.appAttempts!.appAttempt![0]!;
      await pollJson<unknown>(`http://${nodeHttpAddress}/ws/v1/node/containers/${containerId}/logs`, (j) =>
        JSON.stringify(j).includes('"stdout"'),
      );
      const logs = await spindleAs(cluster, user, ['logs', id]);
      assert.equal(logs.code, 3, show(logs));
      assert.match(logs.stderr, /read stdout of container_\S+: the NodeManager at \S+ answered 500; on a secure cluster that is what/);
      const kill = await spindleAs(cluster, user, ['kill', id]);
      assert.equal(kill.code, 0, show(kill));
      assert.match(kill.stderr + kill.stdout, new RegExp(`${id} killed`));
      const after = await spindleAs(cluster, user, ['status', id, '--json']);
      assert.equal(after.code, 0, show(after));
      assert.equal(JSON.parse(after.stdout).report.state, 'KILLED');
    } finally {
      user.curl(`${cluster.rmHttp}/ws/v1/cluster/apps/${id}/state`, { negotiate: true, method: 'PUT', json: { state: 'KILLED' } });
    }
  });

  it('run submits with the ticket and succeeds (its containers get the HDFS delegation token; secure-jobs.test.ts goes further)', async () => {
    const r = await spindleAs(cluster, user, ['run', '-n', '1', '--', 'true']);
    assert.equal(r.code, 0, show(r));
    const id = /(application_\d+_\d+) submitted/.exec(r.stderr)?.[1];
    assert.ok(id, show(r));
    assert.match(r.stderr, new RegExp(`${id} FINISHED/SUCCEEDED`));
    const status = await spindleAs(cluster, user, ['status', id, '--json']);
    assert.equal(status.code, 0, show(status));
    assert.equal(JSON.parse(status.stdout).report.diagnostics, 'all 1 container(s) exited 0');
  });
});
