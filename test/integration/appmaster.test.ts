import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { killApp, submitShellApp, waitForEnd, type SubmittedApp } from '../../client/index.js';
import { loadClientConfig, type ClientConfig } from '../../protocols/hadoop-conf/index.js';
import { RmRestClient } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { testCluster } from './cluster.js';

/**
 * The ApplicationMaster path end to end on the real cluster: REST submission, our TypeScript AM
 * speaking Hadoop RPC with its AMRMToken (SASL DIGEST-MD5) to the RM and with NMTokens to both
 * NodeManagers, Node containers, and the final status as the RM records it. Tagged [rpc]: npm test
 * runs it again on a cluster whose servers insist on hadoop.rpc.protection=privacy.
 */
describe('[rpc] ApplicationMaster on the real cluster', function () {
  this.timeout(180_000);
  const cluster = testCluster();
  let config: ClientConfig;
  let rm: RmRestClient;
  let hdfs: WebHdfsClient;
  const started: string[] = [];
  const base = `/tmp/spindle-it-am-${randomBytes(4).toString('hex')}`;

  before(async () => {
    config = loadClientConfig({ env: process.env, confDir: cluster.confDir });
    rm = new RmRestClient({ rmUrls: config.yarn.rmWebUrls, user: config.user });
    hdfs = new WebHdfsClient({ nameNodes: config.hdfs.nameNodeHttpUrls, user: config.user });
    await hdfs.mkdirs(base);
    const expected = process.env.SPINDLE_EXPECT_RPC_PROTECTION;
    if (expected) expect(config.rpcProtection).to.deep.equal([expected]);
  });

  after(async () => {
    for (const appId of started) await killApp({ rm, hdfs, user: config.user }, appId).catch(() => {});
    await hdfs.delete(base, { recursive: true }).catch(() => {});
    hdfs.close();
  });

  async function submit(
    command: string[],
    containers: number,
    extra: { environment?: Record<string, string> } = {},
  ): Promise<SubmittedApp> {
    const app = await submitShellApp(
      { config, rm, hdfs },
      {
        command,
        containers,
        memoryMb: 256,
        name: 'spindle-it-am',
        tags: ['spindle-it'],
        ...extra,
      },
    );
    started.push(app.appId);
    return app;
  }

  it('runs a command in 4 containers of 256 MB across both NodeManagers and finishes SUCCEEDED', async () => {
    const out = `${base}/ids`;
    await hdfs.mkdirs(out);
    // Each container writes "<container id> <NodeManager port>" into a file named after itself.
    // Node's fetch cannot talk to a DataNode (it answers `100 Continue` unasked), so plain http.
    const script = [
      "const h = require('http'), e = process.env;",
      "const put = (u, body, cb) => { const r = h.request(u, { method: 'PUT' }, (res) => { let d = '';",
      "  res.on('data', (c) => (d += c)); res.on('end', () => cb(res.statusCode, d)); });",
      "  r.on('error', () => process.exit(3)); r.end(body); };",
      "put(e.NN + '/webhdfs/v1' + e.OUT + '/' + e.CONTAINER_ID + '?op=CREATE&noredirect=true&user.name=' + e.HU, '',",
      "  (s, d) => put(JSON.parse(d).Location, e.CONTAINER_ID + ' ' + e.NM_PORT, (s2) => process.exit(s2 === 201 ? 0 : 2)));",
    ].join('\n');
    const app = await submit(['node', '-e', script], 4, {
      environment: { NN: config.hdfs.nameNodeHttpUrls[0]!, OUT: out, HU: config.user },
    });
    const report = await waitForEnd({ rm, hdfs, user: config.user }, app.appId);
    expect(report.state, report.diagnostics).to.equal('FINISHED');
    expect(report.finalStatus, report.diagnostics).to.equal('SUCCEEDED');

    const files = await hdfs.listStatus(out);
    expect(files).to.have.length(4);
    const ports = new Set<string>();
    for (const f of files) {
      const chunks: Buffer[] = [];
      for await (const c of await hdfs.open(`${out}/${f.name}`)) chunks.push(c as Buffer);
      const [containerId, port] = Buffer.concat(chunks).toString('utf8').split(' ');
      expect(containerId).to.equal(f.name);
      expect(containerId).to.match(new RegExp(`^container_(e\\d+_)?${app.appId.slice('application_'.length)}_01_\\d{6}$`));
      ports.add(port!);
    }
    expect([...ports].sort(), 'containers ran on both NodeManagers').to.deep.equal(cluster.nodeManagerPorts.map(String).sort());
    expect(await hdfs.exists(app.stagingDir), 'staging directory removed').to.equal(false);

    // The AM says which SASL protection it negotiated with the RM; under privacy it must be auth-conf.
    const [attempt] = await rm.attempts(app.appId);
    const res = await fetch(`http://${attempt!.nodeHttpAddress}/ws/v1/node/containerlogs/${attempt!.containerId}/stderr`);
    const amLog = await res.text();
    const protection = process.env.SPINDLE_EXPECT_RPC_PROTECTION ?? 'authentication';
    const qop = { authentication: 'auth', integrity: 'auth-int', privacy: 'auth-conf' }[protection];
    expect(amLog).to.contain(`(SASL protection ${qop})`);
  });

  it('fails the application when a container exits with 3, naming the container and the exit code', async () => {
    const app = await submit(['bash', '-c', 'exit 3'], 1);
    const report = await waitForEnd({ rm, hdfs, user: config.user }, app.appId);
    expect(report.finalStatus).to.equal('FAILED');
    expect(report.diagnostics).to.match(/container_\S+_01_\d{6}/);
    expect(report.diagnostics).to.match(/exit (status|code) 3\b/);
    expect(await hdfs.exists(app.stagingDir)).to.equal(false);
  });

  it('ends KILLED within seconds of a kill through REST, with the staging directory gone', async () => {
    const app = await submit(['sleep', '600'], 2);
    const running = await rm.waitForState(app.appId, ['RUNNING'], { timeoutMs: 60_000 });
    expect(running.state).to.equal('RUNNING');
    // killApp fails with a TimeoutError unless the RM reports KILLED within 15 s.
    const report = await killApp({ rm, hdfs, user: config.user }, app.appId, 15_000);
    expect(report.state).to.equal('KILLED');
    expect(await hdfs.exists(app.stagingDir)).to.equal(false);
  });
});
