import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { repoRoot, testCluster } from '../integration/cluster.js';
import { statusExecutors, whenStatus } from '../integration/fault-helpers.js';
import { amContainer, awaitJob, openHarness, submitJob, type JobHarness } from '../integration/job-harness.js';

/** scripts/compose against the cluster the tests use (its directory holds the client configuration). */
function compose(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'scripts', 'compose'), args, {
      env: { ...process.env, SPINDLE_COMPOSE_DIR: dirname(testCluster().confDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/compose ${args.join(' ')} failed (${code}): ${out}`))));
  });
}

/** The worker (1 to 3) whose address is `host`, from the NodeManagers' configuration. */
function workerAt(host: string): number {
  const i = testCluster().nodeManagerHttp.findIndex((u) => new URL(u).hostname === host);
  expect(i, `a worker at ${host}`).to.be.at.least(0);
  return i + 1;
}

/**
 * A whole host lost in the middle of a shuffle: `docker kill` of a worker container (its DataNode,
 * its NodeManager and the executors in it, with no goodbye on any connection), one the AM does not
 * run on. Its executors fall silent (network timeout) and the RM reports its containers lost; the
 * input's blocks have a second replica elsewhere. The counts must be exact.
 */
describe('[compose] a worker host killed mid-job', function () {
  this.timeout(600_000);
  let h: JobHarness;
  let killed: number | undefined;
  const base = `/tmp/spindle-it-hostloss-${randomBytes(4).toString('hex')}`;
  const input = `${base}/text.txt`;
  const lineOf = (i: number): string => `a${i % 7} b${i % 13} w${i % 1500} c${i % 2}`;
  const LINES = 16_000;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    await h.hdfs.create(input, Buffer.from(`${Array.from({ length: LINES }, (_, i) => lineOf(i)).join('\n')}\n`), { blockSize: 64 * 1024 });
  });
  after(async () => {
    if (killed !== undefined) await compose('start', `worker${killed}`);
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  it('reruns what the lost host held and completes with exact counts', async () => {
    const appId = await submitJob(h, {
      source: `
const slow = (x, ms) => { const end = performance.now() + ms; while (performance.now() < end); return x; };
export default async function main(ctx, [input]) {
  const counts = ctx.textFile(input, { minPartitions: 16 }).flatMap((l) => l.split(' ')).map((w) => [slow(w, 0.1), 1]).reduceByKey((a, b) => a + b, 4);
  return counts.mapValues((n) => slow(n, 2)).collect();
}`,
      args: [input],
      executors: 4,
      maxExecutorFailures: 8,
      networkTimeoutMs: 15_000,
    });
    await whenStatus(h, appId, 'the AM running', (s) => (s.state === 'running' ? true : undefined));
    const amHost = new URL((await amContainer(h, appId)).nodeHttp).hostname;
    // An executor on another host holds map output, and the map stage has 6+ tasks to go.
    const victim = await whenStatus(h, appId, 'map output on a host other than the AM’s while the map stage runs', (s) => {
      const stage = s.job?.stages.find((g) => g.state === 'running' && g.description.startsWith('shuffle 0 map side'));
      if (!stage || stage.succeeded > stage.tasks - 6) return undefined;
      return statusExecutors(s).find((e) => e.mapOutputs > 0 && e.host !== amHost);
    });
    killed = workerAt(victim.host);
    await compose('kill', `worker${killed}`);

    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const want = new Map<string, number>();
    for (let i = 0; i < LINES; i++) for (const w of lineOf(i).split(' ')) want.set(w, (want.get(w) ?? 0) + 1);
    expect(new Map(run.result as [string, number][])).to.deep.equal(want);
    expect(run.result, 'no key counted twice').to.have.length(want.size);
    expect(run.stderr).to.match(new RegExp(`[1-9]\\d* map output\\(s\\) on executor ${victim.id} are lost`));
  });
});
