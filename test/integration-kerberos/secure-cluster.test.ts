/**
 * The Kerberized local cluster is really secure (issue #15, item 1): every web endpoint refuses a caller
 * without SPNEGO and serves one with a ticket; both user principals exist and map to their own names;
 * WebHDFS hands out delegation tokens with the cluster's short lifetimes; and the RM renews the HDFS token
 * an application is submitted with (and rejects the application when it cannot).
 *
 * Runs only against `scripts/cluster up --kerberos` (test/.mocharc.kerberos.json); anything else fails.
 */
import assert from 'node:assert/strict';
import { decodeTokenUrlString, decodeVInt, decodeVLong } from '../../protocols/credentials/index.js';
import { type LocalResource, toSubmissionJson } from '../../protocols/rm-rest/index.js';
import { assertCurlNegotiates, type KerberizedCluster, kerberizedCluster, TicketCache } from './kerberized.js';

/** owner, renewer, issue and max dates of an HDFS delegation token identifier (AbstractDelegationTokenIdentifier). */
function tokenDates(identifier: Buffer): { owner: string; renewer: string; issueDate: number; maxDate: number } {
  let at = 1; // byte 0: version
  const text = (): string => {
    const len = decodeVInt(identifier, at);
    const s = identifier.subarray(at + len.size, at + len.size + len.value).toString('utf8');
    at += len.size + len.value;
    return s;
  };
  const vlong = (): number => {
    const v = decodeVLong(identifier, at);
    at += v.size;
    return Number(v.value);
  };
  const owner = text();
  const renewer = text();
  text(); // real user
  return { owner, renewer, issueDate: vlong(), maxDate: vlong() };
}

