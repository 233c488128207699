/**
 * The event log's cost on the word count benchmark (issue #20: under 2% of job time). The same
 * word count (bench/wordcount.ts's job: textFile → flatMap → map → reduceByKey, 2 executors) runs
 * with the event log on and off (`--event-log off`), alternating which goes first from run to run,
 * since this machine's speed drifts over minutes. Time is taken inside the driver around each of
 * two rounds; the event log's appends during the rounds are inside that window.
 *
 *   node dist/bench/event-log-overhead.js [--mib 128] [--runs 5] [--partitions 4] [--appends 40]
 *
 * Two figures, because on a shared 2-core machine the first drowns in noise:
 *  1. Wall time, log on vs off: each pair's ratio (second round), and the medians with their spread.
 *  2. The work the log adds, in CPU time, which other load does not inflate much: the driver's own
 *     CPU recording and encoding events (the driver's "event log:" line, per run with the log on),
 *     plus the runs' appends times the CPU one append costs. That cost is measured here: `--appends`
 *     appends of the runs' average batch size to a scratch file, with this thread's CPU (the WebHDFS
 *     client the driver uses) and the NameNode's and DataNode's CPU (from /proc, their pids from
 *     $SPINDLE_CLUSTER_DIR/pids) before and after, less what those daemons use idle over as long.
 *     Added work / job time (both rounds) is the overhead if every bit of it delayed the job: an
 *     upper bound, as the appends run beside the job on other threads and processes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadCpuMicros } from '../executor/index.js';
import { openHarness, runJob, type JobHarness } from '../test/integration/job-harness.js';
import { median, numberFlags } from './lib/stats.js';
import { textData } from './lib/text-data.js';

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

/** What one run says: the second round's time, both rounds' time, and the driver's event log line. */
interface Run {
  ms: number;
  jobMs: number;
  log?: { appends: number; bytes: number; busyMs: number };
}

async function once(h: JobHarness, path: string, partitions: number, eventLog: boolean, words: number): Promise<Run> {
  const run = await runJob(h, {
    source: JOB,
    args: [path, String(partitions)],
    executors: 2,
    executorMemoryMb: 512,
    ...(eventLog ? {} : { eventLog: { enabled: false } }),
  });
  if (run.report.finalStatus !== 'SUCCEEDED') throw new Error(`${run.appId} ${run.report.finalStatus}:\n${run.stderr.slice(-4000)}`);
  const rounds = run.result as { ms: number; total: number }[];
  const r = rounds[1]!;
  const line = /event log: \d+ of \d+ events written .*/.exec(run.stderr)?.[0];
  if (line) console.log(`  ${run.appId}: ${line}`);
  if (r.total !== words) throw new Error(`${run.appId} counted ${r.total} words, the generator wrote ${words}`);
  const out: Run = { ms: r.ms, jobMs: rounds.reduce((a, x) => a + x.ms, 0) };
  const m = line && /in (\d+) append\(s\), (\d+) bytes, .*?, ([\d.]+) ms of the driver's CPU/.exec(line);
  if (m) out.log = { appends: Number(m[1]), bytes: Number(m[2]), busyMs: Number(m[3]) };
  else if (eventLog) throw new Error(`${run.appId}: no "event log:" line with the driver's time in its stderr`);
  return out;
}

/** CPU time (user + system) of a process so far, in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The NameNode's and DataNode's pids, from the local cluster's pid files. */
function hdfsPids(): number[] {
  const dir = process.env.SPINDLE_CLUSTER_DIR;
  if (!dir) throw new Error('set SPINDLE_CLUSTER_DIR to the local cluster (its pids/ names the NameNode and DataNode)');
  return ['namenode', 'datanode'].map((d) => Number(readFileSync(join(dir, 'pids', `${d}.pid`), 'latin1').trim()));
}

/**
 * CPU per append, in ms: this thread (the WebHDFS client's side) and the NameNode and DataNode,
 * less their idle use over the same wall time just before.
 */
