/**
 * noop-tasks: N empty tasks on 2 executors, timed inside each driver after a 2-task warm-up job,
 * so the figure is the scheduler's task throughput, not start-up. The row's spindle_s / peer_s are
 * those in-driver times; the wall times of the whole applications are kept beside them.
 */
import { join } from 'node:path';
import { median } from '../lib/stats.js';
import { round, type Row } from '../lib/results.js';
import { amLog } from '../lib/yarn.js';
import { sparkSubmit } from '../peers/pyspark.js';
import { noopMsIn, noopTasksJob, writeJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import { alternate, yarnFields, yarnRun, type Side, type YarnSample } from './measure.js';
import { comparisonRow } from './row.js';

const TIMEOUT_MS = 20 * 60_000;
/** Tasks per second Spindle should reach (issue #7). */
const GOAL_TASKS_PER_S = 10_000;

interface NoopSample extends YarnSample {
  /** The tasks' time as the driver measured it, seconds. */
  taskSeconds: number;
}

export const noopTasks: Workload = {
  rows: ['noop-tasks'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const tasks = ctx.options.sizes.noopTasks;
    const describe = (s: NoopSample): string =>
      `(${tasks} tasks in ${s.taskSeconds.toFixed(2)} s: ${Math.round(tasks / s.taskSeconds)} tasks/s)`;
    const job = writeJob(ctx.tmp, 'noop-tasks', noopTasksJob(tasks));
    const spindle: Side<NoopSample> | { unavailable: string } =
      ctx.spindle.via.submit === 'cli'
        ? {
            label: 'Spindle',
            run: async (i) => {
              const app = { name: `bench-noop-tasks-${i}`, tag: `${ctx.session}-noop-s${i}` };
              const cmd = ctx.spindle.submit(job, ctx.executors, app)!;
              const s = await yarnRun(ctx, {
                what: 'spindle submit noop-tasks',
                cmd,
                tag: app.tag,
                timeoutMs: TIMEOUT_MS,
                spindleAm: true,
              });
              const ms = noopMsIn(s.run.stdout);
              if (ms === undefined)
                throw new Error(
                  `the job ran (${s.appId} SUCCEEDED) but printed no timing${s.run.stdout.trim() ? `; stdout: ${s.run.stdout.trim().slice(-200)}` : ''}`,
                );
              return { ...s, taskSeconds: ms / 1000 };
            },
            describe,
          }
        : { unavailable: '`spindle submit` is not in the CLI (dist/client/cli.js) yet' };
    const peer: Side<NoopSample> = {
      label: `PySpark ${ctx.spark.version}`,
      run: async (i) => {
        const tag = `${ctx.session}-noop-${i}`;
        const cmd = sparkSubmit(ctx.spark, {
          name: `bench-noop-tasks-${i}`,
          tag,
          executors: ctx.executors,
          confDir: ctx.confDir,
          script: join(ctx.repoRoot, 'bench', 'jobs', 'noop_tasks.py'),
          args: [String(tasks)],
        });
        const s = await yarnRun(ctx, { what: 'PySpark noop_tasks.py', cmd, tag, timeoutMs: TIMEOUT_MS });
        const stdout = await amLog(ctx.rm, s.appId, 'stdout');
        const ms = noopMsIn(stdout);
        if (ms === undefined) throw new Error(`PySpark ${s.appId} printed no timing; AM stdout: ${stdout.slice(-300)}`);
        return { ...s, taskSeconds: ms / 1000 };
      },
      describe,
    };
    const r = await alternate('noop-tasks', ctx.options.runs, spindle, peer);
    const perSecond = (samples: NoopSample[]): number | undefined =>
      samples.length ? round(tasks / median(samples.map((s) => s.taskSeconds)), 0) : undefined;
    const wall = (samples: NoopSample[]): number | undefined => (samples.length ? round(median(samples.map((s) => s.seconds))) : undefined);
    const row = comparisonRow(
      ctx,
      {
        name: 'noop-tasks',
        peer: `PySpark ${ctx.spark.version} (foreach, timed in the driver)`,
        goal: { field: 'tasks_per_s', min: GOAL_TASKS_PER_S },
        spindleVia: 'cli',
        extra: {
          tasks,
          tasks_per_s: perSecond(r.spindle.samples),
          peer_tasks_per_s: perSecond(r.peer.samples),
          spindle_wall_s: wall(r.spindle.samples),
          peer_wall_s: wall(r.peer.samples),
          executors: ctx.executors,
          ...yarnFields(r.spindle.samples, r.peer.samples),
        },
      },
      r,
      { spindle: (s) => s.taskSeconds, peer: (p) => p.taskSeconds },
    );
    return [row];
  },
};
