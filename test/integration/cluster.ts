/**
 * Where the local test cluster (scripts/cluster) listens. Integration tests take addresses from here
 * and never hard-code ports elsewhere. HADOOP_CONF_DIR, when set, names the cluster's client
 * configuration; otherwise the repository's .cluster/conf is used.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { userInfo } from 'node:os';

/** Repository root (this file compiles to dist/test/integration/cluster.js). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface TestCluster {
  confDir: string;
  nameNodeHttp: string;
  defaultFs: string;
  rmHttp: string;
  rmScheduler: string;
  nodeManagerHttp: string[];
  user: string;
}

export function testCluster(): TestCluster {
  const confDir = process.env.HADOOP_CONF_DIR ?? join(repoRoot, '.cluster', 'conf');
  if (!existsSync(join(confDir, 'core-site.xml'))) {
    throw new Error(`no cluster configuration in ${confDir}: run scripts/cluster up`);
  }
  return {
    confDir,
    nameNodeHttp: 'http://127.0.0.1:9870',
    defaultFs: 'hdfs://127.0.0.1:8020',
    rmHttp: 'http://127.0.0.1:8088',
    rmScheduler: '127.0.0.1:8030',
    nodeManagerHttp: ['http://127.0.0.1:8042', 'http://127.0.0.1:8052'],
    user: process.env.HADOOP_USER_NAME ?? userInfo().username,
  };
}
