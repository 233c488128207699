import { expect } from 'chai';
import { FakeFs } from './job-fake-fs.js';
import { runLocalJob } from './job-local.js';

/**
 * The whole engine in one process: job modules bundled for real, a driver runtime, executors over
 * TCP, an in-memory HDFS. What the cluster adds (containers, WebHDFS) is tested in integration.
 */
describe('job engine (in process)', function () {
  this.timeout(20_000);

  it('reads text files, directories and globs, skipping _ and . names, with every line once', async () => {
    const fs = new FakeFs(64);
    fs.put('/data/logs/a.log', 'a1\r\na2 ERROR\ra3\n'.repeat(30));
    fs.put('/data/logs/b.log', 'b1 ERROR\nb2\n');
    fs.put('/data/logs/sub/c.log', 'c1\n');
    fs.put('/data/logs/_SUCCESS', 'no\n');
    fs.put('/data/logs/.hidden', 'no\n');
    fs.put('/user/alice/rel.txt', 'relative\n');
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const all = ctx.textFile('/data/logs');
         return {
           all: await all.collect(),
           parts: await all.numPartitions(),
           glob: await ctx.textFile('hdfs://nn:8020/data/logs/*.log').count(),
           errors: await all.filter((l) => l.includes('ERROR')).count(),
           relative: await ctx.textFile('rel.txt').collect(),
           many: await ctx.textFile(['/data/logs/b.log', '/data/logs/sub/c.log']).collect(),
         };
       }`,
      { fs },
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as Record<string, unknown>;
    const a = Array.from({ length: 30 }, () => ['a1', 'a2 ERROR', 'a3']).flat();
    expect(r.all).to.deep.equal([...a, 'b1 ERROR', 'b2', 'c1']);
    expect(r.parts).to.equal(10);
    expect(r.glob).to.equal(92);
    expect(r.errors).to.equal(31);
    expect(r.relative).to.deep.equal(['relative']);
    expect(r.many).to.deep.equal(['b1 ERROR', 'b2', 'c1']);
  });

  it('fails with a clear message for a missing path and a glob that matches nothing', async () => {
    const missing = await runLocalJob(`export default async (ctx) => ctx.textFile('/nope').count();`);
    expect(missing.error?.message).to.equal(
      'textFile /nope: no such file or directory; check the path (relative paths start at your HDFS home directory)',
    );
    const glob = await runLocalJob(`export default async (ctx) => ctx.textFile('/data/*.x').count();`);
    expect(glob.error?.message).to.equal('textFile /data/*.x: no files match; check the pattern (spindle fs ls shows what is there)');
  });

  it('saves text and JSON with the commit protocol, and reads JSON lines back', async () => {
    const fs = new FakeFs(128);
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const ds = ctx.parallelize([{ a: 1 }, 'plain', 3, [4, 5], null], 2);
         await ds.saveAsTextFile('/out/text');
         await ds.saveAsJsonFile('/out/json');
         return ctx.jsonFile('/out/json').collect();
       }`,
      { fs },
    );
    expect(run.error).to.equal(undefined);
    expect(fs.children('/out/text')).to.deep.equal(['/out/text/_SUCCESS', '/out/text/part-00000', '/out/text/part-00001']);
    expect(fs.text('/out/text/part-00000') + fs.text('/out/text/part-00001')).to.equal('{"a":1}\nplain\n3\n[4,5]\nnull\n');
    expect(run.result).to.deep.equal([{ a: 1 }, 'plain', 3, [4, 5], null]);
    expect(fs.children('/out').filter((p) => p.includes('/.'))).to.deep.equal([]);
  });

  it('round-trips Avro records with unions, arrays, maps and nullable fields', async () => {
    const fs = new FakeFs(256);
    const run = await runLocalJob(
      `const schema = {
         type: 'record', name: 'User', fields: [
           { name: 'id', type: 'long' },
           { name: 'name', type: 'string' },
           { name: 'email', type: ['null', 'string'], default: null },
           { name: 'scores', type: { type: 'array', items: 'double' } },
           { name: 'attrs', type: { type: 'map', values: 'string' } },
           { name: 'ref', type: ['null', 'int', 'string'], default: null },
         ] };
       export default async function main(ctx) {
         const users = ctx.range(300, 3).map((i) => ({
           id: i, name: 'user' + i, email: i % 2 ? null : 'u' + i + '@x',
           scores: [i / 2, i], attrs: { k: String(i) }, ref: i % 3 === 0 ? null : i % 3 === 1 ? i : 's' + i,
         }));
         await users.saveAsAvroFile('/avro/users', schema, { codec: 'deflate' });
         const back = ctx.avroFile('/avro/users');
         return { n: await back.count(), parts: await back.numPartitions(), some: await back.filter((u) => u.id % 100 === 1).collect() };
       }`,
      { fs },
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as { n: number; parts: number; some: unknown[] };
    expect(r.n).to.equal(300);
    expect(r.parts).to.be.greaterThan(3);
    expect(r.some.map((u) => ({ ...(u as object) }))).to.deep.equal(
      [1, 101, 201].map((i) => ({
        id: i,
        name: `user${i}`,
        email: null,
        scores: [i / 2, i],
        attrs: { k: String(i) },
        ref: i % 3 === 0 ? null : i % 3 === 1 ? i : `s${i}`,
      })),
    );
    expect(fs.children('/avro/users')[0]).to.equal('/avro/users/_SUCCESS');
  });

  it('names the field of a record that does not match the Avro schema', async () => {
    const run = await runLocalJob(
      `export default async (ctx) => ctx.parallelize([{ id: 'x' }], 1)
         .saveAsAvroFile('/bad', { type: 'record', name: 'R', fields: [{ name: 'id', type: 'int' }] });`,
      { maxTaskAttempts: 1 },
    );
    expect(run.error?.message).to.match(/saveAsAvroFile: a record does not match the schema: id: "x" is not int/);
  });

  it('passes closure values and broadcasts, and uses the module scope of the job', async () => {
    const run = await runLocalJob(
      `import { basename } from 'node:path';
       const SUFFIX = '!';
       function shout(s) { return s.toUpperCase() + SUFFIX; }
       export default async function main(ctx, [min]) {
         const stop = ctx.broadcast(new Set(['b']));
         const norm = (s) => s.trim();
         return ctx.parallelize([' a ', 'b', '/x/c', 'dd'], 2)
           .map((s) => basename(norm(s)), { norm })
           .filter((s) => !stop.value.has(s) && s.length >= min, { stop, min: Number(min) })
           .map(shout)
           .collect();
       }`,
      { args: ['1'] },
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal(['A!', 'C!', 'DD!']);
  });

  it('ships methods and well-known built-ins', async () => {
    const run = await runLocalJob(
      `const parser = { parse(line) { return Number(line) * 2; } };
       export default async (ctx) => ({
         m: await ctx.parallelize(['1', '2'], 1).map(parser.parse).collect(),
         b: await ctx.parallelize(['3', '4'], 1).map(Number).collect(),
         j: await ctx.parallelize(['{"a":1}'], 1).map(JSON.parse).collect(),
       });`,
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.deep.equal({ m: [2, 4], b: [3, 4], j: [{ a: 1 }] });
  });

  it('fails a function made by another that uses a local of main, naming it and how to pass it', async () => {
    // A lambda written in the call, or a local one passed by name, captures limit (job-capture.test.ts); one a factory returns does not.
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const limit = 3;
         const makeBelow = () => (x) => x < limit;
         return ctx.range(10, 2).filter(makeBelow()).count();
       }`,
    );
    expect(run.error?.name).to.equal('TaskFailedError');
    expect(run.error?.message).to.match(/cannot use limit on the executor \(in the function given to filter\)/);
    expect(run.error?.message).to.match(/\.filter\(fn, \{ limit \}\)/);
  });

  it('runs chains of narrow ops fused, in record order, naming the op whose function failed', async () => {
    const ok = await runLocalJob(
      `export default async function main(ctx) {
         return ctx.range(3000, 2)
           .flatMap((x) => (x % 3 === 0 ? [] : x % 3 === 1 ? [x, -x] : new Set([x])))
           .filter((x) => x % 5 !== 0)
           .keyBy((x) => x % 7)
           .mapValues((x) => x * 2)
           .map(([k, v]) => k + ':' + v)
           .collect();
       }`,
    );
    expect(ok.error).to.equal(undefined);
    const expected: string[] = [];
    for (let x = 0; x < 3000; x++) {
      for (const y of x % 3 === 0 ? [] : x % 3 === 1 ? [x, -x] : [x]) if (y % 5 !== 0) expected.push(`${y % 7}:${y * 2}`);
    }
    expect(ok.result).to.deep.equal(expected);
    const lost = await runLocalJob(
      `export default async function main(ctx) {
         const limit = 3;
         const makeBelow = () => (x) => x < limit;
         return ctx.range(10, 1).map((x) => x + 1).filter(makeBelow()).map((x) => x).count();
       }`,
      { maxTaskAttempts: 1 },
    );
    expect(lost.error?.message).to.match(/cannot use limit on the executor \(in the function given to filter\)/);
  });

  it('retries a throwing task up to maxAttempts, then fails with the message, partition and attempt', async () => {
    const run = await runLocalJob(
      `export default async (ctx) => ctx.range(100, 4).map((x) => { if (x === 60) throw new RangeError('no ' + x); return x; }).count();`,
    );
    expect(run.error?.message).to.match(
      /^partition 2 of stage 0 \(count of range\(100\) → map\) failed 4 time\(s\); last: attempt 4 on executor \d \(localhost\):\nRangeError: no 60\n\s+at /,
    );
  });

  it('re-runs the tasks of an executor whose connection breaks, and the result is exact', async () => {
    const run = await runLocalJob(
      `const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
       export default async (ctx) => ctx.range(400, 40).map((x) => { busy(1); return x; }).reduce((a, b) => a + b);`,
      { onExecutors: (channels) => setTimeout(() => channels[0]!.destroy(), 30) },
    );
    expect(run.error).to.equal(undefined);
    expect(run.result).to.equal((399 * 400) / 2);
    expect(run.logs.some((l) => /executor 1 disconnected/.test(l))).to.equal(true);
  });

  it('take reads as few partitions as it needs; first and reduce reject on an empty dataset', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const ds = ctx.range(100, 10);
         const errors = [];
         for (const f of [() => ctx.range(0, 2).first(), () => ctx.parallelize([], 3).reduce((a, b) => a + b)]) {
           try { await f(); } catch (e) { errors.push(e.message); }
         }
         return { take: await ds.take(15), none: await ds.take(0), errors };
       }`,
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as { take: number[]; none: number[]; errors: string[] };
    expect(r.take).to.deep.equal(Array.from({ length: 15 }, (_, i) => i));
    expect(r.none).to.deep.equal([]);
    expect(r.errors).to.deep.equal(['first: the dataset is empty', 'reduce: the dataset is empty']);
    // 1 partition, then 4 more: never all 10.
    expect(run.logs.filter((l) => /take\(15\)/.test(l)).join('\n')).to.match(/4\/4 tasks/);
  });

  it('samples the same records on every run with the same seed', async () => {
    const run = await runLocalJob(
      `export default async (ctx) => {
         const a = await ctx.range(1000, 4).sample(false, 0.1, 42).collect();
         const b = await ctx.range(1000, 4).sample(false, 0.1, 42).collect();
         const c = await ctx.range(1000, 4).sample(true, 2, 1).count();
         return { same: JSON.stringify(a) === JSON.stringify(b), n: a.length, c };
       };`,
    );
    const r = run.result as { same: boolean; n: number; c: number };
    expect(r.same).to.equal(true);
    expect(r.n).to.be.within(60, 140);
    expect(r.c).to.be.within(1800, 2200);
  });
});

