import { expect } from 'chai';
import { testCluster } from './cluster.js';
import { awaitJob, openHarness, runJob, submitJob, type JobHarness } from './job-harness.js';

/**
 * Exclusion on failure on the real cluster: a job whose lambda throws on one NodeManager (its
 * NM_PORT, which YARN sets in every container) runs to an exact result on the other one, the
 * driver excludes the bad node and the AM asks the RM to avoid it; a lambda that throws on every
 * node fails the job with a message saying so, without waiting for every task's attempts.
 */
describe('job engine on the real cluster: exclusion on failure', function () {
  this.timeout(300_000);
  let h: JobHarness;

  before(() => {
    h = openHarness();
  });
  after(async () => {
    await h.close();
  });

  /** The attempt's blacklist as the RM's REST API shows it, polled until it has entries or the application ended. */
  async function blacklistWhileRunning(appId: string): Promise<string[]> {
    const rmUrl = h.config.yarn.rmWebUrls[0]!;
    for (;;) {
      const res = await fetch(`${rmUrl}/ws/v1/cluster/apps/${appId}/appattempts?user.name=${h.user}`);
      // Right after submission the application has no attempt yet.
      const body = (await res.json()) as { appAttempts?: { appAttempt?: { blacklistedNodes?: string; appAttemptState?: string }[] } };
      const attempt = body.appAttempts?.appAttempt?.at(-1);
      const nodes = (attempt?.blacklistedNodes ?? '').split(/,\s*/).filter(Boolean);
      if (nodes.length > 0 || ['FINISHED', 'FAILED', 'KILLED'].includes(attempt?.appAttemptState ?? '')) return nodes;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('excludes a node where every task fails: exact result from the other node, and YARN is asked to avoid it', async () => {
    const ports = testCluster().nodeManagerPorts.map(String);
    // The bad node is the one the AM does not run on (the driver sees its own NM_PORT). Executors of
    // 2 GB put at most 2 beside the AM on a 6 GB NodeManager, so 2 or 3 of the 4 sit on the bad
    // node: with Spark's thresholds, 2 excluded executors exclude their node.
    const appId = await submitJob(h, {
      source: `
export default async function main(ctx, ports) {
  const bad = ports.find((p) => p !== process.env.NM_PORT);
  const first = await ctx.range(2000, 48).map((x) => {
    if (process.env.NM_PORT === bad) throw new Error('this node is bad: ' + bad);
    const end = Date.now() + 3;
    while (Date.now() < end);
    return x * 2;
  }, { bad }).reduce((a, b) => a + b);
  const second = await ctx.range(16, 16).map((x) => {
    if (process.env.NM_PORT === bad) throw new Error('this node is bad: ' + bad);
    const end = Date.now() + 500;
    while (Date.now() < end);
    return process.env.NM_PORT + ':' + x;
  }, { bad }).collect();
  return { bad, first, second };
}`,
      args: ports,
      executors: 4,
      executorMemoryMb: 2048,
    });
    // The ResourceManager shows an attempt's blacklist while it runs (it is gone once it finished).
    const blacklisted = await blacklistWhileRunning(appId);
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr.slice(-3000)).to.equal('SUCCEEDED');
    const { bad, first, second } = run.result as { bad: string; first: number; second: string[] };
    expect(ports).to.include(bad);
    const good = ports.find((p) => p !== bad)!;
    expect(first).to.equal(1999 * 2000);
    expect(second).to.deep.equal(Array.from({ length: 16 }, (_, x) => `${good}:${x}`));
    const node = `localhost:${bad}`;
    expect(run.stderr).to.match(new RegExp(`executor \\d+ on ${node} is excluded for stage 0 after \\d+ failed tasks there`));
    expect(run.stderr).to.include(`node ${node} is excluded for stage 0 after 2 excluded executors there`);
    expect(run.stderr).to.match(
      new RegExp(
        `node ${node} is excluded for the application for 60 min after \\d excluded executors; ` +
          'the ApplicationMaster asks YARN for no more containers there',
      ),
    );
    // The AM passed it on, and the ResourceManager holds it on the attempt's blacklist.
    expect(run.stderr).to.include(`nodes to avoid (excluded by the driver): ${node}`);
    // Stage 1 started after the node's exclusion: no attempt of it went there.
    const stage1 = run.stderr.split('\n').filter((l) => /stage 1 \(.*\): 16\/16 tasks done, 0 running \[succeeded\]/.test(l));
    expect(stage1, run.stderr.slice(-3000)).to.have.length(1);
    expect(stage1[0]).to.not.include('failed attempt');
    expect(blacklisted).to.include(node);
    expect(blacklisted).to.not.include(`localhost:${good}`);
  });

  it('fails the job when tasks fail on every node, saying every executor is excluded', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  return ctx.range(1000, 20).map((x) => { throw new Error('fails everywhere: ' + x + ' on ' + process.env.NM_PORT); }).count();
}`,
      executors: 2,
    });
    expect(run.report.finalStatus).to.equal('FAILED');
    expect(run.stderr).to.match(
      /stage 0 \(count of range\(1000\) → map\) cannot run anywhere: every executor is excluded for it after repeated task failures \(executor \d+ on localhost:\d+: (\d+ tasks failed on it in|node localhost:\d+ is excluded for) the stage; executor \d+ on localhost:\d+: (\d+ tasks failed on it in|node localhost:\d+ is excluded for) the stage\); last failure: partition \d+, attempt \d on executor \d+ \(localhost\):\nError: fails everywhere: \d+ on \d+\n\s+at /,
    );
    expect(run.report.diagnostics).to.include('cannot run anywhere: every executor is excluded for it');
  });
});
