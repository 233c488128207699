import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cluster.js';
import { openHarness, readText, runJob, type JobHarness } from './job-harness.js';

/**
 * Shuffles on the real cluster: map output in the containers' local dirs, fetched between
 * executors through their block servers (authenticated with the application secret). Word count,
 * a join and a total sort are checked against independent answers; an executor SIGKILLed in the
 * reduce stage and in the map stage changes nothing in the result.
 */
describe('job engine on the real cluster: shuffles', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-shuffle-${randomBytes(4).toString('hex')}`;
  // Markers on the NodeManagers' local disk (both run on this host) make "kill once" deterministic.
  const marker = `/tmp/spindle-it-shmarker-${randomBytes(4).toString('hex')}`;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
    const words = ['alpha', 'beta', 'gamma', 'été', '日本', 'z'];
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`${words[i % 6]} ${words[(i * 7) % 3]} ${words[i % 2]} w${i % 1000}`);
    await h.hdfs.create(`${base}/text.txt`, Buffer.from(`${lines.join('\n')}\n`));
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    for (const m of [`${marker}-reduce`, `${marker}-map`]) rmSync(m, { force: true });
    await h.close();
  });

  const expectedCounts = (): Map<string, number> => {
    const words = ['alpha', 'beta', 'gamma', 'été', '日本', 'z'];
    const m = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      for (const w of [words[i % 6]!, words[(i * 7) % 3]!, words[i % 2]!, `w${i % 1000}`]) m.set(w, (m.get(w) ?? 0) + 1);
    }
    return m;
  };

  it('counts words over HDFS text into 3 part files', async () => {
    const out = `${base}/wc`;
    const run = await runJob(h, {
      source: `
export default async function main(ctx, [input, out]) {
  const counts = ctx.textFile(input, { minPartitions: 4 }).flatMap((l) => l.split(' ')).map((w) => [w, 1]).reduceByKey((a, b) => a + b, 3);
  await counts.saveAsJsonFile(out);
  return counts.count();
}`,
      args: [`${base}/text.txt`, out],
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const names = (await h.hdfs.listStatus(out)).map((f) => f.name).sort();
    expect(names).to.deep.equal(['_SUCCESS', 'part-00000', 'part-00001', 'part-00002']);
    const got = new Map<string, number>();
    for (const n of names.filter((x) => x.startsWith('part-'))) {
      for (const l of (await readText(h.hdfs, `${out}/${n}`)).split('\n').filter(Boolean)) {
        const [w, c] = JSON.parse(l) as [string, number];
        expect(got.has(w)).to.equal(false);
        got.set(w, c);
      }
    }
    expect(got).to.deep.equal(expectedCounts());
    expect(run.result).to.equal(expectedCounts().size);
  });

  it('counts words with 2 cores per executor (map output written and fetched by worker threads)', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx, [input]) {
  return ctx.textFile(input, { minPartitions: 4 }).flatMap((l) => l.split(' ')).map((w) => [w, 1]).reduceByKey((a, b) => a + b, 5).collect();
}`,
      args: [`${base}/text.txt`],
      executorCores: 2,
      executorMemoryMb: 384,
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(new Map(run.result as [string, number][])).to.deep.equal(expectedCounts());
  });

  it('joins two datasets and sorts by key across partitions', async () => {
    const run = await runJob(h, {
      source: `
export default async function main(ctx) {
  const users = ctx.range(2000, 3).map((i) => [i, 'u' + i]);
  const orders = ctx.range(6000, 4).filter((i) => i % 5 !== 0).map((i) => [i % 2500, i]);
  const joined = await users.join(orders, 5).count();
  const left = await users.leftOuterJoin(orders, 2).filter((kv) => kv[1][1] === undefined).count();
  const sorted = ctx.range(30000, 4).map((i) => (i * 7919) % 30011).sortBy((x) => x, false, 6);
  const parts = await sorted.mapPartitionsWithIndex((p, rs) => (async () => { const a = []; for await (const r of rs) a.push(r); return [[p, a.length, a[0], a[a.length - 1]]]; })()).collect();
  const all = await sorted.collect();
  let ordered = true;
  for (let i = 1; i < all.length; i++) if (all[i - 1] < all[i]) ordered = false;
  return { joined, left, parts, ordered, n: all.length, distinct: new Set(all).size };
}`,
    });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    let joined = 0;
    const matched = new Set<number>();
    for (let i = 0; i < 6000; i++) {
      if (i % 5 !== 0 && i % 2500 < 2000) {
        joined++;
        matched.add(i % 2500);
      }
    }
    const r = run.result as {
      joined: number;
      left: number;
      parts: [number, number, number, number][];
      ordered: boolean;
      n: number;
      distinct: number;
    };
    expect(r.joined).to.equal(joined);
    expect(r.left).to.equal(2000 - matched.size);
    expect(r.ordered).to.equal(true);
    expect(r.n).to.equal(30000);
    expect(r.distinct).to.equal(30000);
    expect(r.parts.filter((p) => p[1] > 0).length).to.be.greaterThan(3);
  });

  for (const when of ['reduce', 'map'] as const) {
    it(`gives the same word count when an executor is SIGKILLed in the ${when} stage`, async () => {
      const kill = `(() => { if (!existsSync(marker)) { writeFileSync(marker, 'x'); process.kill(process.pid, 'SIGKILL'); } })()`;
      const run = await runJob(h, {
        source: `
import { existsSync, writeFileSync } from 'node:fs';
export default async function main(ctx, [input, marker]) {
  const words = ctx.textFile(input, { minPartitions: 6 }).flatMap((l) => l.split(' '))${when === 'map' ? `.map((w) => (w === 'w777' && ${kill}, w), { marker })` : ''};
  const counts = words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, 4)${when === 'reduce' ? `.mapValues((n) => (${kill}, n), { marker })` : ''};
  return counts.collect();
}`,
        args: [`${base}/text.txt`, `${marker}-${when}`],
        maxExecutorFailures: 3,
      });
      expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
      expect(new Map(run.result as [string, number][])).to.deep.equal(expectedCounts());
      expect(run.stderr).to.match(/executor \d+ disconnected/);
      if (when === 'reduce') expect(run.stderr).to.match(/map output\(s\) on executor \d+ are lost/);
    });
  }

  const example = (name: string): string => join(repoRoot, 'examples', name);

  it('examples: wordcount.mjs and wordcount.ts count every word', async () => {
    for (const file of ['wordcount.mjs', 'wordcount.ts']) {
      const run = await runJob(h, { file: example(file), args: [`${base}/text.txt`, `${base}/ex-wc-${file}`, '3'] });
      expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
      const want = expectedCounts();
      const r = run.result as { words: number; distinct: number; top: [string, number][] };
      expect(r.words).to.equal(80_000);
      expect(r.distinct).to.equal(want.size);
      expect(r.top).to.have.length(10);
      expect(r.top[0]![1]).to.equal(Math.max(...want.values()));
      for (const [w, n] of r.top) expect(want.get(w)).to.equal(n);
    }
  });

  it('examples: join.mjs and sort.mjs', async () => {
    const customers = [1, 2, 3].map((id) => JSON.stringify({ id, name: `c${id}`, country: id === 3 ? 'FR' : 'UK' }));
    const orders = [
      [1, 10],
      [2, 5],
      [3, 1.5],
      [9, 100],
      [1, 2],
    ].map(([customer, amount]) => JSON.stringify({ customer, amount }));
    await h.hdfs.create(`${base}/customers.jsonl`, Buffer.from(`${customers.join('\n')}\n`));
    await h.hdfs.create(`${base}/orders.jsonl`, Buffer.from(`${orders.join('\n')}\n`));
    const joined = await runJob(h, {
      file: example('join.mjs'),
      args: [`${base}/customers.jsonl`, `${base}/orders.jsonl`, `${base}/revenue`],
    });
    expect(joined.report.finalStatus, joined.stderr).to.equal('SUCCEEDED');
    expect(joined.result).to.deep.equal({ orders: 5, unknownCustomer: 1, countries: 2 });
    expect(await readText(h.hdfs, `${base}/revenue/part-00000`)).to.equal('["FR",1.5]\n["UK",17]\n');
    const sorted = await runJob(h, { file: example('sort.mjs'), args: ['200000', `${base}/sorted`, '5'] });
    expect(sorted.report.finalStatus, sorted.stderr).to.equal('SUCCEEDED');
    expect(sorted.result).to.deep.equal({ records: 200000, ordered: true });
  });
});
