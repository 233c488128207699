/**
 * trivial-job: from submission to the printed result, cold, for a job that counts a 10-element
 * parallelized collection. Spindle: `spindle submit` (the count is printed on the terminal).
 * PySpark: spark-submit in YARN cluster mode (the count is printed into the AM container's stdout,
 * checked after the run, untimed); the clock stops when spark-submit exits.
 */
import { join } from 'node:path';
import type { Row } from '../lib/results.js';
import { amLog } from '../lib/yarn.js';
import { sparkSubmit } from '../peers/pyspark.js';
import { TRIVIAL_JOB, writeJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import { comparisonRow } from './row.js';
import { alternate, describeAm, describePhases, yarnFields, yarnRun, type Side, type YarnSample } from './measure.js';
import { errorMessage } from '../../protocols/errors/index.js';

const TIMEOUT_MS = 5 * 60_000;
const GOAL = 5;

export const trivialJob: Workload = {
  rows: ['trivial-job'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const job = writeJob(ctx.tmp, 'trivial-count', TRIVIAL_JOB);
    const spindle: Side<YarnSample> | { unavailable: string } =
      ctx.spindle.via.submit === 'cli'
        ? {
            label: 'Spindle',
            run: async (i) => {
              const app = { name: `bench-trivial-job-${i}`, tag: `${ctx.session}-trivial-s${i}` };
              const cmd = ctx.spindle.submit(job, ctx.executors, app)!;
              const s = await yarnRun(ctx, {
                what: 'spindle submit trivial-count',
                cmd,
                tag: app.tag,
                timeoutMs: TIMEOUT_MS,
                spindleAm: true,
              });
              if (!/^10$/m.test(s.run.stdout))
                throw new Error(
                  `the job ran (${s.appId} SUCCEEDED) but printed no 10${s.run.stdout.trim() ? `; stdout: ${s.run.stdout.trim().slice(-200)}` : ''}`,
                );
              return s;
            },
            describe: (s) => `${describePhases(s.phases)} ${describeAm(s.am)}`,
          }
        : { unavailable: '`spindle submit` is not in the CLI (dist/client/cli.js) yet' };
    const peer: Side<YarnSample> = {
      label: `PySpark ${ctx.spark.version}`,
      run: async (i) => {
        const tag = `${ctx.session}-trivial-${i}`;
        const cmd = sparkSubmit(ctx.spark, {
          name: `bench-trivial-job-${i}`,
          tag,
          executors: ctx.executors,
          confDir: ctx.confDir,
          script: join(ctx.repoRoot, 'bench', 'jobs', 'trivial_count.py'),
        });
        const s = await yarnRun(ctx, { what: 'PySpark trivial_count.py', cmd, tag, timeoutMs: TIMEOUT_MS });
        const printed = await amLog(ctx.rm, s.appId, 'stdout').catch((e: unknown) => `(${errorMessage(e)})`);
        if (!/^10$/m.test(printed)) throw new Error(`PySpark ${s.appId} did not print 10; AM stdout: ${printed.slice(-300)}`);
        return s;
      },
      describe: (s) => `${describePhases(s.phases)} ${describeAm(s.am)}`,
    };
    const r = await alternate('trivial-job', ctx.options.runs, spindle, peer);
    const row = comparisonRow(
      ctx,
      {
        name: 'trivial-job',
        peer: `PySpark ${ctx.spark.version} (spark-submit, YARN cluster mode)`,
        goal: { field: 'speedup', min: GOAL },
        spindleVia: 'cli',
        extra: { executors: ctx.executors, ...yarnFields(r.spindle.samples, r.peer.samples) },
      },
      r,
    );
    return [row];
  },
};
