import { expect } from 'chai';
import { openHarness, runJob, type JobHarness } from './job-harness.js';

/**
 * The job engine end to end on the real cluster: the AM forks the driver runtime, which asks for
 * executors; executor containers connect back, authenticate with the application secret from
 * their credentials and run the tasks; the driver prints main's return value as one JSON line.
 */
describe('job engine on the real cluster: sources and actions', function () {
  this.timeout(300_000);
  let h: JobHarness;

  before(() => {
    h = openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('runs parallelize, range and every in-memory action through two executors', async () => {
    const run = await runJob(h, {
      source: `
const double = (x) => x * 2;
export default async function main(ctx, args) {
  const factor = Number(args[0]);
  const ds = ctx.parallelize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4);
  return {
    collect: await ds.map((x) => double(x)).filter((x) => x > 4).collect(),
    count: await ctx.range(100000, 8).count(),
    scaled: await ds.map((x) => x * factor, { factor }).collect(),
    reduce: await ds.reduce((a, b) => a + b),
    fold: await ds.fold(0, (a, b) => a + b),
    aggregate: await ds.aggregate([0, 0], (acc, x) => [acc[0] + 1, acc[1] + x], (a, b) => [a[0] + b[0], a[1] + b[1]]),
    take: await ds.take(5),
    first: await ds.first(),
    foreach: await ds.foreach((x) => { if (x > 100) throw new Error('unexpected'); }),
    keyed: await ctx.parallelize(['a', 'bb', 'ccc'], 2).keyBy((s) => s.length).mapValues((s) => s.toUpperCase()).collect(),
    union: await ds.union(ctx.range(3, 1)).coalesce(2).count(),
    sample: (await ctx.range(1000, 4).sample(false, 0.5, 7).collect()).length === (await ctx.range(1000, 4).sample(false, 0.5, 7).count()),
    partitions: await ctx.range(10, 3).mapPartitionsWithIndex(async function* (i, it) { let s = 0; for await (const x of it) s += x; yield [i, s]; }).collect(),
  };
}`,
      args: ['3'],
    });
    expect(run.report.finalStatus, `${run.report.diagnostics}\n${run.stderr}`).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({
      collect: [6, 8, 10, 12, 14, 16, 18, 20],
      count: 100000,
      scaled: [3, 6, 9, 12, 15, 18, 21, 24, 27, 30],
      reduce: 55,
      fold: 55,
      aggregate: [10, 55],
      take: [1, 2, 3, 4, 5],
      first: 1,
      keyed: [
        [1, 'A'],
        [2, 'BB'],
        [3, 'CCC'],
      ],
      union: 13,
      sample: true,
      partitions: [
        [0, 3],
        [1, 12],
        [2, 30],
      ],
    });
    expect(run.stderr, run.stderr).to.match(/executor \d+ registered/);
  });
});
