/**
 * `npm run bench`: Spindle side by side with the tools users would otherwise pick (PySpark, Spark
 * on the JVM, DistributedShell, FsShell), on the local cluster (scripts/cluster), in the same run,
 * rotating which goes first. Peers are installed on first use into .cluster/peers/ (pinned, from
 * PyPI and Maven Central); the Spark JVM peer is compiled there from bench/peers/*.java.
 *
 *   npm run bench -- [--quick] [--only trivial-job,shell-4,...] [--runs N]
 *
 * Writes bench/results/latest.json (a list of rows; --only replaces just its rows), latest.md (the
 * table and the machine) and latest.svg (the speedup chart). Never starts, stops or restarts the
 * cluster; applications it started are killed if it is interrupted.
 */
import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RmRestClient } from '../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../protocols/webhdfs/index.js';
import { repoRoot, testCluster } from '../test/integration/cluster.js';
import { DEFAULT_CONTAINER_MEMORY_MB } from '../client/index.js';
import { AmRssSampler } from './lib/am-rss.js';
import { speedupChart } from './lib/chart.js';
import { describeMachine, type Machine } from './lib/machine.js';
import { parseOptions, ROW_NAMES, type BenchOptions } from './lib/options.js';
import { killRunning } from './lib/proc.js';
import { chartRows, goalVerdicts, loadRows, markdownTable, mergeRows, type Row } from './lib/results.js';
import { killQuietly } from './lib/yarn.js';
import { installDistShell, type DistShell } from './peers/distshell.js';
import { peersDir } from './peers/install.js';
import { installPySpark, type ExecutorShape, type PySpark } from './peers/pyspark.js';
import { buildSparkJvm, type SparkJvm } from './peers/sparkjvm.js';
import { spindleCommands } from './spindle/commands.js';
import type { BenchContext, Workload } from './workloads/context.js';
import { avroScan } from './workloads/avro-scan.js';
import { join as joinWorkload } from './workloads/join.js';
import { noopTasks } from './workloads/noop-tasks.js';
import { sort } from './workloads/sort.js';
import { shell4 } from './workloads/shell-4.js';
import { localStart } from './workloads/local-start.js';
import { trivialJob } from './workloads/trivial-job.js';
import { webhdfs } from './workloads/webhdfs.js';
import { wordcount } from './workloads/wordcount.js';
import { errorMessage, errorStack } from '../protocols/errors/index.js';

const WORKLOADS: readonly Workload[] = [trivialJob, shell4, wordcount, webhdfs, noopTasks, sort, joinWorkload, avroScan, localStart];
/** Workloads that run PySpark (the others do not need it installed). */
const SPARK_WORKLOADS: readonly Workload[] = [trivialJob, wordcount, noopTasks, sort, joinWorkload, avroScan, localStart];
/** Workloads that also run Spark on the JVM (compiled from bench/peers/*.java). */
const SPARK_JVM_WORKLOADS: readonly Workload[] = [trivialJob, wordcount, noopTasks, sort, joinWorkload, avroScan];
/** Executors for the job workloads, the same for Spindle and Spark: 2 of 1 core and 1 GiB (Spark's default size). */
export const BENCH_EXECUTORS: ExecutorShape = { executors: 2, cores: 1, memoryMb: 1024 };

