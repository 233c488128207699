import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { openHarness, readText, runJob, type JobHarness } from './job-harness.js';

/**
 * Failures on the real cluster: a task that throws is retried and then fails the job with the
 * user's message, partition and attempt; a task that fails once is retried elsewhere and the
 * result is exact; an executor killed with SIGKILL mid-job changes nothing in the result (its
 * tasks run again, a replacement container comes); a failed job leaves no output behind.
 */
describe('job engine on the real cluster: failures', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-jobfail-${randomBytes(4).toString('hex')}`;
  // Markers on the NodeManagers' local disk (both run on this host) make "fail once" deterministic.
  const marker = `/tmp/spindle-it-marker-${randomBytes(4).toString('hex')}`;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    for (const m of [`${marker}-retry`, `${marker}-kill`]) rmSync(m, { force: true });
    await h.close();
  });

  it('fails the job with the message of a lambda that throws on one record, after 4 attempts, and leaves no output', async () => {
    const out = `${base}/failed-out`;
    const run = await runJob(h, {
      source: `
export default async function main(ctx, [out]) {
  await ctx.range(1000, 10).map((x) => { if (x === 737) throw new Error('bad record ' + x); return x; }).saveAsTextFile(out);
  return 'unreachable';
}`,
      args: [out],
    });
    expect(run.report.finalStatus).to.equal('FAILED');
    expect(run.result).to.equal(undefined);
    expect(run.stderr).to.match(/partition 7 of stage 0 \(saveAsTextFile .*\) failed 4 time\(s\); last: attempt 4 on executor \d+/);
    expect(run.stderr).to.match(/Error: bad record 737\n\s+at /);
    expect(run.report.diagnostics).to.include('bad record 737');
    expect(await h.hdfs.exists(out), 'output of a failed job').to.equal(false);
    const hidden = (await h.hdfs.listStatus(base)).map((f) => f.name).filter((n) => n.startsWith('.'));
    expect(hidden, 'staging of a failed job').to.deep.equal([]);
  });

  it('names the identifier a lambda cannot have on the executor, and does not retry', async () => {
    // A lambda written in the call captures main's locals by itself (job-closures.test.ts); one made by
    // another function is not analysed, and still meets the executor without its variable.
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  const threshold = 5;
  const above = () => (x) => x > threshold;
  return ctx.range(10, 2).filter(above()).count();
}`,
    });
    expect(run.report.finalStatus).to.equal('FAILED');
    expect(run.stderr).to.match(/cannot use threshold on the executor/);
    expect(run.stderr).to.match(/\.filter\(fn, \{ threshold \}\)/);
    expect(run.stderr).to.match(/failed \(retrying cannot help\)/);
  });

  it('retries a task that fails once on another attempt and gets the exact result', async () => {
    const run = await runJob(h, {
      source: `
import { existsSync, writeFileSync } from 'node:fs';
export default async function main(ctx, [marker]) {
  const sum = await ctx.range(100, 5).map((x) => {
    if (x === 42 && !existsSync(marker)) { writeFileSync(marker, 'x'); throw new Error('transient'); }
    return x;
  }, { marker }).reduce((a, b) => a + b);
  return sum;
}`,
      args: [`${marker}-retry`],
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(run.result).to.equal(4950);
    expect(run.stderr).to.match(/1 failed attempt/);
  });

  it('loses nothing and duplicates nothing when an executor is SIGKILLed mid-job', async () => {
    const out = `${base}/killed-out`;
    const run = await runJob(h, {
      source: `
import { existsSync, writeFileSync } from 'node:fs';
const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
export default async function main(ctx, [marker, out]) {
  const ds = ctx.range(2000, 40).map((x) => {
    busy(2);
    if (x === 1234 && !existsSync(marker)) { writeFileSync(marker, 'x'); process.kill(process.pid, 'SIGKILL'); }
    return x;
  }, { marker });
  await ds.saveAsTextFile(out);
  return { count: await ds.count() };
}`,
      args: [`${marker}-kill`, out],
    });
    expect(run.report.finalStatus, `${run.report.diagnostics}\n${run.stderr}`).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({ count: 2000 });
    expect(run.stderr).to.match(/executor \d+ disconnected/);
    expect(run.stderr, 'a replacement executor').to.match(/executor 3 started/);
    const files = (await h.hdfs.listStatus(out))
      .map((f) => f.name)
      .filter((n) => n.startsWith('part-'))
      .sort();
    expect(files).to.have.length(40);
    const numbers: number[] = [];
    for (const f of files) numbers.push(...(await readText(h.hdfs, `${out}/${f}`)).trim().split('\n').map(Number));
    expect(numbers).to.deep.equal(Array.from({ length: 2000 }, (_, i) => i));
  });
});

describe('job engine on the real cluster: executor failures', function () {
  this.timeout(300_000);
  let h: JobHarness;

  before(() => {
    h = openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('fails the job with a clear reason when executors keep dying', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  // Every attempt exhausts the executor's heap: the executor process dies, again and again.
  return ctx.range(4, 4).map(() => { const hog = []; for (;;) hog.push(new Array(1e6).fill(1)); }).count();
}`,
      executors: 1,
      executorMemoryMb: 256,
      maxExecutorFailures: 2,
    });
    expect(run.report.finalStatus).to.equal('FAILED');
    expect(run.report.diagnostics).to.match(
      /^too many executor failures: 3 container failure\(s\), more than the 2 allowed; last: container_\S+ on \S+ /,
    );
    expect(run.stderr).to.match(/the ApplicationMaster stops the job: too many executor failures/);
  });
});
