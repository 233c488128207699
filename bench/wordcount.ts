/**
 * Word count throughput (a benchmark, not a test): generated text in HDFS counted by
 * `textFile → flatMap → map → reduceByKey` on 2 executors of the local YARN cluster, against two
 * runs in one local Node process reading the same file over WebHDFS: a hand-written counting loop,
 * and the job's own functions applied in a plain loop (the same code without the engine).
 *
 *   node dist/bench/wordcount.js [--mib 64] [--runs 3] [--partitions 4]
 *
 * Reports MiB/s of each and the parallel efficiency of the cluster run against both baselines:
 * (local time / cluster time) / executors. Cluster times are measured inside the driver around the action (container
 * start-up excluded); the first cluster round is a warm-up. Both answers are checked against the
 * generator's word total.
 */
import { openHarness, runJob } from '../test/integration/job-harness.js';
import { median, mibPerSecond, numberFlags } from './lib/stats.js';
import { textData } from './lib/text-data.js';

const EXECUTORS = 2;
const MiB = 1024 * 1024;

const JOB = `
export default async function main(ctx, [input, runs, partitions]) {
  const rounds = [];
  for (let i = 0; i <= Number(runs); i++) {
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

// The job's functions, as the JOB source above has them.
const flatMapFn = (line: string): string[] => line.split(' ').filter((w) => w !== '');
const mapFn = (w: string): [string, number] => [w, 1];
const reduceFn = (a: number, b: number): number => a + b;

/** Reads the file over WebHDFS line by line, counting with `count`; checks the total; returns ms. */
async function countLocally(h: ReturnType<typeof openHarness>, path: string, words: number, count: (line: string, counts: Map<string, unknown>) => void): Promise<number> {
  const t0 = performance.now();
  const counts = new Map<string, unknown>();
  let rest = '';
  for await (const chunk of await h.hdfs.open(path)) {
    const text = rest + (chunk as Buffer).toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const line of lines) count(line, counts);
  }
  count(rest, counts);
  const ms = performance.now() - t0;
  let total = 0;
  for (const n of counts.values()) total += n as number;
  if (total !== words) throw new Error(`local count ${total} != ${words} words generated`);
  return ms;
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

    // Two single-process baselines, each reading the file over WebHDFS: a hand-written loop
    // (split, count in a Map), and the job's own functions (flatMap, map, reduce) applied in a
    // plain loop, with no engine in between.
    const localMs: number[] = [];
    const sameFnMs: number[] = [];
    for (let r = 0; r < flags.runs; r++) {
      localMs.push(await countLocally(h, path, words, (line, counts) => {
        for (const w of line.split(' ')) if (w !== '') counts.set(w, ((counts.get(w) as number | undefined) ?? 0) + 1);
      }));
      sameFnMs.push(await countLocally(h, path, words, (line, counts) => {
        for (const w of flatMapFn(line)) {
          const [k, v] = mapFn(w);
          const c = counts.get(k);
          counts.set(k, c === undefined ? v : reduceFn(c as number, v));
        }
      }));
    }

    const run = await runJob(h, { source: JOB, args: [path, String(flags.runs), String(flags.partitions)], executors: EXECUTORS, executorMemoryMb: 512 });
    if (run.report.finalStatus !== 'SUCCEEDED') throw new Error(`cluster run ${run.appId} ${run.report.finalStatus}:\n${run.stderr.slice(-4000)}`);
    const rounds = (run.result as { ms: number; total: number }[]).slice(1);
    for (const r of rounds) if (r.total !== words) throw new Error(`cluster count ${r.total} != ${words} words generated`);
    const clusterMs = rounds.map((r) => r.ms);

    const local = median(localMs);
    const sameFn = median(sameFnMs);
    const cluster = median(clusterMs);
    console.log(`local, hand-written loop (1 process):   ${local.toFixed(0)} ms, ${mibPerSecond(bytes, local).toFixed(1)} MiB/s`);
    console.log(`local, the job's functions (1 process): ${sameFn.toFixed(0)} ms, ${mibPerSecond(bytes, sameFn).toFixed(1)} MiB/s`);
    console.log(`cluster (${EXECUTORS} executors):                  ${cluster.toFixed(0)} ms, ${mibPerSecond(bytes, cluster).toFixed(1)} MiB/s`);
    console.log(`speed-up ${(local / cluster).toFixed(2)}x, parallel efficiency ${((local / cluster / EXECUTORS) * 100).toFixed(0)}% (against the hand-written loop)`);
    console.log(`speed-up ${(sameFn / cluster).toFixed(2)}x, parallel efficiency ${((sameFn / cluster / EXECUTORS) * 100).toFixed(0)}% (against the job's functions in one process)`);
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
