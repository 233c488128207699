/**
 * Loaded by mocha before the HA test files (test/.mocharc.ha.json, `npm run test:ha`). They need the
 * cluster of `scripts/cluster up --ha`; anything else fails every test with a message saying so. A
 * file may begin after another one killed a daemon: all of them must be back and healthy first.
 */
import { testCluster, waitForHealthyCluster } from '../integration/cluster.js';
import { haConfig, isHaConfig } from './ha-cluster.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(180_000);
    const { confDir } = testCluster();
    if (!isHaConfig(haConfig())) {
      throw new Error(
        `${confDir} does not describe an HA cluster (two NameNodes, two ResourceManagers): run scripts/cluster up --ha and set HADOOP_CONF_DIR to its conf`,
      );
    }
    await waitForHealthyCluster(150_000).catch((err: unknown) => {
      throw new Error(`the HA cluster is not healthy (${(err as Error).message}): run scripts/cluster up --ha`);
    });
  },
};