describe('Kerberized cluster (scripts/cluster up --kerberos)', () => {
  let cluster: KerberizedCluster;
  let user: TicketCache;
  let userPrincipal: string;
  const apps: string[] = [];

  before(() => {
    assertCurlNegotiates();
    cluster = kerberizedCluster();
    user = new TicketCache(cluster);
    userPrincipal = user.kinit(cluster.userKeytab);
  });

  after(() => {
    for (const id of apps)
      user?.curl(`${cluster.rmHttp}/ws/v1/cluster/apps/${id}/state`, { negotiate: true, method: 'PUT', json: { state: 'KILLED' } });
    user?.destroy();
  });

  const endpoints = (): [string, string][] => [
    ['WebHDFS', `${cluster.nameNodeHttp}/webhdfs/v1/?op=GETFILESTATUS`],
    ['the RM REST API', `${cluster.rmHttp}/ws/v1/cluster/info`],
    ['the RM web UI', `${cluster.rmHttp}/cluster`],
    ...cluster.nodeManagerHttp.map((nm, i): [string, string] => [`NodeManager ${i + 1}'s web services`, `${nm}/ws/v1/node/info`]),
  ];

  it('refuses a request without Negotiate with 401 and a Negotiate challenge on every web endpoint', () => {
    for (const [what, url] of endpoints()) {
      const r = user.curl(url, { negotiate: false });
      assert.equal(r.status, 401, `${what} (${url}) answered ${r.status} without authentication`);
      assert.match(r.headers, /^WWW-Authenticate: Negotiate\s*$/im, `${what} sent no Negotiate challenge`);
    }
  });

  it('also refuses Negotiate without a ticket (an empty cache)', () => {
    const empty = new TicketCache(cluster);
    try {
      for (const [what, url] of endpoints()) {
        assert.equal(empty.curl(url, { negotiate: true }).status, 401, `${what} (${url}) served a caller without a ticket`);
      }
    } finally {
      empty.destroy();
    }
  });

  it('serves every web endpoint with 200 to a ticket from the user keytab', () => {
    for (const [what, url] of endpoints()) {
      const r = user.curl(url, { negotiate: true });
      assert.equal(r.status, 200, `${what} (${url}) answered ${r.status} with a ticket: ${r.body.slice(0, 300)}`);
    }
    const info = JSON.parse(user.curl(`${cluster.rmHttp}/ws/v1/cluster/info`, { negotiate: true }).body);
    assert.equal(info.clusterInfo.haState, 'ACTIVE');
  });

  it('knows the user and `other` as principals that map to their own short names', () => {
    const short = userPrincipal.split('@')[0]!;
    const home = JSON.parse(user.curl(`${cluster.nameNodeHttp}/webhdfs/v1/?op=GETHOMEDIRECTORY`, { negotiate: true }).body);
    assert.equal(home.Path, `/user/${short}`);
    const other = new TicketCache(cluster);
    try {
      assert.match(other.kinit(cluster.otherKeytab), /^other@/);
      const r = other.curl(`${cluster.nameNodeHttp}/webhdfs/v1/?op=GETHOMEDIRECTORY`, { negotiate: true });
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(r.body).Path, '/user/other');
    } finally {
      other.destroy();
    }
  });

  it('hands out WebHDFS delegation tokens with a renew interval of a minute and a lifetime of five', () => {
    const r = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1/?op=GETDELEGATIONTOKEN&renewer=${userPrincipal.split('@')[0]}`, {
      negotiate: true,
    });
    assert.equal(r.status, 200, r.body);
    const urlString: string = JSON.parse(r.body).Token.urlString;
    const token = decodeTokenUrlString(urlString);
    assert.equal(token.kind, 'WEBHDFS delegation');
    const dates = tokenDates(token.identifier);
    // WebHDFS knows the caller by the short name its SPNEGO filter maps the principal to.
    assert.equal(dates.owner, userPrincipal.split('@')[0]);
    assert.equal(dates.maxDate - dates.issueDate, 300_000);
    // The token alone (no SPNEGO) authenticates WebHDFS calls, as the DataNode leg and containers use it.
    const asToken = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1/?op=GETFILESTATUS&delegation=${urlString}`, { negotiate: false });
    assert.equal(asToken.status, 200, asToken.body);
    // Its renewer may renew it: the new expiry is a renew interval (60 s) from now.
    const before = Date.now();
    const renewed = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1/?op=RENEWDELEGATIONTOKEN&token=${urlString}`, {
      negotiate: true,
      method: 'PUT',
    });
    assert.equal(renewed.status, 200, renewed.body);
    const expiry: number = JSON.parse(renewed.body).long;
    assert.ok(expiry - before > 50_000 && expiry - before <= 61_000, `renewed until ${expiry - before} ms from now, not about 60 s`);
    const cancelled = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1/?op=CANCELDELEGATIONTOKEN&token=${urlString}`, {
      negotiate: true,
      method: 'PUT',
    });
    assert.equal(cancelled.status, 200, cancelled.body);
    assert.equal(
      user.curl(`${cluster.nameNodeHttp}/webhdfs/v1/?op=GETFILESTATUS&delegation=${urlString}`, { negotiate: false }).status,
      403,
    );
  });

  /** Creates `path` with `data` in the WebHDFS two-step; returns the file's status. */
  function writeFile(path: string, data: Buffer): { length: number; modificationTime: number } {
    const created = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1${path}?op=CREATE&overwrite=false`, { negotiate: true, method: 'PUT' });
    assert.equal(created.status, 307, created.body);
    const location = /^Location: (\S+)\s*$/im.exec(created.headers)?.[1];
    assert.ok(location?.includes('delegation='), 'the DataNode location carries no delegation token');
    const written = user.curl(location!, { negotiate: false, method: 'PUT', bytes: data });
    assert.equal(written.status, 201, written.body);
    const status = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1${path}?op=GETFILESTATUS`, { negotiate: true });
    assert.equal(status.status, 200, status.body);
    return JSON.parse(status.body).FileStatus;
  }

  function deleteFile(path: string): void {
    const deleted = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1${path}?op=DELETE`, { negotiate: true, method: 'DELETE' });
    assert.equal(deleted.status, 200, deleted.body);
  }

  const testPath = (what: string): string => `/tmp/spindle-kerberos-${what}-${process.pid}-${Date.now()}`;

  it('writes and reads a file through WebHDFS: the DataNode leg goes by the token in the redirect, over SASL data transfer', () => {
    const path = testPath('webhdfs');
    const data = Buffer.from(`secure bytes ${'x'.repeat(100_000)}\n`);
    assert.equal(writeFile(path, data).length, data.length);
    const opened = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1${path}?op=OPEN`, { negotiate: true });
    assert.equal(opened.status, 307, opened.body);
    const read = user.curl(/^Location: (\S+)\s*$/im.exec(opened.headers)![1]!, { negotiate: false });
    assert.equal(read.status, 200);
    assert.equal(read.body, data.toString());
    deleteFile(path);
  });

  /**
   * Submits an AM container that runs `command` (and never registers, so the application ends when it
   * exits) with `token` as its HDFS delegation token and `resources` for the NodeManager to localize with
   * it. Returns the app id.
   */
  function submitWithToken(token: string, command: string[], resources: Record<string, LocalResource> = {}): string {
    const created = user.curl(`${cluster.rmHttp}/ws/v1/cluster/apps/new-application`, { negotiate: true, method: 'POST' });
    assert.equal(created.status, 200, created.body);
    const id: string = JSON.parse(created.body)['application-id'];
    apps.push(id);
    const body = toSubmissionJson({
      applicationId: id,
      name: 'spindle-kerberos-token-renewal',
      applicationType: 'SPINDLE-TEST',
      maxAppAttempts: 1,
      resource: { memoryMb: 128, vcores: 1 },
      amContainerSpec: {
        localResources: resources,
        commands: command,
        credentials: { tokens: { hdfs: token } },
      },
    });
    const submitted = user.curl(`${cluster.rmHttp}/ws/v1/cluster/apps`, { negotiate: true, method: 'POST', json: body });
    assert.equal(submitted.status, 202, submitted.body);
    return id;
  }

  /** Polls the RM until the application has ended. */
  async function endState(id: string): Promise<{ state: string; diagnostics: string }> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = user.curl(`${cluster.rmHttp}/ws/v1/cluster/apps/${id}`, { negotiate: true });
      assert.equal(r.status, 200, r.body);
      const app = JSON.parse(r.body).app;
      if (['FINISHED', 'FAILED', 'KILLED'].includes(app.state)) return { state: app.state, diagnostics: app.diagnostics ?? '' };
      assert.ok(Date.now() < deadline, `${id} still ${app.state} after 120 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  function hdfsToken(renewer: string): string {
    const url =
      `${cluster.nameNodeHttp}/webhdfs/v1/?op=GETDELEGATIONTOKEN&renewer=${renewer}` +
      `&kind=HDFS_DELEGATION_TOKEN&service=${cluster.nameNodeRpcService}`;
    const r = user.curl(url, { negotiate: true });
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body).Token.urlString;
  }

  it('lets the RM renew the HDFS delegation token an application is submitted with, and a NodeManager localize with it', async () => {
    assert.equal(cluster.rmRenewer, 'yarn');
    const path = testPath('resource');
    const line = `localized with a delegation token ${Date.now()}`;
    const file = writeFile(path, Buffer.from(`${line}\n`));
    const resource: LocalResource = {
      url: `${cluster.defaultFs}${path}`,
      size: file.length,
      timestamp: file.modificationTime,
      type: 'file',
      visibility: 'application',
    };
    // The container exits 0 only if the file arrived whole; the application then fails as an AM that never
    // registered, with that exit code in its diagnostics.
    const id = submitWithToken(hdfsToken(cluster.rmRenewer), ['grep', '-qx', `'${line}'`, 'resource.txt'], { 'resource.txt': resource });
    const { diagnostics } = await endState(id);
    assert.doesNotMatch(diagnostics, /Failed to renew token/);
    assert.match(diagnostics, /exited with\s+exitCode: 0\b/, diagnostics);
    deleteFile(path);
  });

  it('rejects an application whose HDFS token the RM may not renew (renewer: the user)', async () => {
    const id = submitWithToken(hdfsToken(userPrincipal.split('@')[0]!), ['sleep', '60']);
    const { state, diagnostics } = await endState(id);
    assert.equal(state, 'FAILED');
    assert.match(diagnostics, /Failed to renew token/);
  });
});
