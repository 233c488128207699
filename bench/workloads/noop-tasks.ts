/**
 * noop-tasks: N empty tasks on 2 executors, timed inside each driver after a 2-task warm-up job,
 * so the figure is the scheduler's task throughput, not start-up. The row's spindle_s / peer_s (and
 * each peer's s) are those in-driver times; the wall times of the whole applications are kept
 * beside them. Spark on the JVM is the anchor here: Spark's own scheduler without Python workers.
 */
import { round, type Row } from '../lib/results.js';
import { median } from '../lib/stats.js';
import { amLog } from '../lib/yarn.js';
import { noopMsIn, noopTasksJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import type { YarnSample } from './measure.js';
import { runWithPeers, sparkRow, sparkSides, spindleSide } from './spark-peers.js';

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
    const spindle = spindleSide<NoopSample>(ctx, {
      row: 'noop-tasks',
      timeoutMs: TIMEOUT_MS,
      source: () => noopTasksJob(tasks),
      check: async (_who, s) => {
        const ms = noopMsIn(s.run.stdout);
        if (ms === undefined)
          throw new Error(
            `the job ran (${s.appId} SUCCEEDED) but printed no timing${s.run.stdout.trim() ? `; stdout: ${s.run.stdout.trim().slice(-200)}` : ''}`,
          );
        return { ...s, taskSeconds: ms / 1000 };
      },
      describe,
    });
    const peers = sparkSides<NoopSample>(ctx, {
      row: 'noop-tasks',
      timeoutMs: TIMEOUT_MS,
      python: { script: 'noop_tasks.py', args: () => [String(tasks)] },
      jvm: { workload: 'noop', args: () => [String(tasks)] },
      check: async (who, s) => {
        const stdout = await amLog(ctx.rm, s.appId, 'stdout');
        const ms = noopMsIn(stdout);
        if (ms === undefined) throw new Error(`${who} ${s.appId} printed no timing; AM stdout: ${stdout.slice(-300)}`);
        return { ...s, taskSeconds: ms / 1000 };
      },
      describe,
    });
    const r = await runWithPeers(ctx, 'noop-tasks', spindle, peers);
    const perSecond = (samples: NoopSample[]): number | undefined =>
      samples.length ? round(tasks / median(samples.map((s) => s.taskSeconds)), 0) : undefined;
    const wall = (samples: NoopSample[]): number | undefined => (samples.length ? round(median(samples.map((s) => s.seconds))) : undefined);
    const row = sparkRow<NoopSample>(
      ctx,
      {
        name: 'noop-tasks',
        goal: { field: 'tasks_per_s', min: GOAL_TASKS_PER_S },
        spindleVia: 'cli',
        seconds: (s) => s.taskSeconds,
        peerExtra: (samples) => ({ tasks_per_s: perSecond(samples), wall_s: wall(samples) }),
        extra: {
          tasks,
          tasks_per_s: perSecond(r.spindle.samples),
          peer_tasks_per_s: perSecond(r.peers[0]!.result.samples),
          spindle_wall_s: wall(r.spindle.samples),
          peer_wall_s: wall(r.peers[0]!.result.samples),
          executors: ctx.executors,
        },
      },
      r,
    );
    return [row];
  },
};
