import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { FakeFs } from './job-fake-fs.js';
import { runLocalJob } from './job-local.js';

/**
 * Accumulators in whole jobs, in process (job-local.ts): the real bundler captures the handles, the
 * driver ships them as references, executors add to them in tasks, and the driver merges each
 * partition's successful attempt once.
 */
describe('accumulators in jobs (in process)', () => {
  it('counts bad records exactly once when a task fails after adding, with captured handles (TypeScript)', async () => {
    const run = await runLocalJob(
      `import type { Context } from 'spindle';
       // Top-level state is shared by the in-process executors: partition 1's first attempt fails.
       let failed = false;
       export default async function main(ctx: Context) {
         const bad = ctx.accumulator('bad records', 0);
         const badKeys = ctx.accumulator('bad keys', new Set<string>(), (a, b) => new Set([...a, ...b]));
         const longest = ctx.accumulator('longest', 0, Math.max);
         const lines = ['1', 'x', '2', 'y', 'z', '3', 'w', '4'];
         const good = ctx.parallelize(lines, 4).filter((l) => {
           longest.add(l.length);
           if (!/^\\d+$/.test(l)) {
             bad.add(1);
             badKeys.add(new Set([l]));
             if (l === 'z' && !failed) {
               failed = true;
               throw new Error('first attempt fails after adding');
             }
             return false;
           }
           return true;
         });
         const sum = await good.map(Number).reduce((a, b) => a + b);
         return { sum, bad: bad.value, badKeys: [...badKeys.value].sort(), longest: longest.value };
       }`,
      { extension: '.ts' },
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({ sum: 10, bad: 4, badKeys: ['w', 'x', 'y', 'z'], longest: 1 });
    expect(run.logs.join('\n')).to.match(
      /stage 0 \(reduce of parallelize\(8\) → filter → map\): 4\/4 tasks done, 0 running, 1 failed attempt\(s\) \[succeeded\]/,
    );
    // The set's order is the order tasks finished in.
    const line = run.logs.find((l) => l.startsWith('accumulators: '));
    expect(line).to.match(/^accumulators: bad records = 4, bad keys = \[("[wxyz]",?){4}\], longest = 1$/);
  });

  it('counts in each action that computes the dataset, and in the map side of a shuffle once per map task', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const seen = ctx.accumulator('seen', 0);
         const words = ctx.parallelize(['a b', 'b c', 'c d a'], 3).flatMap((l) => { seen.add(1); return l.split(' '); });
         const counts = await words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, { partitions: 2 }).collect();
         const afterShuffle = seen.value;
         await words.count();
         return { keys: counts.length, afterShuffle, afterCount: seen.value };
       }`,
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({ keys: 4, afterShuffle: 3, afterCount: 6 });
  });

  it('ships handles given as explicit closure values, and merge functions that use locals of main', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const cap = 3;
         const firstFew = ctx.accumulator('first few', [], (a, b) => [...a, ...b].sort((x, y) => x - y).slice(0, cap));
         const total = ctx.accumulator('total', 100);
         await ctx.range(10, 4).foreach(function (x) { few.add([x]); sum.add(x); }, { few: firstFew, sum: total });
         return { firstFew: firstFew.value, total: total.value };
       }`,
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({ firstFew: [0, 1, 2], total: 145 });
  });

  it('fails a task that reads an accumulator value, saying only the driver can', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const n = ctx.accumulator('n', 0);
         return ctx.range(2, 1).map((x) => x + n.value).collect();
       }`,
      { maxTaskAttempts: 1 },
    );
    expect(run.error?.message).to.include('accumulator "n": its value can be read only in the driver (in main, after an action)');
  });

  it('refuses a bad accumulator in main, before any task runs', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         ctx.accumulator('words', [], (a, b) => a.concat(b));
         ctx.accumulator('names', 'none');
       }`,
    );
    expect(run.error?.name).to.equal('JobDefinitionError');
    expect(run.error?.message).to.equal(
      'accumulator "names": the initial value of a summing accumulator must be a finite number (got the string "none"); ' +
        'for other values give a merge function too, e.g. ctx.accumulator(name, new Set(), (a, b) => new Set([...a, ...b]))',
    );
  });

  it('runs examples/bad-records.ts: exact counts of what it drops', async () => {
    const fs = new FakeFs(256);
    const lines = Array.from({ length: 120 }, (_, i) =>
      i % 17 === 3
        ? `{"shop": broken ${i}`
        : i % 13 === 5
          ? JSON.stringify({ shop: `s${i % 4}` })
          : JSON.stringify({ shop: 'x', amount: i }),
    );
    fs.put('/user/alice/sales/orders.json', `${lines.join('\n')}\n`);
    const source = readFileSync(new URL('../../../examples/bad-records.ts', import.meta.url), 'utf8');
    const run = await runLocalJob(source, { extension: '.ts', fs, args: ['sales', 'clean'] });
    expect(run.error).to.equal(undefined);
    const broken = lines.filter((l) => l.includes('broken'));
    const noAmount = lines.filter((l) => !l.includes('broken') && !l.includes('amount'));
    expect(run.result).to.deep.equal({
      unparsable: broken.length,
      shopsWithoutAmount: [...new Set(noAmount.map((l) => JSON.parse(l).shop as string))].sort(),
      longestLine: Math.max(...lines.map((l) => l.length)),
    });
    const saved = [...fs.entries.keys()].filter((k) => k.startsWith('/user/alice/clean/part-'));
    const records = saved.flatMap((k) => fs.text(k).split('\n').filter(Boolean));
    expect(records.length).to.equal(lines.length - broken.length - noAmount.length);
  });
});
