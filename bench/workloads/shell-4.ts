/**
 * shell-4: four containers running `true`, from the command's start to its exit:
 * `spindle run -n 4 -- true` against DistributedShell (`-num_containers 4 -shell_command true`),
 * both with containers of the same size.
 */
import { DEFAULT_CONTAINER_MEMORY_MB } from '../../client/index.js';
import type { Row } from '../lib/results.js';
import { distShellCommand } from '../peers/distshell.js';
import type { BenchContext, Workload } from './context.js';
import { comparisonRow } from './row.js';
import { alternate, describeAm, describePhases, yarnFields, yarnRun, type Side, type YarnSample } from './measure.js';

const TIMEOUT_MS = 5 * 60_000;
const CONTAINERS = 4;
const GOAL = 3;

export const shell4: Workload = {
  rows: ['shell-4'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const describe = (s: YarnSample): string => `${describePhases(s.phases)} ${describeAm(s.am)}`;
    const spindle: Side<YarnSample> = {
      label: `Spindle (${ctx.spindle.via.run})`,
      run: (i) => {
        const app = { name: `bench-shell-4-${i}`, tag: `${ctx.session}-shell-s${i}` };
        const cmd = ctx.spindle.run(CONTAINERS, ['true'], app);
        return yarnRun(ctx, { what: 'spindle run -n 4 -- true', cmd, tag: app.tag, timeoutMs: TIMEOUT_MS, spindleAm: true });
      },
      describe,
    };
    const peer: Side<YarnSample> = {
      label: `DistributedShell ${ctx.ds.version}`,
      run: (i) => {
        const tag = `${ctx.session}-shell-${i}`;
        const cmd = distShellCommand(ctx.ds, {
          name: `bench-shell-4-${i}`,
          tag,
          containers: CONTAINERS,
          containerMemoryMb: DEFAULT_CONTAINER_MEMORY_MB,
          shellCommand: 'true',
          confDir: ctx.confDir,
          hadoopClasspath: ctx.hadoopClasspath,
        });
        return yarnRun(ctx, { what: 'DistributedShell -num_containers 4 -shell_command true', cmd, tag, timeoutMs: TIMEOUT_MS });
      },
      describe,
    };
    const r = await alternate('shell-4', ctx.options.runs, spindle, peer);
    const row = comparisonRow(
      ctx,
      {
        name: 'shell-4',
        peer: `Hadoop DistributedShell ${ctx.ds.version} (client JVM + Java AM)`,
        goal: { field: 'speedup', min: GOAL },
        spindleVia: ctx.spindle.via.run,
        extra: {
          containers: CONTAINERS,
          container_memory_mb: DEFAULT_CONTAINER_MEMORY_MB,
          ...yarnFields(r.spindle.samples, r.peer.samples),
        },
      },
      r,
    );
    return [row];
  },
};