describe('job engine (in process): TypeScript job files', function () {
  this.timeout(20_000);

  it('bundles a .ts job whose types come from spindle (type-only imports are erased)', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { bundleJob } = await import('../../client/job-bundle.js');
    const dir = mkdtempSync(join(tmpdir(), 'spindle-ts-job-'));
    writeFileSync(join(dir, 'helpers.ts'), 'export const square = (x: number): number => x * x;\n');
    writeFileSync(
      join(dir, 'job.ts'),
      `import type { Context } from 'spindle';
       import { type Dataset } from 'spindle';
       import { square } from './helpers.js';
       interface Row { n: number }
       export default async function main(ctx: Context): Promise<number[]> {
         const ds: Dataset<Row> = ctx.range(4, 2).map((n: number): Row => ({ n: square(n) }));
         return ds.map((r) => r.n).collect();
       }`,
    );
    const bundled = await bundleJob(join(dir, 'job.ts'));
    expect(bundled.code).to.include('function __spindleEvaluate(__spindle_source)');
    expect(bundled.code).to.not.match(/from ["']spindle["']/);
  });

  it('reports a syntax error with file and line, and refuses CommonJS job files', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { bundleJob } = await import('../../client/job-bundle.js');
    const dir = mkdtempSync(join(tmpdir(), 'spindle-bad-job-'));
    writeFileSync(join(dir, 'bad.ts'), 'export default async function main(ctx) {\n  return ctx.range(3).count(;\n}\n');
    const failure = (p: Promise<unknown>): Promise<Error | undefined> =>
      p.then(
        () => undefined,
        (e: Error) => e,
      );
    expect((await failure(bundleJob(join(dir, 'bad.ts'))))?.message).to.match(/bad\.ts:2:\d+: /);
    writeFileSync(join(dir, 'cjs.js'), 'module.exports = async function main(ctx) { return 1; };\n');
    expect((await failure(bundleJob(join(dir, 'cjs.js'))))?.message).to.match(/it is a CommonJS module; job files must be ES modules/);
  });
});
