import { expect } from 'chai';
import { killApp, submitShellApp, waitForEnd } from '../../client/index.js';
import { loadClientConfig, type ClientConfig } from '../../protocols/hadoop-conf/index.js';
import { RmRestClient } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { clusterCommand, testCluster, waitForHealthyCluster } from './cluster.js';

/**
 * A work-preserving ResourceManager restart in the middle of an application (scripts/cluster runs the RM
 * with recovery on, as production clusters do): the AM's connection drops, it reconnects, the restarted
 * RM answers ApplicationMasterNotRegisteredException, and the AM registers again, resends its asks and
 * carries on to SUCCEEDED with the containers that kept running on the NodeManagers.
 */
describe('ApplicationMaster across a ResourceManager restart', function () {
  this.timeout(240_000);
  const cluster = testCluster();
  let config: ClientConfig;
  let rm: RmRestClient;
  let hdfs: WebHdfsClient;
  let appId: string | undefined;

  before(() => {
    config = loadClientConfig({ env: process.env, confDir: cluster.confDir });
    rm = new RmRestClient({ rmUrls: config.yarn.rmWebUrls, user: config.user, killTimeoutMs: 60_000 });
    hdfs = new WebHdfsClient({ nameNodes: config.hdfs.nameNodeHttpUrls, user: config.user });
  });

  after(async () => {
    if (appId) await killApp({ rm, hdfs, user: config.user }, appId).catch(() => {});
    hdfs.close();
    // Leave the cluster as the next tests expect it: both NodeManagers registered again.
    await waitForHealthyCluster();
  });

  it('re-registers and finishes SUCCEEDED', async () => {
    const app = await submitShellApp(
      { config, rm, hdfs },
      { command: ['sleep', '25'], containers: 2, memoryMb: 128, name: 'spindle-it-rm-restart' },
    );
    appId = app.appId;
    // Wait until both containers run beside the AM.
    for (let i = 0; i < 300; i++) {
      const r = await rm.application(app.appId);
      if (r.state === 'RUNNING' && r.runningContainers >= 3) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect((await rm.application(app.appId)).runningContainers).to.be.at.least(3);

    clusterCommand('stop', 'resourcemanager');
    clusterCommand('start', 'resourcemanager');

    const report = await waitForEnd({ rm, hdfs, user: config.user }, app.appId);
    expect(report.finalStatus, report.diagnostics).to.equal('SUCCEEDED');
    const [attempt] = await rm.attempts(app.appId);
    expect(attempt!.id, 'the same attempt carried on').to.equal(1);
    const amLog = await (await fetch(`http://${attempt!.nodeHttpAddress}/ws/v1/node/containerlogs/${attempt!.containerId}/stderr`)).text();
    expect(amLog).to.contain('lost our registration');
  });
});
