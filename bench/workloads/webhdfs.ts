/**
 * webhdfs-put and webhdfs-get: one file in one stream, Spindle's WebHDFS client (`spindle fs put` /
 * `spindle fs cat`, a Node process per transfer) against Hadoop's FsShell (`hdfs dfs -put` / `-cat`, a JVM per
 * transfer, bench/lib/fsshell.ts). Both read the local file from the page cache and send what they
 * read to /dev/null; `sync` runs before every timed step. A no-op FsShell's time (JVM start and
 * client set-up) is reported beside, as bench/webhdfs.ts does. bench/webhdfs.ts has the
 * byte-for-byte checks across both clients; here lengths are checked.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fsShell } from '../lib/fsshell.js';
import { lastLines, timedRun } from '../lib/proc.js';
import { randomStream } from '../lib/random-stream.js';
import { median, mibPerSecond, since } from '../lib/stats.js';
import { round, type Row } from '../lib/results.js';
import type { BenchContext, Workload } from './context.js';
import { alternate, type Side } from './measure.js';
import { comparisonRow } from './row.js';

const MiB = 1024 * 1024;
const TIMEOUT_MS = 10 * 60_000;
const GOAL = 0.9;

interface Transfer {
  seconds: number;
}

export const webhdfs: Workload = {
  rows: ['webhdfs-put', 'webhdfs-get'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const mib = ctx.options.sizes.webhdfsMib;
    const bytes = mib * MiB;
    const local = join(ctx.tmp, `webhdfs-${mib}MiB.bin`);
    await pipeline(randomStream('spindle-bench', bytes), createWriteStream(local));
    const ours = `${ctx.hdfsScratch}/webhdfs-spindle.bin`;
    const theirs = `${ctx.hdfsScratch}/webhdfs-fsshell.bin`;
    const uri = (p: string): string => `${ctx.defaultFs}${p}`;
    const shell = fsShell(ctx.repoRoot, ctx.confDir, ctx.hadoopVersion);

    const spindleStep = async (what: string, cmd: { command: string; args: string[]; env: NodeJS.ProcessEnv }): Promise<Transfer> => {
      execFileSync('sync');
      const run = await timedRun(cmd.command, cmd.args, { env: cmd.env, timeoutMs: TIMEOUT_MS, captureStdout: false });
      if (run.code !== 0) throw new Error(`Spindle ${what} exited with ${run.code}: ${lastLines(run.stderr, 10)}`);
      return { seconds: run.ms / 1000 };
    };
    const shellStep = async (args: string[]): Promise<Transfer> => {
      execFileSync('sync');
      const start = performance.now();
      await shell.run(args);
      return { seconds: since(start) / 1000 };
    };
    const checkLength = async (path: string): Promise<void> => {
      const { length } = await ctx.hdfs.getFileStatus(path);
      if (length !== bytes) throw new Error(`${path} has ${length} bytes, expected ${bytes}`);
    };
    const rate = (t: Transfer): string => `(${mibPerSecond(bytes, t.seconds * 1000).toFixed(0)} MiB/s)`;

    const put = await alternate(
      'webhdfs-put',
      ctx.options.runs,
      {
        label: 'Spindle',
        run: async () => {
          const t = await spindleStep('put', ctx.spindle.put(local, ours));
          await checkLength(ours);
          return t;
        },
        describe: rate,
      } satisfies Side<Transfer>,
      {
        label: 'FsShell -put',
        run: async () => {
          const t = await shellStep(['-put', '-f', local, uri(theirs)]);
          await checkLength(theirs);
          return t;
        },
        describe: rate,
      } satisfies Side<Transfer>,
    );
    // Each side reads its own upload (the last one); if one side's uploads failed, both read the other's.
    const ourFile = put.spindle.samples.length ? ours : theirs;
    const theirFile = put.peer.samples.length ? theirs : ours;
    const get = await alternate(
      'webhdfs-get',
      ctx.options.runs,
      { label: 'Spindle', run: () => spindleStep('cat', ctx.spindle.cat(ourFile)), describe: rate } satisfies Side<Transfer>,
      { label: 'FsShell -cat', run: () => shellStep(['-cat', uri(theirFile)]), describe: rate } satisfies Side<Transfer>,
    );
    const jvm: number[] = [];
    for (let i = 0; i < ctx.options.runs; i++) jvm.push((await shellStep(['-test', '-e', uri('/')])).seconds);
    const jvmStart = round(median(jvm));
    console.log(`  FsShell no-op (JVM start + client set-up): median ${jvmStart.toFixed(2)} s`);
    await ctx.hdfs.delete(ours).catch(() => false);
    await ctx.hdfs.delete(theirs).catch(() => false);

    const rowFor = (name: string, peer: string, r: typeof put): Row => {
      const row = comparisonRow(
        ctx,
        {
          name,
          peer,
          goal: { field: 'speedup', min: GOAL },
          spindleVia: ctx.spindle.via.fs,
          extra: { size_mib: mib, peer_noop_s: jvmStart },
        },
        r,
      );
      if (row.spindle_s != null) row.spindle_mib_s = round(mib / row.spindle_s, 0);
      if (row.peer_s != null) row.peer_mib_s = round(mib / row.peer_s, 0);
      return row;
    };
    return [
      rowFor('webhdfs-put', `Hadoop ${ctx.hadoopVersion} FsShell -put (hdfs dfs -put)`, put),
      rowFor('webhdfs-get', `Hadoop ${ctx.hadoopVersion} FsShell -cat (hdfs dfs -cat)`, get),
    ];
  },
};
