import { expect } from 'chai';
import { testCluster } from './cluster.js';
import { containerLog, openHarness, runJob, type JobHarness, type JobRun } from './job-harness.js';

/**
 * Shuffles larger than the executors' memory on the real cluster: 256 MB executor containers
 * (a 128 MB heap), YARN's physical memory check on, no executor failure tolerated. What does not
 * fit goes to the containers' local disks; every executor reports its peak RSS when it stops.
 */
describe('job engine on the real cluster: shuffles in bounded memory', function () {
  this.timeout(600_000);
  let h: JobHarness;
  const EXECUTOR_MB = 256;

  before(() => {
    h = openHarness();
  });
  after(async () => {
    await h.close();
  });

  /** The executors' stderr, found through the container ids the driver logged. */
  async function executorLogs(run: JobRun): Promise<string[]> {
    const ids = [
      ...new Set([...run.stderr.matchAll(/executor \d+ registered from \S+ \(\d+ core\(s\), (container_\w+)\)/g)].map((m) => m[1]!)),
    ];
    expect(ids.length, run.stderr).to.be.at.least(2);
    const logs: string[] = [];
    for (const id of ids) {
      for (const nm of testCluster().nodeManagerHttp) {
        const text = await containerLog(nm, id, 'stderr', h.user);
        if (text.includes('spindle-executor')) {
          logs.push(text);
          break;
        }
      }
    }
    expect(logs, `executor logs of ${ids.join(', ')}`).to.have.length(ids.length);
    return logs;
  }

  function expectWithinMemory(logs: string[]): number[] {
    const peaks = logs.map((l) => Number(/peak RSS (\d+) MB/.exec(l)?.[1]));
    for (const p of peaks) expect(p).to.be.within(1, EXECUTOR_MB - 1);
    return peaks;
  }

  it('groups one key with 3 million values (~300 MB) in 256 MB executors, streaming the group from disk', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  const values = ctx.range(3_000_000, 6).map((i) => 'value-' + String(i).padStart(9, '0') + '-' + 'x'.repeat(80));
  const grouped = values.map((v) => ['hot', v]).union(ctx.parallelize([['cold', 'only']], 1)).groupByKey(2);
  const summary = await grouped
    .mapValues((vs) => {
      let n = 0, chars = 0, first = null, last = null;
      for (const v of vs) { n++; chars += v.length; if (first === null || v < first) first = v; if (last === null || v > last) last = v; }
      // A second pass reads the group again (from disk when it is spilled).
      let again = 0;
      for (const _ of vs) again++;
      return { n, chars, first, last, again, length: vs.length };
    })
    .collect();
  return summary.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}`,
      executorMemoryMb: EXECUTOR_MB,
      maxExecutorFailures: 0,
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const valueLength = 'value-'.length + 9 + 1 + 80;
    expect(run.result).to.deep.equal([
      ['cold', { n: 1, chars: 4, first: 'only', last: 'only', again: 1, length: 1 }],
      [
        'hot',
        {
          n: 3_000_000,
          chars: 3_000_000 * valueLength,
          first: `value-000000000-${'x'.repeat(80)}`,
          last: `value-002999999-${'x'.repeat(80)}`,
          again: 3_000_000,
          length: 3_000_000,
        },
      ],
    ]);
    const logs = await executorLogs(run);
    expect(logs.join('\n')).to.match(/1 group\(s\) larger than memory streamed from disk/);
    expectWithinMemory(logs);
  });

  it('repartitions ~1 GB (4x an executor container) with every record accounted for', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  const rows = ctx.range(10_000_000, 8).map((i) => i.toString(36).padStart(8, '0') + 'y'.repeat(92));
  const moved = rows.repartition(4);
  const perPartition = await moved
    .mapPartitions(async (rs) => { let n = 0, chars = 0, sum = 0; for await (const r of rs) { n++; chars += r.length; sum += parseInt(r.slice(0, 8), 36); } return [[n, chars, sum]]; })
    .collect();
  return perPartition;
}`,
      executorMemoryMb: EXECUTOR_MB,
      maxExecutorFailures: 0,
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const parts = run.result as [number, number, number][];
    expect(parts).to.have.length(4);
    expect(parts.reduce((a, p) => a + p[0], 0)).to.equal(10_000_000);
    expect(parts.reduce((a, p) => a + p[1], 0)).to.equal(10_000_000 * 100);
    expect(parts.reduce((a, p) => a + p[2], 0)).to.equal((9_999_999 * 10_000_000) / 2);
    for (const p of parts) expect(p[0]).to.be.within(2_000_000, 3_000_000);
    const logs = await executorLogs(run);
    expect(logs.join('\n')).to.match(/kept on disk|fetched to disk/);
    expectWithinMemory(logs);
  });

  it('sorts 4 million records (~450 MB) into totally ordered partitions in 256 MB executors', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  const rows = ctx.range(4_000_000, 8).map((i) => [(Math.imul(i, 2654435761) >>> 0) % 4_000_000, 'v' + i + 'z'.repeat(90)]);
  const edges = await rows
    .sortByKey(false, 4)
    .mapPartitions(async (rs) => {
      let first, last, n = 0, ordered = true;
      for await (const [k] of rs) { if (last !== undefined && k > last) ordered = false; first ??= k; last = k; n++; }
      return [[first, last, n, ordered]];
    })
    .collect();
  return edges;
}`,
      executorMemoryMb: EXECUTOR_MB,
      maxExecutorFailures: 0,
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const edges = run.result as [number, number, number, boolean][];
    expect(edges).to.have.length(4);
    expect(edges.reduce((a, e) => a + e[2], 0)).to.equal(4_000_000);
    for (let i = 0; i < edges.length; i++) {
      expect(edges[i]![3], `partition ${i} in order`).to.equal(true);
      if (i > 0) expect(edges[i - 1]![1]).to.be.greaterThan(edges[i]![0]);
    }
    const logs = await executorLogs(run);
    expect(logs.join('\n')).to.match(/[1-9]\d* run\(s\) spilled/);
    expectWithinMemory(logs);
  });
});
