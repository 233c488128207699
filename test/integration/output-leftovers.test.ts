import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { spindle } from './cli-helpers.js';
import { openHarness, readText, runJob, type JobHarness } from './job-harness.js';

/**
 * Hidden directories a dead driver leaves beside an output, cleaned up on the real cluster: by
 * `spindle fs clean` and by the next save to the same path, whose driver asks the RM's REST API from
 * inside its container whether their application ended. The dead driver's state is laid out by hand
 * (a SIGKILL cannot be aimed between two HDFS calls) under the id of a real application that ended.
 */
describe('job engine on the real cluster: leftovers of dead drivers', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-leftovers-${randomBytes(4).toString('hex')}`;
  const out = `${base}/out`;
  // An id this RM never issued (its start time is long past): an application it cannot vouch for.
  const UNKNOWN = 'application_1000000000000_0001';
  let ended = '';

  /** The state of a driver of `ended` killed mid-overwrite: the old output aside, the new one unfinished. */
  async function killedMidOverwrite(job: number): Promise<{ aside: string; staging: string }> {
    const staging = `${base}/.out.spindle-${ended}-${job}`;
    const aside = `${staging}.replaced`;
    await h.hdfs.rename(out, aside);
    await h.hdfs.create(`${staging}/part-00000`, 'unfinished\n');
    return { aside, staging };
  }
  const hidden = async (): Promise<string[]> =>
    (await h.hdfs.listStatus(base))
      .map((s) => s.name)
      .filter((n) => n.startsWith('.'))
      .sort();

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    await h.hdfs.mkdirs(`${base}/.out.spindle-${UNKNOWN}-0`);
    const first = await runJob(h, {
      source: `
export default async function main(ctx, [out]) {
  await ctx.range(4, 2).map((x) => 'old ' + x).saveAsTextFile(out);
  return 'saved';
}`,
      args: [out],
      executors: 1,
    });
    expect(first.report.finalStatus, first.stderr).to.equal('SUCCEEDED');
    ended = first.appId;
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => false);
    await h.close();
  });

  it('spindle fs clean --dry-run lists; spindle fs clean puts the old output back and removes the unfinished one', async () => {
    const { aside, staging } = await killedMidOverwrite(7);
    const before = await hidden();

    const dry = await spindle(['fs', 'clean', '--dry-run', out]);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.match(new RegExp(`^would restore +${aside} +to ${out}$`, 'm'));
    expect(dry.stdout).to.match(new RegExp(`^would remove +${staging} +unfinished output of ${ended}, which ended$`, 'm'));
    expect(dry.stdout).to.match(new RegExp(`^keep +${base}/\\.out\\.spindle-${UNKNOWN}-0 +its application is unknown$`, 'm'));
    expect(await hidden()).to.deep.equal(before);
    expect(await h.hdfs.exists(out)).to.equal(false);

    const real = await spindle(['fs', 'clean', out]);
    expect(real.code, real.stderr).to.equal(0);
    expect(real.stdout).to.match(new RegExp(`^restore +${aside} +to ${out}$`, 'm'));
    expect(await hidden()).to.deep.equal([`.out.spindle-${UNKNOWN}-0`]);
    const parts = await Promise.all(['part-00000', 'part-00001'].map((p) => readText(h.hdfs, `${out}/${p}`)));
    expect(parts.join('').split('\n').filter(Boolean).sort()).to.deep.equal(['old 0', 'old 1', 'old 2', 'old 3']);
  });

  it('the next save to the path cleans up in the driver: the old output is put back, then overwritten; the unknown stays', async () => {
    await killedMidOverwrite(8);
    const next = await runJob(h, {
      source: `
export default async function main(ctx, [out]) {
  await ctx.range(2, 1).map((x) => 'new ' + x).saveAsTextFile(out, { overwrite: true });
  return 'saved';
}`,
      args: [out],
      executors: 1,
    });
    expect(next.report.finalStatus, next.stderr).to.equal('SUCCEEDED');
    expect(next.stderr).to.include(`put back the old output ${base}/.out.spindle-${ended}-8.replaced`);
    expect(next.stderr).to.include(`removed ${base}/.out.spindle-${ended}-8, left by ${ended}, which ended`);
    expect(await hidden()).to.deep.equal([`.out.spindle-${UNKNOWN}-0`]);
    expect(await readText(h.hdfs, `${out}/part-00000`)).to.equal('new 0\nnew 1\n');
  });
});
