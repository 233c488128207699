/**
 * Where the local test cluster (scripts/cluster) listens, read from its client configuration like any
 * Spindle client would (so a cluster started with SPINDLE_CLUSTER_PORT_OFFSET works too). HADOOP_CONF_DIR,
 * when set, names the configuration; otherwise the repository's .cluster/conf is used.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClientConfig } from '../../protocols/hadoop-conf/index.js';

/** Repository root (this file compiles to dist/test/integration/cluster.js). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface TestCluster {
  confDir: string;
  nameNodeHttp: string;
  /** host:port of the DataNode's HTTP server (where WebHDFS redirects data transfers). */
  dataNodeHttp: string;
  defaultFs: string;
  rmHttp: string;
  /** host:port of the RM's client RPC port (ApplicationClientProtocol). */
  rmClient: string;
  /** host:port of the RM's scheduler port (ApplicationMasterProtocol). */
  rmScheduler: string;
  /** NodeManager web addresses (scripts/cluster runs two, scripts/compose three). */
  nodeManagerHttp: string[];
  /** NodeManager RPC ports, as the RM names nodes. */
  nodeManagerPorts: number[];
  user: string;
}

let cached: TestCluster | undefined;

export function testCluster(): TestCluster {
  if (cached) return cached;
  const confDir = process.env.HADOOP_CONF_DIR ?? join(repoRoot, '.cluster', 'conf');
  if (!existsSync(join(confDir, 'core-site.xml'))) {
    throw new Error(`no cluster configuration in ${confDir}: run scripts/cluster up`);
  }
  const config = loadClientConfig({ env: process.env, confDir });
  // The NodeManagers' own configuration sits beside the client one: nm1, nm2 (scripts/cluster), nm3
  // (scripts/compose, whose three worker hosts each run one).
  const nmConfDirs: string[] = [];
  for (let i = 1; existsSync(join(dirname(confDir), `nm${i}`, 'conf', 'yarn-site.xml')); i++)
    nmConfDirs.push(join(dirname(confDir), `nm${i}`, 'conf'));
  const nms = nmConfDirs.map((dir) => loadClientConfig({ env: process.env, confDir: dir }).conf);
  cached = {
    confDir,
    nameNodeHttp: config.hdfs.nameNodeHttpUrls[0]!,
    dataNodeHttp: config.conf.get('dfs.datanode.http.address')!,
    defaultFs: config.hdfs.defaultFs,
    rmHttp: config.yarn.rmWebUrls[0]!,
    rmClient: config.yarn.rmAddresses[0]!,
    rmScheduler: config.yarn.rmSchedulerAddresses[0]!,
    nodeManagerHttp: nms.map((c) => `http://${c.get('yarn.nodemanager.webapp.address')}`),
    nodeManagerPorts: nms.map((c) => Number(c.get('yarn.nodemanager.address')!.split(':').pop())),
    user: config.user,
  };
  return cached;
}

/**
 * Runs scripts/cluster (e.g. `stop resourcemanager`) against the cluster the tests use, for fault tests.
 * Throws with the script's output if it fails.
 */
export function clusterCommand(...args: string[]): void {
  const c = testCluster();
  const r = spawnSync(join(repoRoot, 'scripts', 'cluster'), args, {
    env: { ...process.env, SPINDLE_CLUSTER_DIR: dirname(c.confDir) },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`scripts/cluster ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
}

/** Waits until `scripts/cluster status` reports all five daemons healthy (after a fault test). */
export async function waitForHealthyCluster(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      clusterCommand('status');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
