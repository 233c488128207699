/**
 * `spindle run [options] -- <command...>`: a command in N containers, their output live on the
 * terminal, prefixed by container id; exit 0 only if every container exited 0.
 */
import type { Command } from 'commander';
import { MAX_CONTAINERS, MAX_VCORES_PER_CONTAINER } from '../../capacity.js';
import { DEFAULT_AM_MEMORY_MB } from '../../submission.js';
import { DEFAULT_CONTAINER_MEMORY_MB, submitShellApp } from '../../submit.js';
import { addAppOptions, parseAppOptions, type RawAppOptions } from '../app-options.js';
import { parseCount, parseSize } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { followSubmitted, submitHoldingInterrupts } from '../watch.js';

interface RawRunOptions extends RawAppOptions {
  containers: string;
  memory?: string;
  vcores?: string;
  maxFailures?: string;
  amMemory?: string;
}

export const RUN_EXAMPLES = `
Examples:
  $ spindle run -n 4 -- hostname
  $ spindle run -n 2 --memory 1g -- node -e 'console.log(process.memoryUsage())'
  $ spindle run --file data.csv --env MODE=fast -- 'wc -l data.csv'
  $ spindle run --archive deps.tgz#deps -- ./deps/bin/tool --flag
  $ spindle run -n 8 --max-failures 2 --timeout 10m -- ./work.sh
  $ spindle run --detach -n 2 -- sleep 600     # prints the id; follow with spindle logs --follow

A single argument is run as a bash command line ('echo $HOSTNAME | tr a-z A-Z');
several are run as one program with its arguments, unchanged.`;

export function defineRun(program: Command, session: CliSession): Command {
  const cmd = program
    .command('run')
    .summary('run a command in containers, with their output live on this terminal')
    .description(
      'Run a command in N YARN containers (each once). Their stdout and stderr appear here as they are written, prefixed by container id. Exit code 0 only if every container exits 0.',
    )
    .argument('<command...>', 'the command (put it after --)')
    .option('-n, --containers <n>', 'how many containers', '1')
    .option('--memory <size>', `container size (e.g. 512m, 2g; default ${DEFAULT_CONTAINER_MEMORY_MB}m)`)
    .option('--vcores <n>', 'virtual cores per container (default 1)')
    .option('--max-failures <n>', 'failed containers to tolerate and replace (default 0)')
    .option('--am-memory <size>', `ApplicationMaster container size (default ${DEFAULT_AM_MEMORY_MB}m)`)
    .passThroughOptions()
    .addHelpText('after', RUN_EXAMPLES);
  addAppOptions(cmd);
  cmd.action(async (command: string[], raw: RawRunOptions) => session.run(cmd, (ctx) => runCommand(ctx, command, raw)));
  return cmd;
}

export async function runCommand(ctx: CliContext, command: string[], raw: RawRunOptions): Promise<number> {
  const app = parseAppOptions(raw, ctx);
  const containers = parseCount('--containers', raw.containers, 1, MAX_CONTAINERS);
  const memoryMb = raw.memory !== undefined ? parseSize('--memory', raw.memory) : DEFAULT_CONTAINER_MEMORY_MB;
  const vcores = raw.vcores !== undefined ? parseCount('--vcores', raw.vcores, 1, MAX_VCORES_PER_CONTAINER) : undefined;
  const maxFailures = raw.maxFailures !== undefined ? parseCount('--max-failures', raw.maxFailures, 0, MAX_CONTAINERS) : undefined;
  const amMemoryMb = raw.amMemory !== undefined ? parseSize('--am-memory', raw.amMemory) : undefined;
  const deps = await ctx.submitDeps();
  const { app: submitted, interrupted } = await submitHoldingInterrupts(ctx, () =>
    submitShellApp(deps, {
      ...app.common,
      command,
      containers,
      memoryMb,
      environment: app.environment,
      ...(vcores !== undefined ? { vcores } : {}),
      ...(maxFailures !== undefined ? { maxFailures } : {}),
      ...(amMemoryMb !== undefined ? { amMemoryMb } : {}),
    }),
  );
  return followSubmitted(ctx, submitted, interrupted, app.detach, {
    logs: 'workers',
    memoryMb: memoryMb,
    memoryOption: '--memory',
    amMemoryMb: amMemoryMb ?? DEFAULT_AM_MEMORY_MB,
    amMemoryOption: '--am-memory',
    ...(app.timeoutMs !== undefined ? { timeoutMs: app.timeoutMs } : {}),
  });
}
