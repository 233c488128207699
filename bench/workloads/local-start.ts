/**
 * local-start: from the command to the printed result, cold, for the trivial job (count a 10-element
 * parallelized collection) run on this machine with no cluster. Spindle: `spindle submit --local=2`
 * (driver in the CLI process, 2 executor processes). PySpark: `spark-submit --master local[2]`
 * (a driver JVM with 2 task threads, and the Python workers). Neither gets HADOOP_CONF_DIR.
 */
import { join } from 'node:path';
import { timedRun } from '../lib/proc.js';
import type { Row } from '../lib/results.js';
import { TRIVIAL_JOB, writeJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import { alternate, type Side } from './measure.js';
import { comparisonRow } from './row.js';

const TIMEOUT_MS = 5 * 60_000;
/** Issue #18: a trivial job in local mode in under a second. */
const GOAL_SECONDS = 1;

interface Sample {
  seconds: number;
}

/** The environment without a cluster: no Hadoop or YARN configuration directory. */
function noCluster(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { HADOOP_CONF_DIR: _h, YARN_CONF_DIR: _y, ...env } = process.env;
  return { ...env, ...extra };
}

async function timed(what: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Sample> {
  const r = await timedRun(command, args, { env, cwd, timeoutMs: TIMEOUT_MS });
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  if (!/^10$/m.test(r.stdout)) throw new Error(`${what} printed no 10; stdout: ${r.stdout.trim().slice(-200)}`);
  return { seconds: r.ms / 1000 };
}

export const localStart: Workload = {
  rows: ['local-start'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const job = writeJob(ctx.tmp, 'trivial-count', TRIVIAL_JOB);
    const cli = join(ctx.repoRoot, 'dist', 'client', 'cli.js');
    const spindle: Side<Sample> = {
      label: 'Spindle',
      run: () => timed('spindle submit --local=2', process.execPath, [cli, 'submit', '--local=2', job], noCluster(), ctx.tmp),
    };
    const peer: Side<Sample> = {
      label: `PySpark ${ctx.spark.version}`,
      run: () =>
        timed(
          'spark-submit --master local[2]',
          join(ctx.spark.home, 'bin', 'spark-submit'),
          ['--master', 'local[2]', join(ctx.repoRoot, 'bench', 'jobs', 'trivial_count.py')],
          noCluster({ SPARK_HOME: ctx.spark.home, PYSPARK_PYTHON: ctx.spark.python, PYSPARK_DRIVER_PYTHON: ctx.spark.python }),
          ctx.tmp,
        ),
    };
    const r = await alternate('local-start', ctx.options.runs, spindle, peer);
    const row = comparisonRow(
      ctx,
      {
        name: 'local-start',
        peer: `PySpark ${ctx.spark.version} (spark-submit --master local[2])`,
        spindleVia: 'cli',
        extra: { executors: 2, goal_max_spindle_s: GOAL_SECONDS },
      },
      r,
    );
    return [row];
  },
};