const RESULTS_DIR = join(repoRoot, 'bench', 'results');

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const selected = WORKLOADS.filter((w) => w.rows.some((r) => (options.only as readonly string[]).includes(r)));
  const cluster = testCluster();
  const hadoopVersion = process.env.HADOOP_VERSION ?? '3.5.0';
  const rm = new RmRestClient({ rmUrls: [cluster.rmHttp], user: cluster.user });
  const hdfs = new WebHdfsClient({ nameNodes: [cluster.nameNodeHttp], user: cluster.user });
  await rm.clusterInfo().catch((err: unknown) => {
    throw new Error(`the local cluster does not answer at ${cluster.rmHttp} (scripts/cluster up): ${errorMessage(err)}`, { cause: err });
  });

  console.log(
    `Spindle benchmark${options.quick ? ' (quick)' : ''}: ${selected.map((w) => w.rows.join('+')).join(', ')}; ${options.runs} runs per side`,
  );
  const machine = describeMachine();
  console.log(`machine: ${machine.cpu}, ${machine.nproc} cores, ${machine.memory}; ${machine.node}, ${machine.java}, ${machine.python}`);
  const peers = peersDir(repoRoot);
  // Each peer is installed only when a selected workload needs it.
  const ds: DistShell | undefined = selected.includes(shell4) ? installDistShell(peers) : undefined;
  const spark: PySpark | undefined = selected.some((w) => SPARK_WORKLOADS.includes(w)) ? installPySpark(peers) : undefined;
  const sparkJvm: SparkJvm | undefined =
    spark && selected.some((w) => SPARK_JVM_WORKLOADS.includes(w))
      ? buildSparkJvm(spark, peers, join(repoRoot, 'bench', 'peers'))
      : undefined;
  const spindle = spindleCommands(repoRoot, cluster.confDir, DEFAULT_CONTAINER_MEMORY_MB);
  console.log(
    `Spindle: run via ${spindle.via.run}, fs via ${spindle.via.fs}, submit ${spindle.via.submit === 'cli' ? 'via cli' : 'not in the CLI yet'}`,
  );

  const session = `spindle-bench-${Date.now().toString(36)}`;
  const sampler = new AmRssSampler();
  const ctx: BenchContext = {
    options,
    repoRoot,
    confDir: cluster.confDir,
    defaultFs: cluster.defaultFs,
    user: cluster.user,
    rm,
    hdfs,
    hadoopVersion,
    // Read when a workload needs it (shell-4): written by scripts/cluster up in this checkout.
    get hadoopClasspath(): string {
      return readFileSync(join(repoRoot, '.cluster', `cp-${hadoopVersion}.txt`), 'utf8').trim();
    },
    // The workloads that use a peer run only when it was installed above.
    spark: spark as PySpark,
    sparkJvm: sparkJvm as SparkJvm,
    ds: ds as DistShell,
    spindle,
    sampler,
    executors: BENCH_EXECUTORS,
    session,
    hdfsScratch: `/user/${cluster.user}/spindle-bench/${session}`,
    tmp: mkdtempSync(join(tmpdir(), 'spindle-bench-')),
    liveApps: new Set(),
  };
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    sampler.stop();
    killRunning();
    for (const id of ctx.liveApps) await killQuietly(rm, id);
    rmSync(ctx.tmp, { recursive: true, force: true });
    await hdfs.delete(ctx.hdfsScratch, { recursive: true }).catch(() => false);
    hdfs.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping; killing what this run started`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const fresh: Row[] = [];
  try {
    await hdfs.mkdirs(ctx.hdfsScratch);
    sampler.start();
    for (const w of selected) {
      console.log(`\n== ${w.rows.join(' + ')}`);
      const start = performance.now();
      try {
        const rows = await w.run(ctx);
        fresh.push(...rows);
        writeResults(options, machine, fresh);
        for (const r of rows) {
          for (const verdict of goalVerdicts(r)) console.log(`  ${r.name} goal: ${verdict}`);
          explainShortfall(r);
        }
      } catch (err) {
        console.error(`${w.rows.join(' + ')} aborted: ${errorStack(err)}`);
      } finally {
        // Anything a failed workload left running goes now, not at the end.
        for (const id of ctx.liveApps) await killQuietly(rm, id);
        ctx.liveApps.clear();
      }
      console.log(`== ${w.rows.join(' + ')} took ${((performance.now() - start) / 1000).toFixed(0)} s`);
    }
  } finally {
    await cleanup();
  }
  const all = writeResults(options, machine, fresh);
  console.log(`\n${markdownTable(all)}\n`);
  for (const r of fresh) for (const verdict of goalVerdicts(r)) console.log(`${r.name}: ${verdict}`);
  console.log(`wrote ${join(RESULTS_DIR, 'latest.json')}, latest.md, latest.svg`);
  if (fresh.length === 0) process.exitCode = 1;
}

/** Merges `fresh` into latest.json and rewrites the table and the chart; returns all rows. */
function writeResults(options: BenchOptions, machine: Machine, fresh: readonly Row[]): Row[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const jsonPath = join(RESULTS_DIR, 'latest.json');
  const rows = mergeRows(loadRows(jsonPath), fresh, ROW_NAMES);
  writeFileSync(jsonPath, `${JSON.stringify(rows, null, 2)}\n`);
  const quick = rows.every((r) => r.quick) ? ' (--quick)' : rows.some((r) => r.quick) ? ' (some rows from --quick)' : '';
  const title = `Spindle vs peers on ${machine.nproc} cores${quick}`;
  writeFileSync(join(RESULTS_DIR, 'latest.svg'), speedupChart(chartRows(rows), title));
  const md = [
    '# Spindle benchmark: latest results',
    '',
    `Machine: ${machine.cpu}, ${machine.nproc} cores (nproc), ${machine.memory} RAM; ${machine.node}; ${machine.java}; ${machine.python}.`,
    `Last run: ${new Date().toISOString()}${options.quick ? ' with --quick' : ''}, ${options.runs} runs per side, alternating which goes first. Each row says when it was measured (measured_at in latest.json).`,
    '',
    markdownTable(rows),
    '',
    '![speedups](latest.svg)',
    '',
  ].join('\n');
  writeFileSync(join(RESULTS_DIR, 'latest.md'), md);
  return rows;
}

/** Where Spindle's time went, for a row that missed its goal (rather than hiding it). */
function explainShortfall(row: Row): void {
  if (row.spindle_s == null) return;
  const value = row.goal ? row[row.goal.field] : undefined;
  const missedOwn = row.goal !== undefined && typeof value === 'number' && value < row.goal.min;
  const missedPeers = (row.peers ?? []).filter((p) => p.pass === false);
  if (!missedOwn && missedPeers.length === 0) return;
  const what = [
    ...(missedOwn ? [`${row.goal!.field} ${value} is below the goal of ${row.goal!.min}`] : []),
    ...missedPeers.map((p) => `${p.ratio}× ${p.peer.split(' (')[0]} is below the goal of ${p.goal_min}×`),
  ];
  console.log(`  ${row.name}: ${what.join('; ')}. Where Spindle's time goes (medians, ms):`);
  if (row.spindle_phases_ms) console.log(`    wall clock, from the RM's timestamps: ${JSON.stringify(row.spindle_phases_ms)}`);
  if (row.spindle_timeline_ms) console.log(`    AM timeline since the RM accepted the app: ${JSON.stringify(row.spindle_timeline_ms)}`);
  for (const p of row.peers ?? [])
    if (p.phases_ms) console.log(`    ${p.peer.split(' (')[0]}, for comparison: ${JSON.stringify(p.phases_ms)}`);
  if (!row.peers && row.peer_phases_ms) console.log(`    the peer, for comparison: ${JSON.stringify(row.peer_phases_ms)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
