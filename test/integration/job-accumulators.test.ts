import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { openHarness, readText, submitJob, awaitJob, type JobHarness } from './job-harness.js';

/**
 * Accumulators on the real cluster: a TypeScript job counts bad records with a captured handle,
 * and one of its tasks throws on its first attempt after it has added to the accumulators. The
 * driver merges only the attempt that succeeded, so the final values are exact; they are printed
 * with the job's progress and served in the AM's status document.
 */
describe('job engine on the real cluster: accumulators', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-acc-${randomBytes(4).toString('hex')}`;
  // A marker on the NodeManagers' local disk (they all run on this host) makes "fail once" deterministic.
  const marker = `/tmp/spindle-it-acc-marker-${randomBytes(4).toString('hex')}`;
  // 2000 records, every 53rd one bad ("bad-<i>"), in several splits that each hold bad ones.
  const lines = Array.from({ length: 2000 }, (_, i) => (i % 53 === 7 ? `bad-${i}` : `${i}`));
  const badIds = lines.filter((l) => l.startsWith('bad-')).map((l) => Number(l.slice(4)));

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    await h.hdfs.create(`${base}/in.txt`, `${lines.join('\n')}\n`, { blockSize: 4096 });
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    rmSync(marker, { force: true });
    await h.close();
  });

  it('counts bad records exactly once although a task fails after adding, and shows the values', async () => {
    const appId = await submitJob(h, {
      extension: '.ts',
      source: `
import { existsSync, writeFileSync } from 'node:fs';
import type { Context } from 'spindle';

export default async function main(ctx: Context, [input, out, marker]: string[]) {
  const bad = ctx.accumulator('bad records', 0);
  const badIds = ctx.accumulator('bad ids', new Set<number>(), (a, b) => new Set([...a, ...b]));
  const largest = ctx.accumulator('largest good', -Infinity, Math.max);
  const good = ctx.textFile(input, { minPartitions: 4 }).flatMap((line) => {
    if (line.startsWith('bad-')) {
      bad.add(1);
      badIds.add(new Set([Number(line.slice(4))]));
      return [];
    }
    const n = Number(line);
    largest.add(n);
    // The first attempt of this task fails after it has added to every accumulator.
    if (n === 1500 && !existsSync(marker)) {
      writeFileSync(marker, 'x');
      throw new Error('transient failure after adding');
    }
    return [n];
  });
  await good.saveAsTextFile(out);
  // Stay a moment so that the status document can be read with the final values.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  return { bad: bad.value, badIds: [...badIds.value].sort((x, y) => x - y), largest: largest.value };
}`,
      args: [`${base}/in.txt`, `${base}/out`, marker],
      // Tasks run in worker threads, whose statuses (and updates) reach the executor's main thread as messages.
      executors: 2,
      executorCores: 2,
      executorMemoryMb: 512,
    });

    // The AM's status document, through the RM's web proxy, once the save is done.
    const proxy = `${h.config.yarn.rmWebUrls[0]}/proxy/${appId}/`;
    type Acc = { name: string; value: unknown; updates: number };
    let shown: Acc[] | undefined;
    for (let i = 0; i < 240 && !shown; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await fetch(proxy, { headers: { accept: 'application/json' } }).catch(() => undefined);
      if (!res?.ok) continue;
      let body: { job?: { accumulators?: Acc[]; stages?: { state: string }[] } };
      try {
        body = JSON.parse(await res.text());
      } catch {
        continue;
      }
      const stages = body.job?.stages ?? [];
      if (stages.length > 0 && stages.every((s) => s.state === 'succeeded')) shown = body.job?.accumulators;
    }

    const run = await awaitJob(h, appId);
    expect(run.report.finalStatus, `${run.report.diagnostics}\n${run.stderr}`).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({ bad: badIds.length, badIds, largest: 1999 });
    // The failed attempt happened (its additions were dropped): the stage says so.
    const stage = /stage 0 \(saveAsTextFile [^\n]*: (\d+)\/\1 tasks done, 0 running, 1 failed attempt\(s\) \[succeeded\]/.exec(run.stderr);
    expect(stage, run.stderr).to.not.equal(null);
    const tasks = Number(stage![1]);
    expect(tasks).to.be.greaterThanOrEqual(3);
    // The set is shown in the order tasks finished, cut short on the progress line.
    expect(run.stderr).to.match(
      new RegExp(`accumulators: bad records = ${badIds.length}, bad ids = \\[[\\d,]+\\.\\.\\., largest good = 1999\n`),
    );

    expect(shown, 'accumulators in the status document').to.not.equal(undefined);
    expect(shown!.map((a) => [a.name, a.updates])).to.deep.equal([
      ['bad records', tasks],
      ['bad ids', tasks],
      ['largest good', tasks],
    ]);
    expect(shown![0]!.value).to.equal(badIds.length);
    expect([...(shown![1]!.value as number[])].sort((x, y) => x - y)).to.deep.equal(badIds);
    expect(shown![2]!.value).to.equal(1999);

    let saved = '';
    for (const f of (await h.hdfs.listStatus(`${base}/out`)).filter((x) => x.name.startsWith('part-'))) {
      saved += await readText(h.hdfs, `${base}/out/${f.name}`);
    }
    expect(saved.split('\n').filter(Boolean).length).to.equal(lines.length - badIds.length);
  });
});
