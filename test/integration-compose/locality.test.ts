import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readHistory } from '../../client/history.js';
import { awaitJob, openHarness, submitJob, type JobHarness } from '../integration/job-harness.js';

/**
 * Data locality on several hosts: a file whose blocks all sit on one worker (replication 1, written
 * through that worker's DataNode). The AM must ask YARN for the executors on that host (host rows
 * with relaxed locality), and the driver must place the tasks node-local (delay scheduling); the
 * event log and the driver log say so per stage.
 */
const BLOCK = 64 * 1024;
const BLOCKS = 8;
const JOB = `
const slow = (x) => { const end = performance.now() + 150; while (performance.now() < end); return x; };
export default async function main(ctx, [input]) {
  return ctx.textFile(input, { minPartitions: ${BLOCKS} }).mapPartitions(async (lines) => { let n = 0; for await (const _ of lines) n++; return [slow(n)]; }).count();
}`;

describe('[compose] data locality', function () {
  this.timeout(300_000);
  const base = `/tmp/spindle-it-locality-${randomBytes(4).toString('hex')}`;
  const input = `${base}/one-host.txt`;
  let h: JobHarness;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    const line = 'locality '.repeat(15);
    const text = Buffer.from(`${Array.from({ length: Math.ceil((BLOCKS * BLOCK) / (line.length + 1)) }, () => line).join('\n')}\n`);
    await h.hdfs.create(input, text.subarray(0, BLOCKS * BLOCK - 1), { blockSize: BLOCK, replication: 1 });
  });
  after(async () => {
    await h?.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h?.close();
  });

  it('asks for executors on the host holding every block and runs the tasks node-local', async () => {
    const blocks = await h.hdfs.getFileBlockLocations(input);
    expect(blocks, 'blocks').to.have.length(BLOCKS);
    const holders = new Set(blocks.flatMap((b) => b.hosts));
    expect(holders.size, `one host holds every block (replication 1): ${[...holders].join(', ')}`).to.equal(1);
    const [host] = [...holders] as [string];

    const appId = await submitJob(h, { source: JOB, args: [input], executors: 2 });
    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(run.result).to.equal(BLOCKS);

    // The AM's request named the host, for both executors.
    expect(run.stderr).to.include(`preferably on the hosts holding the input: ${host} (2)`);
    const { summary } = await readHistory(h.hdfs, h.user, appId);
    // YARN placed both there: the compose cluster's scheduler goes off-switch only after passing every
    // node once (rack-locality-additional-delay, scripts/compose), and the host has room for both.
    const executorHosts = summary.executors.map((x) => x.host);
    expect(executorHosts, 'every executor on the host holding the input').to.deep.equal([host, host]);

    // Every task ran node-local, as the event log and the driver's stage line say.
    const stage = summary.stages[0]!;
    expect(stage.numTasks).to.equal(BLOCKS);
    const started = Object.values(stage.locality ?? {}).reduce((a, b) => a + b, 0);
    expect(started, 'attempts with a locality level').to.be.at.least(BLOCKS);
    expect(stage.locality?.NODE_LOCAL ?? 0, JSON.stringify(stage.locality)).to.equal(started);
    expect(run.stderr).to.match(new RegExp(`stage 0 \\(.*\\): ${BLOCKS}/${BLOCKS} tasks done.*task locality: ${started} node-local`));
  });
});
