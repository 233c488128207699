import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { openHarness, readText, runJob, type JobHarness } from './job-harness.js';

/**
 * Lambdas that use locals of main, with no closure object, on the real cluster: the bundle's
 * rewrite, the driver's capture at definition time and the executors' rebuilt functions together.
 */
describe('captured closure values on the real cluster', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-closures-${randomBytes(4).toString('hex')}`;
  const text = Array.from(
    { length: 400 },
    (_, i) => `the ${['cat', 'horse', 'elephant', 'ox'][i % 4]} and ${i % 9} a ${'x'.repeat(i % 7)}`,
  );
  /** Word counts of `text` for words of at least `minLen` characters, not in `stop`. */
  const expected = (minLen: number, stop: string[] = []): [string, number][] => {
    const counts = new Map<string, number>();
    for (const w of text.join('\n').split(/\s+/)) {
      if (w.length >= minLen && !stop.includes(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    return [...counts].sort(([a], [b]) => (a < b ? -1 : 1));
  };
  const readCounts = async (dir: string): Promise<[string, number][]> => {
    const parts = (await h.hdfs.listStatus(dir)).map((f) => f.name).filter((n) => n.startsWith('part-'));
    let all = '';
    for (const p of parts) all += await readText(h.hdfs, `${dir}/${p}`);
    return all
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as [string, number])
      .sort(([a], [b]) => (a < b ? -1 : 1));
  };

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    await h.hdfs.create(`${base}/in/text.txt`, `${text.join('\n')}\n`, { blockSize: 4096 });
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  it('runs a TypeScript word count whose filter captures a local of main', async () => {
    const run = await runJob(h, {
      extension: '.ts',
      source: `
import type { Context } from 'spindle';
export default async function main(ctx: Context, args: string[]) {
  const [input, output] = args;
  const minLen: number = Number(args[2]);
  const words = ctx.textFile(input!).flatMap((line: string) => line.split(/\\s+/)).filter((w) => w.length >= minLen);
  const counts = words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, { partitions: 3 });
  await counts.saveAsJsonFile(output!);
  return { words: await words.count(), minLen };
}`,
      args: [`${base}/in`, `${base}/out-ts`, '3'],
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const want = expected(3);
    expect(run.result).to.deep.equal({ words: want.reduce((s, [, n]) => s + n, 0), minLen: 3 });
    expect(await readCounts(`${base}/out-ts`)).to.deep.equal(want);
  });

  it('runs a JavaScript job with a captured broadcast and a value reassigned after the call, and refuses a captured function', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx, [input, output, min]) {
  let minLen = Number(min);
  const stop = ctx.broadcast(new Set(['the', 'and']));
  const words = ctx.textFile(input).flatMap((line) => line.split(/\\s+/)).filter((w) => w.length >= minLen && !stop.value.has(w));
  minLen = 100;
  await words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, { partitions: 2 }).saveAsJsonFile(output);
  const norm = (w) => w.trim();
  let refused = '';
  try {
    words.map((w) => norm(w));
  } catch (err) {
    refused = err.message;
  }
  return { refused };
}`,
      args: [`${base}/in`, `${base}/out-js`, '2'],
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(await readCounts(`${base}/out-js`)).to.deep.equal(expected(2, ['the', 'and']));
    const { refused } = run.result as { refused: string };
    expect(refused).to.match(/^map: the function at \S*job\.mjs:11 uses norm, a function defined inside main/);
  });
});
