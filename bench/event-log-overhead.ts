/**
 * The event log's cost on the word count benchmark (issue #20: under 2% of job time). The same
 * word count (bench/wordcount.ts's job: textFile → flatMap → map → reduceByKey, 2 executors) runs
 * with the event log on and off (`--event-log off`), alternating which goes first from run to run,
 * since this machine's speed drifts over minutes. Time is taken inside the driver around the
 * second of two rounds (container start-up and warm-up excluded); the event log's appends during
 * the round are inside that window.
 *
 *   node dist/bench/event-log-overhead.js [--mib 128] [--runs 5] [--partitions 4]
 *
 * Prints each run, the medians, and the on/off ratio of each pair (median, min, max: the noise).
 */
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

async function once(h: JobHarness, path: string, partitions: number, eventLog: boolean, words: number): Promise<number> {
  const run = await runJob(h, {
    source: JOB,
    args: [path, String(partitions)],
    executors: 2,
    executorMemoryMb: 512,
    ...(eventLog ? {} : { eventLog: { enabled: false } }),
  });
  if (run.report.finalStatus !== 'SUCCEEDED') throw new Error(`${run.appId} ${run.report.finalStatus}:\n${run.stderr.slice(-4000)}`);
  const r = (run.result as { ms: number; total: number }[])[1]!;
  const line = /event log: \d+ of \d+ events written .*/.exec(run.stderr)?.[0];
  if (line) console.log(`  ${run.appId}: ${line}`);
  if (r.total !== words) throw new Error(`${run.appId} counted ${r.total} words, the generator wrote ${words}`);
  return r.ms;
}

async function main(): Promise<void> {
  const flags = numberFlags(process.argv.slice(2), { mib: 128, runs: 5, partitions: 4 });
  const h = openHarness();
  const path = `/tmp/spindle-bench-event-log-${flags.mib}mib.txt`;
  try {
    const data = textData(flags.mib * MiB);
    await h.hdfs.create(path, data.stream, { overwrite: true });
    const words = data.totals.words;
    const on: number[] = [];
    const off: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < flags.runs; i++) {
      const order = i % 2 === 0 ? [true, false] : [false, true];
      const ms = new Map<boolean, number>();
      for (const eventLog of order) ms.set(eventLog, await once(h, path, flags.partitions, eventLog, words));
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
  } finally {
    await h.hdfs.delete(path).catch(() => {});
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
