import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { testCluster } from './cluster.js';
import { executorProcess, whenStatus } from './fault-helpers.js';
import { awaitJob, openHarness, submitJob, type JobHarness } from './job-harness.js';

/**
 * persist/cache/unpersist on the real cluster. What an action read from HDFS is the driver's
 * "job N (...) succeeded: B byte(s) of input read" line: the sum of the bytes its tasks read over
 * WebHDFS (the executors' read counter). A job waits between actions for a marker file this test
 * writes (the driver runs on this machine), so that the test can act on the job in between.
 */
describe('job engine on the real cluster: cache and persist', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-cache-${randomBytes(4).toString('hex')}`;
  const input = `${base}/text.txt`;
  const LINES = 60_000;
  const lineOf = (i: number): string => `w${i} ${i % 13} ${'abcdefghij'.repeat(3)}`;
  const markers = mkdtempSync(join(tmpdir(), 'spindle-it-cache-'));

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    const text = `${Array.from({ length: LINES }, (_, i) => lineOf(i)).join('\n')}\n`;
    await h.hdfs.create(input, Buffer.from(text));
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    rmSync(markers, { recursive: true, force: true });
    await h.close();
  });

  let expectedSum = 0;
  for (let i = 0; i < LINES; i++) expectedSum += i % 13;

  /** Input bytes of each action, in order, from the driver's log. */
  const inputReads = (stderr: string): number[] =>
    [...stderr.matchAll(/job \d+ \((?:count|reduce)\) succeeded: (\d+) byte\(s\) of input read/g)].map((m) => Number(m[1]));

  /** Waits (in the job) until the test writes `file`. */
  const WAIT_FOR = `
import { existsSync } from 'node:fs';
const waitFor = async (file) => { while (!existsSync(file)) await new Promise((r) => setTimeout(r, 100)); };`;

  it('the second action over a cached dataset reads no input and gives the same result; after unpersist() the input is read again', async () => {
    const appId = await submitJob(h, {
      source: `
export default async function main(ctx, [input]) {
  const parsed = ctx.textFile(input, { minPartitions: 4 }).map((l) => Number(l.split(' ')[1])).cache();
  const first = await parsed.reduce((a, b) => a + b);
  const second = await parsed.reduce((a, b) => a + b);
  const count = await parsed.count();
  parsed.unpersist();
  const third = await parsed.reduce((a, b) => a + b);
  return { first, second, count, third };
}`,
      args: [input],
    });
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({ first: expectedSum, second: expectedSum, count: LINES, third: expectedSum });
    const reads = inputReads(run.stderr);
    expect(reads, run.stderr).to.have.length(4);
    const size = (await h.hdfs.getFileStatus(input)).length;
    expect(reads[0], 'the first action reads the whole file').to.be.at.least(size);
    expect(reads[1], 'the second reads nothing').to.equal(0);
    expect(reads[2], 'nor does count').to.equal(0);
    expect(reads[3], 'after unpersist, the whole file again').to.be.at.least(size);
  });

  it('recomputes the cached partitions of a SIGKILLed executor from their lineage; exact results', async () => {
    const marker = join(markers, 'killed');
    const appId = await submitJob(h, {
      source: `${WAIT_FOR}
export default async function main(ctx, [input, marker]) {
  const parsed = ctx.textFile(input, { minPartitions: 4 }).map((l) => Number(l.split(' ')[1])).persist();
  const first = await parsed.reduce((a, b) => a + b);
  await waitFor(marker);
  const second = await parsed.reduce((a, b) => a + b);
  const third = await parsed.reduce((a, b) => a + b);
  return { first, second, third };
}`,
      args: [input, marker],
      maxExecutorFailures: 3,
    });
    const victim = await whenStatus(h, appId, 'the first action done, and an executor holding cached partitions', (s) => {
      if (!s.job?.stages.some((g) => g.state === 'succeeded')) return undefined;
      const list = (s.job.executors ?? []) as { id: string; cachedBlocks?: number }[];
      return list.find((e) => (e.cachedBlocks ?? 0) > 0)?.id;
    });
    const found = executorProcess(appId, victim);
    expect(found, `the process of executor ${victim}`).to.not.equal(undefined);
    process.kill(found!.pid, 'SIGKILL');
    await whenStatus(h, appId, `the driver forgetting executor ${victim}`, (s) => {
      const list = (s.job?.executors ?? []) as { id: string }[];
      return list.some((e) => e.id === victim) ? undefined : true;
    });
    writeFileSync(marker, '');
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({ first: expectedSum, second: expectedSum, third: expectedSum });
    expect(run.stderr).to.match(new RegExp(`[1-9]\\d* cached partition\\(s\\) on executor ${victim} are lost`));
    const reads = inputReads(run.stderr);
    expect(reads, run.stderr).to.have.length(3);
    const size = (await h.hdfs.getFileStatus(input)).length;
    expect(reads[1], 'the lost partitions are read again, the others are not').to.be.within(1, size - 1);
    expect(reads[2], 'once recomputed, they are kept again').to.equal(0);
  });

  it("spills to the executors' local disk above a budget smaller than the data; exact results from memory and disk", async () => {
    const marker = join(markers, 'looked');
    const appId = await submitJob(h, {
      source: `${WAIT_FOR}
export default async function main(ctx, [input, marker]) {
  const rows = ctx.textFile(input, { minPartitions: 8 }).map((l) => { const [w, n, pad] = l.split(' '); return { w, n: Number(n), pad }; }).cache();
  const first = await rows.map((r) => r.n).reduce((a, b) => a + b);
  await waitFor(marker);
  const second = await rows.map((r) => r.n).reduce((a, b) => a + b);
  const words = await rows.filter((r) => r.w.endsWith('7')).count();
  return { first, second, words };
}`,
      args: [input, marker],
      cacheMemoryMb: 1,
    });
    // Cached bytes well above two budgets: some blocks must be on disk.
    await whenStatus(h, appId, 'the first action done', (s) => {
      if (!s.job?.stages.some((g) => g.state === 'succeeded')) return undefined;
      const list = (s.job.executors ?? []) as { cachedBytes?: number }[];
      const total = list.reduce((n, e) => n + (e.cachedBytes ?? 0), 0);
      return total > 0 ? total : undefined;
    });
    const spilled = blockFiles(appId);
    writeFileSync(marker, '');
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    let words = 0;
    for (let i = 0; i < LINES; i++) if (`w${i}`.endsWith('7')) words++;
    expect(run.result).to.deep.equal({ first: expectedSum, second: expectedSum, words });
    expect(spilled.length, "block files in the executors' local dirs").to.be.greaterThan(0);
    expect(spilled.every((f) => /\/spindle-blocks-\d+\/rdd_\d+_\d+$/.test(f.path) && f.bytes > 0)).to.equal(true);
    const reads = inputReads(run.stderr);
    expect(reads[1], run.stderr).to.equal(0);
    expect(reads[2], run.stderr).to.equal(0);
  });

  /** Cached block files of `appId` in this cluster's NodeManager directories. */
  function blockFiles(appId: string): { path: string; bytes: number }[] {
    const clusterDir = dirname(testCluster().confDir);
    const out: { path: string; bytes: number }[] = [];
    for (const nm of readdirSync(clusterDir).filter((d) => /^nm\d+$/.test(d))) {
      const root = join(clusterDir, nm);
      for (const rel of readdirSync(root, { recursive: true }) as string[]) {
        const path = join(root, rel);
        if (path.includes(`/${appId}/`) && /\/spindle-blocks-\d+\/rdd_\d+_\d+$/.test(path)) out.push({ path, bytes: statSync(path).size });
      }
    }
    return out;
  }
});
