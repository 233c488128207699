import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHarness, readText, runJob, type JobHarness } from './job-harness.js';

/**
 * Speculative execution on the real cluster: a save whose partition 0 blocks for 20 s on its first
 * attempt only (the attempt that creates a marker file; every NodeManager of the test cluster runs
 * on this machine, so all executors see it). With --speculation the driver copies the straggler to
 * the other executor, the copy wins and the job commits exactly one file per partition; without,
 * the job waits for the straggler and the output is the same.
 */
describe('job engine on the real cluster: speculative execution', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-speculation-${randomBytes(4).toString('hex')}`;
  const markers: string[] = [];

  before(() => {
    h = openHarness();
  });
  after(async () => {
    for (const m of markers) rmSync(m, { force: true });
    await h.hdfs.delete(base, { recursive: true }).catch(() => false);
    await h.close();
  });

  const SOURCE = `
export default async function main(ctx, [marker, output]) {
  await ctx.range(800, 8).map((x) => {
    if (x === 0) {
      const fs = process.getBuiltinModule('node:fs');
      let first = true;
      try {
        fs.writeFileSync(marker, 'slow attempt', { flag: 'wx' });
      } catch {
        first = false;
      }
      // Blocks this executor's thread without spending CPU.
      if (first) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);
    }
    return x;
  }, { marker }).saveAsTextFile(output);
  return 'saved';
}`;

  /** Runs the job; returns the driver's stderr after checking the output is exact. */
  async function run(name: string, speculation: boolean): Promise<string> {
    const marker = join(tmpdir(), `spindle-it-speculation-${randomBytes(4).toString('hex')}`);
    markers.push(marker);
    const output = `${base}/${name}`;
    const r = await runJob(h, {
      source: SOURCE,
      args: [marker, output],
      executors: 2,
      ...(speculation ? { speculation: {} } : {}),
    });
    expect(r.report.finalStatus, r.stderr.slice(-3000)).to.equal('SUCCEEDED');
    expect(r.result).to.equal('saved');
    const names = (await h.hdfs.listStatus(output)).map((f) => f.name).sort();
    expect(names).to.deep.equal(['_SUCCESS', ...Array.from({ length: 8 }, (_, p) => `part-0000${p}`)]);
    let text = '';
    for (const n of names.filter((x) => x.startsWith('part-'))) text += await readText(h.hdfs, `${output}/${n}`);
    expect(text).to.equal(Array.from({ length: 800 }, (_, x) => `${x}\n`).join(''));
    // No hidden staging directory, no attempt file of the loser, beside the output.
    expect((await h.hdfs.listStatus(base)).map((f) => f.name)).to.include(name);
    expect((await h.hdfs.listStatus(base)).map((f) => f.name).filter((n) => n.startsWith('.'))).to.deep.equal([]);
    if (process.env.SPINDLE_IT_VERBOSE) process.stderr.write(r.stderr);
    return r.stderr;
  }

  it('with --speculation, copies the straggler to another executor; the copy wins and commits', async () => {
    const stderr = await run('speculative', true);
    expect(stderr).to.match(
      /stage \d+ \(saveAsTextFile [^\n]*\): partition 0 has run \d+\.\d s on executor (\d+), longer than \d+\.\d s; speculative attempt 2 launched on executor (\d+)/,
    );
    const won =
      /partition 0: speculative attempt 2 on executor (\d+) won; attempt 1 on executor (\d+) cancelled, its result is ignored/.exec(stderr);
    expect(won, stderr.slice(-3000)).to.not.equal(null);
    expect(won![1]).to.not.equal(won![2]);
  });

  it('without --speculation, waits for the straggler and produces the same output', async () => {
    const stderr = await run('plain', false);
    expect(stderr).to.not.include('speculative attempt');
  });
});
