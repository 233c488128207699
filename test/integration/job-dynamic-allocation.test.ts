import { expect } from 'chai';
import { awaitJob, openHarness, submitJob, type JobHarness } from './job-harness.js';

/**
 * Dynamic allocation on the real cluster: idle executors go back to YARN (the RM counts fewer
 * running containers for the application) and come back when work does; a wide stage ramps up to
 * --max-executors. Results are exact either way.
 */
describe('job engine on the real cluster: dynamic allocation', function () {
  this.timeout(300_000);
  let h: JobHarness;

  before(() => {
    h = openHarness();
  });
  after(async () => {
    await h.close();
  });

  /** The application's running containers (the AM's included) as the RM reports them, and its state. */
  async function containers(appId: string): Promise<{ running: number; state: string }> {
    const rmUrl = h.config.yarn.rmWebUrls[0]!;
    const res = await fetch(`${rmUrl}/ws/v1/cluster/apps/${appId}?user.name=${h.user}`);
    const body = (await res.json()) as { app: { runningContainers?: number; state: string } };
    return { running: body.app.runningContainers ?? 0, state: body.app.state };
  }

  /** Polls the RM until `want` holds for the running containers; false if the application ended first. */
  async function untilContainers(appId: string, want: (running: number) => boolean): Promise<boolean> {
    for (;;) {
      const c = await containers(appId);
      if (want(c.running) && c.state === 'RUNNING') return true;
      if (['FINISHED', 'FAILED', 'KILLED'].includes(c.state)) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('keeps executors holding needed map output, releases idle ones during a driver pause, gets executors back', async () => {
    const marker = `/tmp/spindle-it-dynalloc-${Date.now()}`;
    const nameNode = h.config.hdfs.nameNodeHttpUrls[0]!;
    // Between its two actions the driver waits for the test's signal (a file on HDFS), which comes
    // once the RM shows that only the AM's container is left.
    const appId = await submitJob(h, {
      source: `
export default async function main(ctx, [nameNode, user, marker]) {
  // Map tasks of 1.5 s each, so that both executors run some (the second may register seconds later).
  const counts = ctx.range(4000, 8).map((x) => {
    const end = Date.now() + (x % 500 === 0 ? 1500 : 0);
    while (Date.now() < end);
    return [x % 10, 1];
  }).reduceByKey((a, b) => a + b, { partitions: 1 });
  // One slow reduce task: the other executor idles meanwhile, holding map output the action needs.
  const slow = counts.map((kv) => {
    const end = Date.now() + (kv[0] === 0 ? 12000 : 0);
    while (Date.now() < end);
    return kv;
  });
  const first = (await slow.collect()).sort((a, b) => a[0] - b[0]);
  ctx.log('first action done; waiting for the signal');
  for (const end = Date.now() + 240000; ; ) {
    const res = await fetch(nameNode + '/webhdfs/v1' + marker + '?op=GETFILESTATUS&user.name=' + user);
    if (res.ok) break;
    if (Date.now() > end) throw new Error('no signal from the test');
    await new Promise((r) => setTimeout(r, 250));
  }
  // The same shuffled dataset again: its map outputs went with the released executors.
  const again = (await counts.collect()).sort((a, b) => a[0] - b[0]);
  const second = await ctx.range(1000, 4).map((x) => x + 1).reduce((a, b) => a + b);
  return { first, again, second };
}`,
      args: [nameNode, h.user, marker],
      dynamicAllocation: { minExecutors: 0, maxExecutors: 2, initialExecutors: 2, executorIdleTimeoutMs: 5000 },
    });
    try {
      expect(await untilContainers(appId, (n) => n === 3), 'the AM and 2 executors run').to.equal(true);
      expect(await untilContainers(appId, (n) => n === 1), 'only the AM is left').to.equal(true);
      await h.hdfs.create(marker, Buffer.from('go'));
      const run = await awaitJob(h, appId);
      expect(run.report.finalStatus, run.stderr.slice(-3000)).to.equal('SUCCEEDED');
      const expected = Array.from({ length: 10 }, (_, k) => [k, 400]);
      expect(run.result).to.deep.equal({ first: expected, again: expected, second: 500_500 });
      const idle = [...run.stderr.matchAll(/executor [12] released: idle for (\d+(?:\.\d)?) s/g)].map((m) => Number(m[1]));
      expect(idle.length, 'both executors released').to.equal(2);
      // Shuffle tracking: the executor that idled through the slow reduce task (12 s, timeout 5 s) was
      // kept until the action ended.
      expect(Math.max(...idle)).to.be.at.least(11);
      const beforeEnd = run.stderr.slice(0, run.stderr.indexOf('first action done'));
      expect(beforeEnd, 'no map output is given up while the action runs').to.not.match(/released: .*map output/);
      expect(run.stderr).to.include('dynamic allocation: 0 executor(s) wanted');
      // Executors come back for the second action, and the first action's lost map output is recomputed.
      expect(run.stderr).to.match(/dynamic allocation: [12] executor\(s\) wanted \(was 0; tasks are backlogged\)/);
      expect(run.stderr).to.match(/executor 3 registered/);
      expect(run.stderr, 'releases are not failures').to.not.match(/executor \d+ disconnected|too many executor failures/);
    } finally {
      await h.hdfs.delete(marker).catch(() => {});
    }
  });

  it('ramps a wide stage up to --max-executors and finishes with exact output', async () => {
    const appId = await submitJob(h, {
      source: `
export default async function main(ctx) {
  const sum = await ctx.range(64, 64).map((x) => {
    const end = Date.now() + 300;
    while (Date.now() < end);
    return x * 3;
  }).reduce((a, b) => a + b);
  return { sum };
}`,
      dynamicAllocation: { minExecutors: 0, maxExecutors: 4, initialExecutors: 1 },
    });
    // The AM and 4 executors at once.
    const reached = await untilContainers(appId, (n) => n === 5);
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr.slice(-3000)).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({ sum: 3 * ((63 * 64) / 2) });
    expect(reached, 'the RM showed 4 executors beside the AM').to.equal(true);
    expect(run.stderr).to.include('dynamic allocation: 1 executor(s) to start with, between 0 and 4');
    expect(run.stderr).to.match(/dynamic allocation: 2 executor\(s\) wanted \(was 1; tasks are backlogged\)/);
    expect(run.stderr).to.match(/dynamic allocation: 4 executor\(s\) wanted \(was 2; tasks are backlogged\)/);
    expect(run.stderr).to.not.match(/dynamic allocation: [5-9] executor/);
  });
});
