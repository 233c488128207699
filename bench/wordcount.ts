/**
 * Word count throughput (a benchmark, not a test): generated text in HDFS counted by
 * `textFile → flatMap → map → reduceByKey` on 2 executors of the local YARN cluster, against the
 * same per-record code in one local Node process reading the same file over WebHDFS.
 *
 *   node dist/bench/wordcount.js [--mib 64] [--runs 3] [--partitions 4]
 *
 * Reports MiB/s of both and the parallel efficiency of the cluster run: (local time / cluster
 * time) / executors. Cluster times are measured inside the driver around the action (container
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

    // The same per-record work in this process: read over WebHDFS, split, count in a Map.
    const localMs: number[] = [];
    for (let r = 0; r < flags.runs; r++) {
      const t0 = performance.now();
      const counts = new Map<string, number>();
      let rest = '';
      for await (const chunk of await h.hdfs.open(path)) {
        const text = rest + (chunk as Buffer).toString('utf8');
        const lines = text.split('\n');
        rest = lines.pop()!;
        for (const line of lines) for (const w of line.split(' ')) if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
      }
      for (const w of rest.split(' ')) if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
      localMs.push(performance.now() - t0);
      let total = 0;
      for (const n of counts.values()) total += n;
      if (total !== words) throw new Error(`local count ${total} != ${words} words generated`);
    }

    const run = await runJob(h, { source: JOB, args: [path, String(flags.runs), String(flags.partitions)], executors: EXECUTORS, executorMemoryMb: 512 });
    if (run.report.finalStatus !== 'SUCCEEDED') throw new Error(`cluster run ${run.appId} ${run.report.finalStatus}:\n${run.stderr.slice(-4000)}`);
    const rounds = (run.result as { ms: number; total: number }[]).slice(1);
    for (const r of rounds) if (r.total !== words) throw new Error(`cluster count ${r.total} != ${words} words generated`);
    const clusterMs = rounds.map((r) => r.ms);

    const local = median(localMs);
    const cluster = median(clusterMs);
    console.log(`local (1 process):      ${local.toFixed(0)} ms, ${mibPerSecond(bytes, local).toFixed(1)} MiB/s`);
    console.log(`cluster (${EXECUTORS} executors): ${cluster.toFixed(0)} ms, ${mibPerSecond(bytes, cluster).toFixed(1)} MiB/s`);
    console.log(`speed-up ${(local / cluster).toFixed(2)}x, parallel efficiency ${((local / cluster / EXECUTORS) * 100).toFixed(0)}%`);
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
