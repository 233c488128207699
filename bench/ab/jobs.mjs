#!/usr/bin/env node
/**
 * Two builds of Spindle against each other on the local cluster, alternately, in one run: word count
 * (textFile → flatMap → map → reduceByKey, little shuffle after map-side combining) and a shuffle
 * job (textFile → repartition → count: every byte of the input crosses the shuffle). For "what does
 * this change cost end to end?", e.g. channel encryption against the build before it.
 *
 *   node bench/ab/jobs.mjs <checkout A> <checkout B> [--mib 256] [--runs 5]
 *
 * Each checkout must be built (`npm run build`); e.g. `git worktree add /tmp/base <rev>` for the old
 * one. Each side submits with its own client, so its own AM and executor bundles run. Times are
 * measured inside the driver around the action, after a warm-up round in the same job (container
 * start-up excluded); the order of A and B alternates from run to run; every result is checked.
 * The CPU seconds of the application's own processes (AM, driver, executors: found by their
 * CONTAINER_ID) in the same window are compared too: on a busy machine they vary far less than times.
 */
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const [a, b] = positional;
if (!a || !b) {
  console.error('usage: node bench/ab/jobs.mjs <checkout A> <checkout B> [--mib 256] [--runs 5]');
  process.exit(2);
}
const mib = flag('mib', 256);
const runs = flag('runs', 5);
const MiB = 1024 * 1024;

const JOBS = {
  wordcount: `
export default async function main(ctx, [input]) {
  const rounds = [];
  for (let i = 0; i < 2; i++) {
    const [t0, startedAt] = [performance.now(), Date.now()];
    const total = await ctx.textFile(input, { minPartitions: 4 })
      .flatMap((line) => line.split(' ').filter((w) => w !== ''))
      .map((w) => [w, 1])
      .reduceByKey((x, y) => x + y, 4)
      .map((kv) => kv[1])
      .reduce((x, y) => x + y);
    rounds.push({ ms: performance.now() - t0, startedAt, endedAt: Date.now(), total });
  }
  return rounds;
}`,
  shuffle: `
export default async function main(ctx, [input]) {
  const rounds = [];
  for (let i = 0; i < 2; i++) {
    const [t0, startedAt] = [performance.now(), Date.now()];
    const total = await ctx.textFile(input, { minPartitions: 4 }).repartition(4).count();
    rounds.push({ ms: performance.now() - t0, startedAt, endedAt: Date.now(), total });
  }
  return rounds;
}`,
};

async function load(tree) {
  const from = (p) => import(pathToFileURL(join(resolve(tree), 'dist', p)).href);
  const [harness, text] = await Promise.all([from('test/integration/job-harness.js'), from('bench/lib/text-data.js')]);
  return { harness, text, h: harness.openHarness() };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let cpu;

async function run(side, job, path, expected) {
  const r = await side.harness.runJob(side.h, { source: JOBS[job], args: [path], executors: 2, executorMemoryMb: 512 });
  if (r.report.finalStatus !== 'SUCCEEDED') throw new Error(`${job} ${r.appId} ${r.report.finalStatus}:\n${r.stderr.slice(-3000)}`);
  const round = r.result[1];
  if (round.total !== expected[job]) throw new Error(`${job} ${r.appId}: got ${round.total}, expected ${expected[job]}`);
  return { ms: round.ms, cpu: cpu.available ? cpu.appSecondsBetween(r.appId, round.startedAt, round.endedAt) : Number.NaN };
}

async function main() {
  const sides = { A: await load(a), B: await load(b) };
  const { CpuSampler } = await import(pathToFileURL(join(resolve(b), 'dist', 'bench/lib/cpu-use.js')).href);
  cpu = new CpuSampler();
  cpu.start();
  const { h } = sides.B;
  const data = sides.B.text.textData(mib * MiB);
  const path = `/user/${h.user}/spindle-bench/ab-jobs-${mib}MiB.txt`;
  await h.hdfs.mkdirs(`/user/${h.user}/spindle-bench`);
  let lines = 0;
  const counting = new Transform({
    transform(chunk, _enc, cb) {
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
      cb(null, chunk);
    },
  });
  await h.hdfs.create(path, data.stream.pipe(counting), { overwrite: true });
  const expected = { wordcount: data.totals.words, shuffle: lines };
  console.log(`input ${path}: ${(data.totals.bytes / MiB).toFixed(0)} MiB, ${data.totals.words} words, ${lines} lines`);
  console.log(`A = ${a}\nB = ${b}`);
  const times = { wordcount: { A: [], B: [] }, shuffle: { A: [], B: [] } };
  try {
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
      const line = [];
      for (const job of Object.keys(JOBS)) {
        for (const s of order) times[job][s].push(await run(sides[s], job, path, expected));
        const [x, y] = [times[job].A.at(-1), times[job].B.at(-1)];
        line.push(
          `${job} A ${(x.ms / 1000).toFixed(2)} s ${x.cpu.toFixed(1)} cpu-s, B ${(y.ms / 1000).toFixed(2)} s ${y.cpu.toFixed(1)} cpu-s`,
        );
      }
      console.log(`run ${r + 1} (${order.join(' then ')}): ${line.join('; ')}`);
    }
  } finally {
    cpu.stop();
    await sides.A.h.close();
    await sides.B.h.close();
  }
  console.log(`\nmedians of ${runs} runs, 2 executors, ${mib} MiB:`);
  for (const job of Object.keys(JOBS)) {
    for (const what of ['ms', 'cpu']) {
      const [va, vb] = [times[job].A.map((m) => m[what]), times[job].B.map((m) => m[what])];
      const [ma, mb] = [median(va), median(vb)];
      const ratios = vb.map((x, i) => x / va[i]).sort((x, y) => x - y);
      const unit = what === 'ms' ? (v) => `${(v / 1000).toFixed(2)} s` : (v) => `${v.toFixed(2)} cpu-s`;
      console.log(
        `${job.padEnd(10)} ${what === 'ms' ? 'time' : 'CPU '}  A ${unit(ma)}  B ${unit(mb)}  B/A ${(mb / ma).toFixed(3)} ` +
          `(per-run ratios ${ratios.map((x) => x.toFixed(2)).join(' ')})`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
