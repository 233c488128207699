import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { clusterCommand, repoRoot, testCluster, waitForHealthyCluster } from './cluster.js';
import { executorProcess, statusExecutors, whenStatus } from './fault-helpers.js';
import { amContainer, awaitJob, containerLog, openHarness, runJob, submitJob, type JobHarness } from './job-harness.js';

/** scripts/cluster as clusterCommand runs it, without blocking: a NodeManager takes seconds to stop. */
function clusterCommandAsync(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'scripts', 'cluster'), args, {
      env: { ...process.env, SPINDLE_CLUSTER_DIR: dirname(testCluster().confDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/cluster ${args.join(' ')} failed (${code}): ${out}`))));
  });
}

/**
 * A whole NodeManager lost in the middle of a shuffle (`scripts/cluster stop nodemanager<i>`, the
 * one the AM does not run on), then started again. Executors of 2 GB make the placement certain:
 * a 6 GB NodeManager holds at most 3, and at most 2 beside the AM, so the 4 executors asked for
 * sit on both nodes, and so do those of any later job.
 */
describe('[nodemanager] job engine on the real cluster: a NodeManager lost mid-job, then back', function () {
  this.timeout(600_000);
  let h: JobHarness;
  /** The NodeManager this test stopped and has not started again. */
  let stopped: number | undefined;
  const base = `/tmp/spindle-it-nmloss-${randomBytes(4).toString('hex')}`;
  const input = `${base}/text.txt`;
  const lineOf = (i: number): string => `a${i % 7} b${i % 13} w${i % 1500} c${i % 2}`;
  const LINES = 16_000;
  const source = `
const slow = (x, ms) => { const end = performance.now() + ms; while (performance.now() < end); return x; };
export default async function main(ctx, [input]) {
  const counts = ctx.textFile(input, { minPartitions: 16 }).flatMap((l) => l.split(' ')).map((w) => [slow(w, 0.1), 1]).reduceByKey((a, b) => a + b, 4);
  return counts.mapValues((n) => slow(n, 2)).collect();
}`;

  before(async () => {
    await waitForHealthyCluster();
    h = openHarness();
    await h.hdfs.mkdirs(base);
    await h.hdfs.create(input, Buffer.from(`${Array.from({ length: LINES }, (_, i) => lineOf(i)).join('\n')}\n`));
  });
  after(async () => {
    if (stopped !== undefined) clusterCommand('start', `nodemanager${stopped}`);
    await waitForHealthyCluster();
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  const expectExact = (result: unknown): void => {
    const want = new Map<string, number>();
    for (let i = 0; i < LINES; i++) for (const w of lineOf(i).split(' ')) want.set(w, (want.get(w) ?? 0) + 1);
    expect(new Map(result as [string, number][])).to.deep.equal(want);
    expect(result, 'no key counted twice').to.have.length(want.size);
  };

  /** Whether a process runs (a zombie waiting for its parent does not). */
  const alive = (pid: number): boolean => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  };

  /** Which NodeManager (1 or 2) serves this web address (they share a host, not a port). */
  const nodeManagerAt = (nodeHttp: string): number => {
    const port = new URL(nodeHttp).port;
    const i = testCluster().nodeManagerHttp.findIndex((u) => new URL(u).port === port);
    expect(i, nodeHttp).to.be.at.least(0);
    return i + 1;
  };

  it('reruns what the stopped node held (exact counts), and the next job runs containers on it again', async () => {
    const appId = await submitJob(h, { source, args: [input], executors: 4, executorMemoryMb: 2048, maxExecutorFailures: 8 });
    await whenStatus(h, appId, 'the AM running', (s) => (s.state === 'running' ? true : undefined));
    const am = nodeManagerAt((await amContainer(h, appId)).nodeHttp);
    const other = 3 - am;
    // Executors of the other node hold map output, and the map stage has 6+ tasks to go.
    const victims = await whenStatus(h, appId, `map output on nodemanager${other} while the map stage runs`, (s) => {
      const stage = s.job?.stages.find((g) => g.state === 'running' && g.description.startsWith('shuffle 0 map side'));
      if (!stage || stage.succeeded > stage.tasks - 6) return undefined;
      const there = statusExecutors(s).filter((e) => e.mapOutputs > 0 && executorProcess(appId, e.id)?.nodeManager === other);
      return there.length > 0 ? there.map((e) => e.id) : undefined;
    });
    const pids = victims.map((id) => executorProcess(appId, id)!.pid);
    stopped = other;
    const stopping = clusterCommandAsync('stop', `nodemanager${other}`);
    // The RM reports the node's containers lost at once (the NodeManager unregisters as it stops),
    // and the AM asks for as many again: they run, or wait for room (the other node may be full).
    const counts = await whenStatus(h, appId, 'the lost containers replaced or asked for again', (s) => {
      const c = s.containers;
      return c && c.lost >= victims.length && c.pending + c.launching + c.running === c.target ? c : undefined;
    });
    expect(counts.target).to.equal(4);
    await stopping;
    // The NodeManager ended its containers as it stopped (its recovery is off): nothing is left running.
    for (const pid of pids) expect(alive(pid), `executor process ${pid}`).to.equal(false);

    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expectExact(run.result);
    for (const id of victims) {
      expect(run.stderr).to.match(new RegExp(`executor ${id} disconnected`));
      expect(run.stderr).to.match(new RegExp(`[1-9]\\d* map output\\(s\\) on executor ${id} are lost`));
      // The RM reports the container as lost with its node, and the AM does not count it as a failure.
      expect(run.stderr).to.match(
        new RegExp(`executor ${id} in container_\\S+ on localhost: container was released by the application or lost with its node`),
      );
    }
    expect(run.stderr).to.match(
      /stage 0 \(shuffle 0 map side[^\n]*: 16\/16 tasks done, 0 running, [1-9]\d* rerun \(output lost with an executor\) \[succeeded\]/,
    );

    clusterCommand('start', `nodemanager${other}`);
    stopped = undefined;
    const next = await runJob(h, { source, args: [input], executors: 4, executorMemoryMb: 2048 });
    expect(next.report.finalStatus, next.stderr).to.equal('SUCCEEDED');
    expectExact(next.result);
    // The AM's container list names the node of every container it started.
    const nextAm = await amContainer(h, next.appId);
    const list = await containerLog(nextAm.nodeHttp, nextAm.containerId, 'containers.jsonl', h.user);
    const port = `:${testCluster().nodeManagerPorts[other - 1]}`;
    const nodes = list
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; node?: string })
      .filter((e) => e.event === 'started')
      .map((e) => e.node ?? '');
    expect(nodes, list).to.have.length(4);
    expect(
      nodes.some((n) => n.endsWith(port)),
      `an executor on nodemanager${other} (${port}): ${nodes.join(', ')}`,
    ).to.equal(true);
  });
});
