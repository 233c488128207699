import { expect } from 'chai';
import { runLocalJob } from './job-local.js';

/**
 * Lambdas that use locals of main, with no closure object: the bundler captures those locals and
 * the driver ships them when the transformation is defined. Jobs run in process (job-local.ts)
 * through the real bundler, driver and executors.
 */
describe('captured closure values (in process)', () => {
  it('captures numbers, strings, objects and arrays, in narrow ops, shuffles and actions', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx, args) {
         const minLen = Number(args[0]);
         const prefix = args[1];
         const weights = { the: 10 };
         const stop = ['and', 'or'];
         const words = ctx.parallelize(['the cat and the hat', 'or a bat', 'the end'], 2)
           .flatMap((line) => line.split(' '))
           .filter((w) => w.length >= minLen && !stop.includes(w));
         const counts = words.map((w) => [prefix + w, 1]).reduceByKey((a, b) => a + b + (weights.the - 10), { partitions: 2 });
         return {
           sorted: await counts.sortBy(([w, n]) => (n === 3 ? '' : w) + prefix, { partitions: 1 }).collect(),
           total: await words.map((w) => w.length).fold(0, (a, b) => a + b + minLen - minLen),
           reduced: await words.map((w) => w.length).reduce((a, b) => Math.max(a, b, minLen)),
         };
       }`,
      { args: ['3', '#'] },
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({
      sorted: [
        ['#the', 3],
        ['#bat', 1],
        ['#cat', 1],
        ['#end', 1],
        ['#hat', 1],
      ],
      total: 21,
      reduced: 3,
    });
  });

  it('captures in TypeScript jobs, ignoring types and names used only as types', async () => {
    const run = await runLocalJob(
      `import type { Context } from 'spindle';
       interface Scored { word: string; score: number }
       export default async function main(ctx: Context, args: string[]): Promise<Scored[]> {
         type Local = { bonus: number };
         const cfg: Local = { bonus: Number(args[0]) };
         enum Level { Low = 1, High = 10 }
         return ctx.parallelize(['a', 'bb', 'ccc'], 2)
           .map((word: string): Scored => ({ word, score: word.length * Level.High + cfg.bonus } satisfies Scored))
           .filter((s) => (s as Scored).score > (Level.Low as number) * 20)
           .collect();
       }`,
      { extension: '.ts', args: ['5'] },
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal([
      { word: 'bb', score: 25 },
      { word: 'ccc', score: 35 },
    ]);
  });

  it('captures for nested lambdas, and in functions that build datasets', async () => {
    const run = await runLocalJob(
      `function longer(ds, n) { return ds.filter((w) => w.length > n); }
       export default async function main(ctx) {
         const k = 100;
         const tags = ['x', 'y'];
         const nested = ctx.parallelize([1, 2], 1)
           .map((x) => tags.map((t) => [1, 2].map((y) => t + (x * y + k))))
           .mapPartitions(async function* (records) { for await (const r of records) yield r.flat().join(',') + k; });
         return { nested: await nested.collect(), longer: await longer(ctx.parallelize(['a', 'abc', 'abcd'], 2), 2).collect() };
       }`,
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({
      nested: ['x101,x102,y101,y102100', 'x102,x104,y102,y104100'],
      longer: ['abc', 'abcd'],
    });
  });

  it('does not capture names shadowed by parameters or inner declarations, nor top-level names and imports', async () => {
    // Each local of main below is a function or a class instance: capturing any of them would fail.
    const run = await runLocalJob(
      `import { basename } from 'node:path';
       const SUFFIX = '!';
       function shout(s) { return s.toUpperCase() + SUFFIX; }
       export default async function main(ctx) {
         const x = () => 'main x';
         const f = () => 'main f';
         const sock = new (class Sock { send() {} })();
         const out = ctx.parallelize(['/a/b', '/c/d'], 1)
           .map((x) => basename(x))
           .map((v) => { const f = (z) => shout(z); return f(v); })
           .map((v) => { for (const sock of [v]) return sock + '?'; return ''; })
           .map(function sock(v) { try { throw v; } catch (f) { return f; } })
           .map((v) => { function x(y) { return y + y; } return x(v); });
         return { r: await out.collect(), mainLocals: [x(), f(), typeof sock.send] };
       }`,
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({ r: ['B!?B!?', 'D!?D!?'], mainLocals: ['main x', 'main f', 'function'] });
  });

  it('ships a captured local under the name the bundle gives it when esbuild renames it', async () => {
    // helpers.mjs has a top-level minLen too, so esbuild renames main's local (minLen2, say) in the bundle.
    const run = await runLocalJob(
      `import { longerThanMin } from './helpers.mjs';
       export default async function main(ctx, args) {
         const minLen = Number(args[0]);
         const k = 1;
         const ds = ctx.parallelize(['a', 'abc', 'abcdefgh'], 2);
         return {
           captured: await ds.filter((w) => w.length >= minLen).collect(),
           explicit: await ds.map((w) => w.length * k, { k: 10 }).collect(),
           helper: await ds.filter((w) => longerThanMin(w)).collect(),
         };
       }`,
      {
        args: ['3'],
        files: { 'helpers.mjs': 'const minLen = 5;\nconst k = 0;\nexport function longerThanMin(w) { return w.length > minLen + k; }\n' },
      },
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({ captured: ['abc', 'abcdefgh'], explicit: [10, 30, 80], helper: ['abcdefgh'] });
  });

  it('captures a broadcast handle', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const stop = ctx.broadcast(new Set(['b', 'c']));
         return ctx.parallelize(['a', 'b', 'c', 'd'], 2).filter((w) => !stop.value.has(w)).collect();
       }`,
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal(['a', 'd']);
  });

  it('uses the value a variable had when the transformation was defined', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         let factor = 2;
         const opts = { add: 1 };
         const scaled = ctx.parallelize([1, 2, 3], 2).map((x) => x * factor + opts.add);
         factor = 10;
         opts.add = 1000;
         return { before: await scaled.collect(), after: await scaled.map((x) => x * factor).collect() };
       }`,
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({ before: [3, 5, 7], after: [30, 50, 70] });
  });

  it('lets explicit closure values win over captured ones', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const k = 1;
         const norm = (s) => s.trim();
         const pairs = ctx.parallelize([' a ', 'b', 'a'], 2).map((s) => [norm(s), k], { k: 100, norm });
         return pairs.reduceByKey((a, b) => a + b + k, { closure: { k: 0 }, partitions: 1 }).collect();
       }`,
    );
    expect(run.error).to.equal(undefined);
    // With the captured k (1) instead of the explicit ones: [['a', 3], ['b', 1]].
    expect(run.result).to.deep.equal([
      ['a', 200],
      ['b', 100],
    ]);
  });

  it('refuses a captured function when the transformation is defined, naming the variable, the line and the remedy', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const norm = (s) => s.trim();
         const ds = ctx.parallelize([' a '], 1);
         try {
           ds.map((s) => norm(s));
         } catch (err) {
           return { name: err.name, message: err.message };
         }
         return 'defined';
       }`,
    );
    expect(run.error).to.equal(undefined);
    const { name, message } = run.result as { name: string; message: string };
    expect(name).to.equal('JobDefinitionError');
    expect(message).to.match(/^map: the function at \S*job\d+\.mjs:5 uses norm, a function defined inside main: functions are not copied/);
    expect(message).to.include('Move it to the module’s top level');
  });

  it('refuses class instances (a socket among them) and very large values, pointing at ctx.broadcast', async () => {
    const run = await runLocalJob(
      `import { Socket } from 'node:net';
       class Counter { n = 0; add() { this.n++; } }
       export default async function main(ctx) {
         const sock = new Socket();
         const counter = { inner: [new Counter()] };
         const big = 'x'.repeat(2 * 1024 * 1024);
         const ds = ctx.range(4, 1);
         const errors = [];
         for (const define of [
           () => ds.foreach((x) => sock.write(String(x))),
           () => ds.map((x) => counter.inner[0].n + x),
           () => ds.filter((x) => big.length > x),
         ]) {
           try { await define(); errors.push('defined'); } catch (err) { errors.push(err.message); }
         }
         return errors;
       }`,
    );
    expect(run.error).to.equal(undefined);
    const [sock, counter, big] = run.result as string[];
    expect(sock).to.match(/^foreach: the function at \S*job\d+\.mjs:10 uses sock, which holds an instance of Socket: it cannot be copied/);
    expect(counter).to.match(
      /^map: the function at \S*job\d+\.mjs:11 uses counter, which holds an instance of Counter \(counter\.inner\[0\]\)/,
    );
    expect(counter).to.include('ctx.broadcast(value)');
    expect(big).to.match(/^filter: the function at \S*job\d+\.mjs:12 uses big, which is 2\.0 MB when copied: .*ctx\.broadcast\(value\)/);
  });

  it('captures in helper modules of the job and for local functions passed by name; a factory’s function fails on the executor', async () => {
    const run = await runLocalJob(
      `import { longWords } from './helpers.mjs';
       export default async function main(ctx) {
         const limit = 3;
         const keep = (x) => x < limit;
         function odd(x) { return x % 2 === limit % 2; }
         const makeKeep = () => (x) => x < limit;
         const ds = ctx.parallelize(['a', 'abcd', 'abcdef'], 2);
         return {
           long: await longWords(ds, 3).collect(),
           byName: await ctx.range(10, 1).filter(keep).filter(odd).collect(),
           made: await ctx.range(10, 1).filter(makeKeep()).count().catch((err) => err.message),
         };
       }`,
      { files: { 'helpers.mjs': 'export function longWords(ds, min) { return ds.filter((w) => w.length > min); }\n' }, maxTaskAttempts: 1 },
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as { long: string[]; byName: number[]; made: string };
    expect(r.long).to.deep.equal(['abcd', 'abcdef']);
    expect(r.byName).to.deep.equal([1]);
    expect(r.made).to.match(/cannot use limit on the executor \(in the function given to filter\)/);
  });
});
