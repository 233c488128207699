/**
 * Loaded by mocha before every integration test file (test/.mocharc.integration.json). Integration tests
 * must never skip silently: if the cluster is not reachable, every test fails with a message saying how
 * to start it.
 */
import { testCluster } from './cluster.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    const c = testCluster();
    try {
      const res = await fetch(`${c.rmHttp}/ws/v1/cluster/info`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const nn = await fetch(`${c.nameNodeHttp}/webhdfs/v1/?op=GETFILESTATUS&user.name=${c.user}`, {
        signal: AbortSignal.timeout(5000),
      });
      if (!nn.ok) throw new Error(`WebHDFS HTTP ${nn.status}`);
    } catch (err) {
      throw new Error(
        `the local Hadoop cluster is not reachable (${(err as Error).message}): run scripts/cluster up (npm test does this for you)`,
      );
    }
  },
};