async function appendCost(h: JobHarness, batchBytes: number, n: number): Promise<{ clientMs: number; hdfsMs: number; wallMs: number }> {
  const pids = hdfsPids();
  const daemons = (): number => pids.reduce((a, p) => a + processCpuMs(p), 0);
  const path = `/tmp/spindle-bench-event-log-appends-${process.pid}`;
  const line = `${'x'.repeat(Math.max(1, batchBytes - 1))}\n`;
  await h.hdfs.create(path, Buffer.from(line), { overwrite: true });
  try {
    const c0 = threadCpuMicros().micros;
    const d0 = daemons();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await h.hdfs.append(path, Buffer.from(line));
    const wallMs = performance.now() - t0;
    const clientMs = (threadCpuMicros().micros - c0) / 1000;
    const busy = daemons() - d0;
    // The daemons' idle use (heartbeats, block reports, the RM's and other clusters' work is not theirs) over as long.
    const i0 = daemons();
    await sleep(wallMs);
    const idle = daemons() - i0;
    return { clientMs: clientMs / n, hdfsMs: Math.max(0, busy - idle) / n, wallMs: wallMs / n };
  } finally {
    await h.hdfs.delete(path).catch(() => {});
  }
}

async function main(): Promise<void> {
  const flags = numberFlags(process.argv.slice(2), { mib: 128, runs: 5, partitions: 4, appends: 40 });
  const h = openHarness();
  const path = `/tmp/spindle-bench-event-log-${flags.mib}mib.txt`;
  try {
    const data = textData(flags.mib * MiB);
    await h.hdfs.create(path, data.stream, { overwrite: true });
    const words = data.totals.words;
    const on: number[] = [];
    const off: number[] = [];
    const ratios: number[] = [];
    const logged: Run[] = [];
    for (let i = 0; i < flags.runs; i++) {
      const order = i % 2 === 0 ? [true, false] : [false, true];
      const ms = new Map<boolean, number>();
      for (const eventLog of order) {
        const run = await once(h, path, flags.partitions, eventLog, words);
        ms.set(eventLog, run.ms);
        if (eventLog) logged.push(run);
      }
      on.push(ms.get(true)!);
      off.push(ms.get(false)!);
      ratios.push(ms.get(true)! / ms.get(false)!);
      console.log(
        `run ${i + 1}: event log on ${Math.round(ms.get(true)!)} ms, off ${Math.round(ms.get(false)!)} ms, ratio ${ratios.at(-1)!.toFixed(3)}`,
      );
    }
    console.log(
      `median on ${Math.round(median(on))} ms, off ${Math.round(median(off))} ms; ratio of medians ${(median(on) / median(off)).toFixed(3)}; ` +
        `pair ratios median ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`,
    );
    // 2. The added work in CPU time.
    const appends = logged.reduce((a, r) => a + r.log!.appends, 0);
    const batch = Math.round(logged.reduce((a, r) => a + r.log!.bytes, 0) / appends);
    const cost = await appendCost(h, batch, flags.appends);
    console.log(
      `one append of ${batch} bytes (mean of ${flags.appends}): ${cost.clientMs.toFixed(2)} ms CPU in the client thread, ` +
        `${cost.hdfsMs.toFixed(1)} ms CPU in the NameNode and DataNode, ${cost.wallMs.toFixed(0)} ms wall`,
    );
    const pct = logged.map((r) => {
      const driver = r.log!.busyMs + r.log!.appends * cost.clientMs;
      const all = driver + r.log!.appends * cost.hdfsMs;
      return { driver: (100 * driver) / r.jobMs, all: (100 * all) / r.jobMs, r };
    });
    for (const p of pct) {
      console.log(
        `  job ${Math.round(p.r.jobMs)} ms, ${p.r.log!.appends} appends, driver recording/encoding ${p.r.log!.busyMs.toFixed(1)} ms: ` +
          `driver ${p.driver.toFixed(3)}% of job time, with the HDFS daemons' share ${p.all.toFixed(3)}%`,
      );
    }
    const d = pct.map((p) => p.driver);
    const a = pct.map((p) => p.all);
    console.log(
      `event log's added CPU work / job time: driver median ${median(d).toFixed(3)}% (min ${Math.min(...d).toFixed(3)}, max ${Math.max(...d).toFixed(3)}); ` +
        `with the NameNode's and DataNode's median ${median(a).toFixed(3)}% (min ${Math.min(...a).toFixed(3)}, max ${Math.max(...a).toFixed(3)})`,
    );
  } finally {
    await h.hdfs.delete(path).catch(() => {});
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
