/**
 * Word count throughput (a benchmark, not a test): generated text in HDFS counted by
 * `textFile → flatMap → map → reduceByKey` on 2 executors of the local YARN cluster, against
 * plain Node processes counting the same file without Spindle:
 *
 * - one process, a hand-written counting loop, reading over WebHDFS;
 * - one process, the job's own functions applied in a plain loop (the same code without the
 *   engine), over WebHDFS: the baseline of the parallel efficiency;
 * - two such processes at once, each counting half of the file over WebHDFS: what this machine
 *   gives two processes with the Hadoop daemons beside them (the ceiling for the cluster);
 * - one process and two processes at once, the job's functions, over a local copy of the file:
 *   the same ceiling without Hadoop at all.
 * - the cluster with 1 executor, which leaves the second core to the Hadoop daemons as the
 *   one-process baseline does: its time over the baseline's is the engine's and YARN's own cost.
 *
 *   node dist/bench/wordcount.js [--mib 64] [--runs 3] [--partitions 4]
 *
 * This machine's speed drifts by up to 2x over minutes, so each run measures every side once, in
 * an order that rotates from run to run, and medians are compared. Cluster times are measured inside
 * the driver around the action (container start-up excluded), after a warm-up round in the same
 * job. Every count is checked against the generator's word total. On Linux the CPU time of every
 * process is sampled from /proc, so each side also shows the CPU seconds per GiB its own processes
 * (the plain processes, or the executors, AM and driver) and the Hadoop daemons used.
 *
 * Parallel efficiency = (one-process time / cluster time) / executors.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { openHarness, runJob, type JobHarness } from '../test/integration/job-harness.js';
import { CpuSampler } from './lib/cpu-use.js';
import type { CountStyle, RangeCount } from './lib/local-count.js';
import { median, mibPerSecond, numberFlags } from './lib/stats.js';
import { textData } from './lib/text-data.js';
import { errorStack } from '../protocols/errors/index.js';

const EXECUTORS = 2;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const JOB = `
export default async function main(ctx, [input, partitions]) {
  const rounds = [];
  for (let i = 0; i < 2; i++) {
    const startedAt = Date.now();
    const t0 = performance.now();
    const counts = ctx.textFile(input, { minPartitions: 4 })
      .flatMap((line) => line.split(' ').filter((w) => w !== ''))
      .map((w) => [w, 1])
      .reduceByKey((a, b) => a + b, Number(partitions));
    const total = await counts.map((kv) => kv[1]).reduce((a, b) => a + b);
    rounds.push({ ms: performance.now() - t0, startedAt, endedAt: Date.now(), total });
  }
  return rounds;
}`;

const PART_SCRIPT = fileURLToPath(new URL('./wordcount-part.js', import.meta.url));

type Side = 'hand' | 'job' | 'two' | 'local-one' | 'local-two' | 'cluster' | 'cluster-one';
const SIDES: Side[] = ['cluster', 'hand', 'job', 'two', 'cluster-one', 'local-one', 'local-two'];
const LABELS: Record<Side, string> = {
  hand: '1 process, hand-written loop, WebHDFS',
  job: "1 process, the job's functions, WebHDFS",
  two: '2 processes, half the file each, WebHDFS',
  'local-one': "1 process, the job's functions, local file",
  'local-two': '2 processes, half the file each, local file',
  cluster: `cluster, ${EXECUTORS} executors`,
  'cluster-one': 'cluster, 1 executor',
};

interface Measure {
  ms: number;
  /** CPU seconds of the side's own processes (the plain processes, or the executors, AM and driver). */
  cpu?: number;
  /** CPU seconds of the Hadoop daemons during the side's window. */
  hadoop?: number;
}

function check(side: string, counted: number, words: number): void {
  if (counted !== words) throw new Error(`${side}: counted ${counted} words, the generator wrote ${words}`);
}

/** One plain process counting [start, end) of the file; what it printed. */
function part(where: 'hdfs' | 'local', path: string, start: number, end: number, style: CountStyle): Promise<RangeCount> {
  return new Promise((resolve, reject) => {
    const args = [PART_SCRIPT, where, path, String(start), String(end), style];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as RangeCount) : reject(new Error(`wordcount-part exited with ${code}`)),
    );
  });
}

/** `processes` plain processes at once, each counting an equal share of the file; done when all are. */
async function plain(
  side: Side,
  where: 'hdfs' | 'local',
  path: string,
  style: CountStyle,
  processes: number,
  bytes: number,
  words: number,
): Promise<Measure> {
  const share = Math.ceil(bytes / processes);
  const parts = await Promise.all(
    Array.from({ length: processes }, (_, i) => part(where, path, i * share, Math.min(bytes, (i + 1) * share), style)),
  );
  check(
    side,
    parts.reduce((n, p) => n + p.words, 0),
    words,
  );
  return { ms: Math.max(...parts.map((p) => p.ms)), cpu: parts.reduce((n, p) => n + p.cpuMs, 0) / 1000 };
}

