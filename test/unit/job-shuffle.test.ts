import { expect } from 'chai';
import { runLocalJob } from './job-local.js';

/** Shuffles end to end in one process: real executors, block servers over TCP, map output on disk. */
describe('job engine shuffles (in process)', function () {
  this.timeout(60_000);

  it('counts words exactly, on skewed multi-byte text, into numPartitions part files', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const lines = [];
         const words = ['the', 'été', 'naïve', '日本語', '🙂', 'a', 'The', '1', 'x'.repeat(50)];
         for (let i = 0; i < 3000; i++) {
           const n = 1 + (i % 7);
           const line = [];
           for (let j = 0; j < n; j++) line.push(words[(i * j + (i % 3 === 0 ? 0 : j)) % (i % 11 === 0 ? words.length : 2)]);
           lines.push(line.join(' '));
         }
         const expected = new Map();
         for (const l of lines) for (const w of l.split(' ')) expected.set(w, (expected.get(w) ?? 0) + 1);
         const counts = ctx.parallelize(lines, 5).flatMap((l) => l.split(' ')).map((w) => [w, 1]).reduceByKey((a, b) => a + b, 3);
         const got = await counts.collect();
         await counts.saveAsTextFile('/out/wc');
         return { got, expected: [...expected], parts: await counts.numPartitions() };
       }`,
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as { got: [string, number][]; expected: [string, number][]; parts: number };
    expect(new Map(r.got)).to.deep.equal(new Map(r.expected));
    expect(r.got.length).to.equal(r.expected.length);
    expect(r.parts).to.equal(3);
    expect(run.fs.children('/out/wc').filter((n) => n.startsWith('/out/wc/part-'))).to.have.length(3);
    expect(run.shuffleFiles.some((f) => f.endsWith('.data'))).to.equal(true);
  });

  it('joins of every kind, with missing and duplicate keys, and cogroup', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const left = ctx.parallelize([['a', 1], ['a', 2], ['b', 3], [{ x: 1, y: 2 }, 'o'], [1, 'num']], 3);
         const right = ctx.parallelize([['a', 'x'], ['c', 'y'], ['a', 'z'], [{ y: 2, x: 1 }, 'p'], ['1', 'str']], 2);
         const sort = (rows) => rows.map((r) => JSON.stringify(r)).sort();
         return {
           inner: sort(await left.join(right, 4).collect()),
           left: sort(await left.leftOuterJoin(right).collect()),
           right: sort(await left.rightOuterJoin(right).collect()),
           full: sort(await left.fullOuterJoin(right, 1).collect()),
           cogroup: sort((await left.cogroup([right]).collect()).map(([k, sides]) => [k, sides.map((vs) => vs.map(String).sort())])),
         };
       }`,
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as Record<string, string[]>;
    const j = (rows: unknown[]): string[] => rows.map((x) => JSON.stringify(x)).sort();
    const inner = [
      ['a', [1, 'x']],
      ['a', [1, 'z']],
      ['a', [2, 'x']],
      ['a', [2, 'z']],
      [{ x: 1, y: 2 }, ['o', 'p']],
    ];
    expect(r.inner).to.deep.equal(j(inner));
    expect(r.left).to.deep.equal(j([...inner, ['b', [3, undefined]], [1, ['num', undefined]]]));
    expect(r.right).to.deep.equal(j([...inner, ['c', [undefined, 'y']], ['1', [undefined, 'str']]]));
    expect(r.full).to.deep.equal(
      j([...inner, ['b', [3, undefined]], [1, ['num', undefined]], ['c', [undefined, 'y']], ['1', [undefined, 'str']]]),
    );
    expect(r.cogroup).to.have.length(6);
    expect(r.cogroup).to.include(
      JSON.stringify([
        'a',
        [
          ['1', '2'],
          ['x', 'z'],
        ],
      ]),
    );
    expect(r.cogroup).to.include(JSON.stringify(['1', [[], ['str']]]));
  });

  for (const [how, memory] of [
    ['in memory', undefined],
    ['spilling', 4096],
  ] as const) {
    it(`outputs keys that encode equal as one key in its canonical spelling (${how})`, async () => {
      const run = await runLocalJob(
        `export default async function main(ctx) {
           const rows = [];
           for (let i = 0; i < 3000; i++) rows.push([i % 3 ? { y: i % 5, x: 'k' } : { x: 'k', y: i % 5 }, 1]);
           rows.push([-0, 1], [0, 1], [-0, 1]);
           const pairs = ctx.parallelize(rows, 4);
           const keys = (rs) => rs.map(([k, v]) => JSON.stringify(k) + (Object.is(k, -0) ? '-' : '') + '=' + v).sort();
           return {
             reduced: keys(await pairs.reduceByKey((a, b) => a + b, 2).collect()),
             grouped: keys(await pairs.groupByKey(3).mapValues((vs) => vs.length).collect()),
             joined: keys(await pairs.join(ctx.parallelize([[{ y: 1, x: 'k' }, 'j'], [0, 'z']], 1), 2).mapValues(() => 1).reduceByKey((a, b) => a + b).collect()),
           };
         }`,
        memory === undefined ? {} : { shuffleMemoryBytes: memory },
      );
      expect(run.error).to.equal(undefined);
      const r = run.result as Record<string, string[]>;
      const all = ['0=3', ...[0, 1, 2, 3, 4].map((y) => `{"x":"k","y":${y}}=600`)];
      expect(r.reduced).to.deep.equal(all);
      expect(r.grouped).to.deep.equal(all);
      expect(r.joined).to.deep.equal(['0=3', '{"x":"k","y":1}=600']);
    });
  }

  it('takes options objects: partitions, closure values and ascending, and rejects unknown options', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const w = 10;
         const pairs = ctx.range(100, 3).map((i) => [i % 4, i]);
         const parts = async (ds) => [await ds.numPartitions(), (await ds.collect()).length];
         const sorted = pairs.sortBy((kv) => kv[1] * w, { ascending: false, partitions: 2, closure: { w } });
         const other = ctx.parallelize([[0, 'zero'], [9, 'nine']], 1);
         const failures = [];
         const misuses = [() => pairs.reduceByKey((a, b) => a + b * w, { w }), () => pairs.sortByKey({ closure: {} })];
         for (const bad of [...misuses, () => pairs.groupByKey({ partitons: 2 }), () => pairs.join(pairs, { partitions: 0 })]) {
           try { bad(); failures.push('no error'); } catch (e) { failures.push(e.message); }
         }
         return {
           reduced: (await pairs.reduceByKey((a, b) => Math.max(a, b, w * 100), { partitions: 3, closure: { w } }).collect()).sort(),
           aggregated: await parts(pairs.aggregateByKey(0, (a, v) => a + v * w, (a, b) => a + b, { partitions: 2, closure: { w } })),
           combined: await parts(pairs.combineByKey((v) => [v], (c, v) => [...c, v], (a, b) => a.concat(b), { partitions: 5 })),
           grouped: await parts(pairs.groupByKey({ partitions: 4 })),
           distinct: await parts(pairs.keys().distinct({ partitions: 2 })),
           cogrouped: await parts(pairs.cogroup([other], { partitions: 3 })),
           joined: await parts(pairs.fullOuterJoin(other, { partitions: 6 })),
           byKey: (await pairs.sortByKey({ ascending: false, partitions: 2 }).keys().collect()).join(''),
           sorted: [await sorted.numPartitions(), (await sorted.take(3)).map((kv) => kv[1])],
           legacy: (await pairs.sortBy((kv) => kv[1], false, 1).take(2)).map((kv) => kv[1]),
           failures,
         };
       }`,
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as Record<string, unknown>;
    expect(r.reduced).to.deep.equal([
      [0, 1000],
      [1, 1000],
      [2, 1000],
      [3, 1000],
    ]);
    expect(r.aggregated).to.deep.equal([2, 4]);
    expect(r.combined).to.deep.equal([5, 4]);
    expect(r.grouped).to.deep.equal([4, 4]);
    expect(r.distinct).to.deep.equal([2, 4]);
    expect(r.cogrouped).to.deep.equal([3, 5]);
    expect(r.joined).to.deep.equal([6, 100 + 1]);
    expect(r.byKey).to.equal('3'.repeat(25) + '2'.repeat(25) + '1'.repeat(25) + '0'.repeat(25));
    expect(r.sorted).to.deep.equal([2, [99, 98, 97]]);
    expect(r.legacy).to.deep.equal([99, 98]);
    expect(r.failures).to.deep.equal([
      'reduceByKey: unknown option "w" (options: partitions, closure; closure values go in { closure: { w } })',
      'sortByKey: unknown option "closure" (options: partitions, ascending)',
      'groupByKey: unknown option "partitons" (options: partitions)',
      'join: partitions must be a whole number >= 1 (got 0)',
    ]);
  });

  it('sortBy is totally ordered across partitions, ascending and descending, spilling on both sides', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const data = [];
         let s = 7;
         for (let i = 0; i < 5000; i++) { s = (s * 1103515245 + 12345) % 2147483648; data.push({ id: i, v: s % 1000 }); }
         const asc = ctx.parallelize(data, 4).sortBy((r) => r.v, true, 5);
         const parts = await asc.mapPartitionsWithIndex((i, rs) => (async () => { const out = []; for await (const r of rs) out.push([i, r.v]); return out; })()).collect();
         const desc = await ctx.parallelize(data, 3).map((r) => [r.v, r.id]).sortByKey(false, 4).keys().collect();
         await asc.saveAsJsonFile('/out/sorted');
         return { parts, desc, n: data.length };
       }`,
      { shuffleMemoryBytes: 8192 },
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as { parts: [number, number][]; desc: number[]; n: number };
    expect(r.parts).to.have.length(r.n);
    const values = r.parts.map((p) => p[1]);
    expect(values).to.deep.equal([...values].sort((a, b) => a - b));
    expect(new Set(r.parts.map((p) => p[0])).size).to.be.greaterThan(3);
    expect(r.desc).to.deep.equal([...r.desc].sort((a, b) => b - a));
    const files = run.fs.children('/out/sorted').filter((f) => f.includes('part-'));
    expect(files).to.have.length(5);
    const fromFiles = files.flatMap((f) =>
      run.fs
        .text(f)
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { v: number }).v),
    );
    expect(fromFiles).to.deep.equal(values);
  });

  it('groupByKey, distinct, repartition, aggregateByKey, combineByKey and countByKey, spilling with a tiny budget', async () => {
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const pairs = ctx.range(20000, 4).map((i) => [i % 97, i]);
         const groups = await pairs.groupByKey(3).mapValues((vs) => vs.length).collect();
         const sums = await pairs.aggregateByKey({ n: 0, s: 0 }, (a, v) => ({ n: a.n + 1, s: a.s + v }), (a, b) => ({ n: a.n + b.n, s: a.s + b.s }), 2).collect();
         const lists = await pairs.combineByKey((v) => [v], (c, v) => (c.push(v), c), (a, b) => a.concat(b), 5).mapValues((l) => l.length).collect();
         const distinct = await ctx.range(5000, 3).map((i) => [i % 10, 'k' + (i % 3)]).distinct(4).collect();
         const rep = ctx.range(1000, 2).repartition(7);
         const sizes = await rep.mapPartitions((rs) => (async () => { let n = 0; for await (const _ of rs) n++; return [n]; })()).collect();
         const counts = await pairs.countByKey();
         return { groups, sums, lists, distinct, sizes, repSum: await rep.reduce((a, b) => a + b), counts: [...counts] };
       }`,
      { shuffleMemoryBytes: 4096 },
    );
    expect(run.error).to.equal(undefined);
    const r = run.result as Record<string, unknown[]>;
    const expectCount = (k: number): number => Math.floor(20000 / 97) + (k < 20000 % 97 ? 1 : 0);
    expect(r.groups).to.have.length(97);
    for (const [k, n] of r.groups as [number, number][]) expect(n).to.equal(expectCount(k));
    for (const [k, a] of r.sums as [number, { n: number; s: number }][]) {
      let s = 0;
      for (let i = k; i < 20000; i += 97) s += i;
      expect(a).to.deep.equal({ n: expectCount(k), s });
    }
    expect(r.lists).to.have.length(97);
    for (const [k, n] of r.lists as [number, number][]) expect(n).to.equal(expectCount(k));
    expect((r.distinct as [number, string][]).map((x) => JSON.stringify(x)).sort()).to.have.length(30);
    expect(r.sizes).to.have.length(7);
    expect((r.sizes as number[]).reduce((a, b) => a + b, 0)).to.equal(1000);
    for (const n of r.sizes as number[]) expect(n).to.be.within(100, 190);
    expect(r.repSum).to.equal((999 * 1000) / 2);
    expect(new Map(r.counts as [number, number][]).get(5)).to.equal(expectCount(5));
  });

  it('recomputes map output lost with its executor, and the action still succeeds', async () => {
    let servers: { close(): Promise<void> }[] = [];
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const counts = ctx.range(3000, 4).map((i) => [i % 13, 1]).reduceByKey((a, b) => a + b, 3);
         const first = await counts.collect();
         globalThis.__spindleCut();
         await new Promise((r) => setTimeout(r, 200));
         const second = await counts.mapValues((n) => n * 2).collect();
         return { first, second };
       }`,
      {
        executors: 3,
        onShuffle: (shuffles) => (servers = shuffles.map((s) => s.server)),
        onExecutors: (channels) => {
          (globalThis as Record<string, unknown>).__spindleCut = () => {
            channels[0]!.destroy();
            void servers[0]!.close();
          };
        },
      },
    );
    expect(run.error).to.equal(undefined);
    expect(run.logs.some((l) => /map output\(s\) on executor 1 are lost/.test(l))).to.equal(true);
    const r = run.result as { first: [number, number][]; second: [number, number][] };
    expect(new Map(r.second)).to.deep.equal(new Map(r.first.map(([k, n]) => [k, n * 2])));
  });

  it('escalates fetch failures during the reduce stage to recomputing the lost map output', async () => {
    let servers: { close(): Promise<void> }[] = [];
    const run = await runLocalJob(
      `export default async function main(ctx) {
         const counts = ctx.range(4000, 6).map((i) => [i % 17, 1]).reduceByKey((a, b) => a + b, 4);
         return counts.mapValues((n) => (globalThis.__spindleCutOnce(), n)).collect();
       }`,
      {
        executors: 3,
        onShuffle: (shuffles) => (servers = shuffles.map((s) => s.server)),
        onExecutors: (channels) => {
          let done = false;
          (globalThis as Record<string, unknown>).__spindleCutOnce = () => {
            if (done) return;
            done = true;
            void servers[1]!.close();
            channels[1]!.destroy();
          };
        },
      },
    );
    expect(run.error).to.equal(undefined);
    const got = new Map(run.result as [number, number][]);
    expect(run.logs.some((l) => l.startsWith('fetching map output failed (2)'))).to.equal(true);
    expect(got.size).to.equal(17);
    for (let k = 0; k < 17; k++) expect(got.get(k)).to.equal(Math.floor(4000 / 17) + (k < 4000 % 17 ? 1 : 0));
  });
});
