/**
 * Word count throughput (a benchmark, not a test): generated text in HDFS counted by
 * `textFile → flatMap → map → reduceByKey` on 2 executors of the local YARN cluster, against
 * Node processes reading the same file over WebHDFS without Spindle:
 *
 * - one process, a hand-written counting loop;
 * - one process, the job's own functions applied in a plain loop (the same code without the engine);
 * - two processes at once, each counting half of the file with the job's functions: what this
 *   machine gives two processes, with the Hadoop daemons beside them (the ceiling for the cluster).
 *
 *   node dist/bench/wordcount.js [--mib 64] [--runs 3] [--partitions 4]
 *
 * This machine's speed drifts by up to 2x over minutes, so each run measures every side once, in
 * an order that rotates from run to run, and medians are compared. Cluster times are measured inside
 * the driver around the action (container start-up excluded), after a warm-up round in the same
 * job. Every count is checked against the generator's word total.
 *
 * Parallel efficiency = (one-process time / cluster time) / executors.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openHarness, runJob, type JobHarness } from '../test/integration/job-harness.js';
import { countRange } from './lib/local-count.js';
import { median, mibPerSecond, numberFlags } from './lib/stats.js';
import { textData } from './lib/text-data.js';

const EXECUTORS = 2;
const MiB = 1024 * 1024;

const JOB = `
export default async function main(ctx, [input, partitions]) {
  const rounds = [];
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const counts = ctx.textFile(input, { minPartitions: 4 })
      .flatMap((line) => line.split(' ').filter((w) => w !== ''))
      .map((w) => [w, 1])
      .reduceByKey((a, b) => a + b, Number(partitions));
    const total = await counts.map((kv) => kv[1]).reduce((a, b) => a + b);
    rounds.push({ ms: performance.now() - t0, total });
  }
  return rounds;
}`;

const PART_SCRIPT = fileURLToPath(new URL('./wordcount-part.js', import.meta.url));

type Side = 'hand' | 'job' | 'two' | 'cluster';
const SIDES: Side[] = ['cluster', 'hand', 'job', 'two'];

function check(side: string, counted: number, words: number): void {
  if (counted !== words) throw new Error(`${side}: counted ${counted} words, the generator wrote ${words}`);
}

/** Two processes at once, each counting one half of the file; the time until both are done. */
async function twoProcesses(path: string, bytes: number, words: number): Promise<number> {
  const half = Math.ceil(bytes / 2);
  const one = (start: number, end: number): Promise<{ words: number; ms: number }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [PART_SCRIPT, path, String(start), String(end), 'job'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { words: number; ms: number }) : reject(new Error(`wordcount-part exited with ${code}`))));
    });
  const parts = await Promise.all([one(0, half), one(half, bytes)]);
  check('two processes', parts[0]!.words + parts[1]!.words, words);
  return Math.max(parts[0]!.ms, parts[1]!.ms);
}

async function cluster(h: JobHarness, path: string, partitions: number, words: number): Promise<number> {
  const run = await runJob(h, { source: JOB, args: [path, String(partitions)], executors: EXECUTORS, executorMemoryMb: 512 });
  if (run.report.finalStatus !== 'SUCCEEDED') throw new Error(`cluster run ${run.appId} ${run.report.finalStatus}:\n${run.stderr.slice(-4000)}`);
  const measured = (run.result as { ms: number; total: number }[])[1]!;
  check('cluster', measured.total, words);
  return measured.ms;
}

async function main(): Promise<void> {
  const flags = numberFlags(process.argv.slice(2), { mib: 64, runs: 3, partitions: 4 });
  const h = openHarness();
  try {
    const path = `/user/${h.user}/spindle-bench/wordcount-shuffle-${flags.mib}MiB.txt`;
    const data = textData(flags.mib * MiB);
    await h.hdfs.mkdirs(`/user/${h.user}/spindle-bench`);
    await h.hdfs.create(path, data.stream, { overwrite: true });
    const { bytes, words } = data.totals;
    console.log(`input: ${path}, ${(bytes / MiB).toFixed(1)} MiB, ${words} words`);

    const ms: Record<Side, number[]> = { hand: [], job: [], two: [], cluster: [] };
    for (let r = 0; r < flags.runs; r++) {
      const order = SIDES.map((_, i) => SIDES[(i + r) % SIDES.length]!);
      const took: string[] = [];
      for (const side of order) {
        let t: number;
        if (side === 'cluster') t = await cluster(h, path, flags.partitions, words);
        else if (side === 'two') t = await twoProcesses(path, bytes, words);
        else {
          const c = await countRange(h.hdfs, path, 0, bytes, side);
          check(side, c.words, words);
          t = c.ms;
        }
        ms[side].push(t);
        took.push(`${side} ${(t / 1000).toFixed(1)} s`);
      }
      console.log(`run ${r + 1}: ${took.join(', ')}`);
    }

    const m = { hand: median(ms.hand), job: median(ms.job), two: median(ms.two), cluster: median(ms.cluster) };
    const rate = (t: number): string => `${(t / 1000).toFixed(1)} s, ${mibPerSecond(bytes, t).toFixed(1)} MiB/s`;
    console.log(`medians of ${flags.runs} runs:`);
    console.log(`  1 process, hand-written loop:       ${rate(m.hand)}`);
    console.log(`  1 process, the job's functions:     ${rate(m.job)}`);
    console.log(`  2 processes, half of the file each: ${rate(m.two)}`);
    console.log(`  cluster, ${EXECUTORS} executors:               ${rate(m.cluster)}`);
    const eff = (local: number, t: number): string => `${((local / t / EXECUTORS) * 100).toFixed(0)}%`;
    console.log(`parallel efficiency of the cluster: ${eff(m.hand, m.cluster)} against the hand-written loop, ${eff(m.job, m.cluster)} against the job's functions`);
    console.log(`this machine's ceiling (2 plain processes): ${eff(m.hand, m.two)} against the hand-written loop, ${eff(m.job, m.two)} against the job's functions; the cluster takes ${(m.cluster / m.two).toFixed(2)}x their time`);
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