async function cluster(
  side: Side,
  h: JobHarness,
  path: string,
  partitions: number,
  words: number,
  cpu: CpuSampler,
  executors: number,
): Promise<Measure> {
  const run = await runJob(h, { source: JOB, args: [path, String(partitions)], executors, executorMemoryMb: 512 });
  if (run.report.finalStatus !== 'SUCCEEDED')
    throw new Error(`cluster run ${run.appId} ${run.report.finalStatus}:\n${run.stderr.slice(-4000)}`);
  const measured = (run.result as { ms: number; startedAt: number; endedAt: number; total: number }[])[1]!;
  check(side, measured.total, words);
  if (!cpu.available) return { ms: measured.ms };
  const used = cpu.secondsBetween(measured.startedAt, measured.endedAt);
  return { ms: measured.ms, cpu: used.executor + used.appmaster, hadoop: used.hadoop };
}

async function main(): Promise<void> {
  const flags = numberFlags(process.argv.slice(2), { mib: 64, runs: 3, partitions: 4 });
  const h = openHarness();
  const local = join(tmpdir(), `spindle-bench-wordcount-${process.pid}.txt`);
  const cpu = new CpuSampler();
  try {
    const path = `/user/${h.user}/spindle-bench/wordcount-shuffle-${flags.mib}MiB.txt`;
    const data = textData(flags.mib * MiB);
    await pipeline(data.stream, createWriteStream(local));
    await h.hdfs.mkdirs(`/user/${h.user}/spindle-bench`);
    await h.hdfs.create(path, createReadStream(local), { overwrite: true });
    const { bytes, words } = data.totals;
    console.log(`input: ${path} and a local copy, ${(bytes / MiB).toFixed(1)} MiB, ${words} words`);
    cpu.start();

    const got: Record<Side, Measure[]> = { hand: [], job: [], two: [], 'local-one': [], 'local-two': [], cluster: [], 'cluster-one': [] };
    for (let r = 0; r < flags.runs; r++) {
      const order = SIDES.map((_, i) => SIDES[(i + r) % SIDES.length]!);
      const took: string[] = [];
      for (const side of order) {
        const from = Date.now();
        let m: Measure;
        if (side === 'cluster') m = await cluster(side, h, path, flags.partitions, words, cpu, EXECUTORS);
        else if (side === 'cluster-one') m = await cluster(side, h, path, flags.partitions, words, cpu, 1);
        else if (side === 'hand' || side === 'job') m = await plain(side, 'hdfs', path, side, 1, bytes, words);
        else if (side === 'two') m = await plain(side, 'hdfs', path, 'job', 2, bytes, words);
        else m = await plain(side, 'local', local, 'job', side === 'local-one' ? 1 : 2, bytes, words);
        // Cluster sides count the daemons over the measured round only; plain sides over their whole window.
        if (m.hadoop === undefined && cpu.available) m.hadoop = cpu.secondsBetween(from, Date.now()).hadoop;
        got[side].push(m);
        took.push(`${side} ${(m.ms / 1000).toFixed(1)} s`);
      }
      console.log(`run ${r + 1}: ${took.join(', ')}`);
    }

    const ms = (s: Side): number => median(got[s].map((m) => m.ms));
    const perGiB = (s: Side, key: 'cpu' | 'hadoop'): string => {
      const v = got[s].map((m) => m[key]).filter((x): x is number => x !== undefined);
      return v.length === 0 ? '   -' : ((median(v) * GiB) / bytes).toFixed(1).padStart(5);
    };
    console.log(`medians of ${flags.runs} runs (CPU seconds per GiB: the side's own processes, the Hadoop daemons):`);
    for (const s of SIDES) {
      console.log(
        `  ${LABELS[s].padEnd(46)} ${(ms(s) / 1000).toFixed(1).padStart(6)} s ${mibPerSecond(bytes, ms(s)).toFixed(1).padStart(6)} MiB/s   CPU ${perGiB(s, 'cpu')} + ${perGiB(s, 'hadoop')}`,
      );
    }
    const eff = (one: Side, t: Side): string => `${((ms(one) / ms(t) / EXECUTORS) * 100).toFixed(0)}%`;
    // The same ratio within each run (sides minutes apart rather than across the whole benchmark).
    const perRun = (one: Side, t: Side): string => {
      const e = got[one].map((m, r) => m.ms / got[t][r]!.ms / EXECUTORS);
      return `median ${(median(e) * 100).toFixed(0)}% (${e.map((x) => (x * 100).toFixed(0)).join(', ')})`;
    };
    console.log(
      `parallel efficiency of the cluster: ${eff('job', 'cluster')} against the job's functions in one process (${eff('hand', 'cluster')} against the hand-written loop)`,
    );
    console.log(`  run by run, against the job's functions: ${perRun('job', 'cluster')}`);
    console.log(
      `this machine's ceiling, 2 plain processes: ${eff('job', 'two')} over WebHDFS, ${eff('local-one', 'local-two')} on a local file without Hadoop; the cluster takes ${(ms('cluster') / ms('two')).toFixed(2)}x the WebHDFS pair's time`,
    );
    console.log(`  run by run: over WebHDFS ${perRun('job', 'two')}; local file ${perRun('local-one', 'local-two')}`);
    // One executor leaves the second core to the Hadoop daemons, as the one-process baseline does:
    // what is left between the two is the engine's and YARN's own cost, without the machine's.
    const oneRuns = got['cluster-one'].map((m, r) => m.ms / got.job[r]!.ms);
    console.log(
      `the cluster with 1 executor takes ${(ms('cluster-one') / ms('job')).toFixed(2)}x the one process running the job's functions (run by run ${oneRuns.map((x) => x.toFixed(2)).join(', ')})`,
    );
  } finally {
    cpu.stop();
    rmSync(local, { force: true });
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(errorStack(err));
  process.exit(1);
});
