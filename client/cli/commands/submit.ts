/**
 * `spindle submit [options] <job-file> [job-args...]`: bundle a Node program with esbuild (errors
 * point at file:line before anything is submitted) and run it as the driver beside the AM. Its
 * stdout is printed to stdout, its stderr and our progress to stderr.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { availableParallelism } from 'node:os';
import { ConfigError } from '../../../protocols/errors/index.js';
import { MAX_CONTAINERS, MAX_VCORES_PER_CONTAINER } from '../../capacity.js';
import { bundleJob } from '../../job-bundle.js';
import { DEFAULT_DRIVER_MEMORY_MB, DEFAULT_EXECUTOR_MEMORY_MB, DEFAULT_EXECUTORS, submitDriverApp } from '../../submit.js';
import { addAppOptions, parseAppOptions, type RawAppOptions } from '../app-options.js';
import { parseCount, parseSize } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { followSubmitted, submitHoldingInterrupts } from '../watch.js';
import { localExecutorCount, submitLocal } from './submit-local.js';

interface RawSubmitOptions extends RawAppOptions {
  executors?: string;
  numExecutors?: string;
  executorMemory?: string;
  executorCores?: string;
  driverMemory?: string;
  driverCores?: string;
  /** false with --no-exclude-on-failure. */
  excludeOnFailure?: boolean;
  /** --local (true) or --local=N. */
  local?: string | boolean;
  master?: string;
}

export const SUBMIT_EXAMPLES = `
Examples:
  $ spindle submit examples/hello-driver.mjs
  $ spindle submit job.ts input/ output/          # arguments after the file go to the job
  $ spindle submit --executors 8 --executor-memory 2g job.ts
  $ spindle submit --driver-memory 1g --file lookup.json job.ts
  $ spindle submit --detach job.ts               # follow with spindle logs --follow <id>
  $ spindle submit --local job.ts in.txt out/     # no cluster: executors on this machine
  $ spindle submit --local=4 job.ts in.txt out/   # (--master local[4] works too)

The job file (.ts, .mts, .js, .mjs) is bundled with its imports into one file; syntax and import
errors are reported with file and line, and nothing is submitted. Options go before the job file.
The executor options reach the job as SPINDLE_EXECUTORS, SPINDLE_EXECUTOR_MEMORY_MB,
SPINDLE_EXECUTOR_VCORES and SPINDLE_EXECUTOR_HEAP_MB.`;

export function defineSubmit(program: Command, session: CliSession): Command {
  const cmd = program
    .command('submit')
    .summary('run a TypeScript/JavaScript job as the driver on the cluster')
    .description(
      'Bundle a job file with its imports and run it as the driver inside the ApplicationMaster container. Its stdout is printed to stdout, its stderr and progress to stderr. Exit code 0 only if the driver exits 0.',
    )
    // Optional for commander only: `--local job.ts` hands the file to --local's optional value (fixed below).
    .argument('[job-file]', 'the job (.ts, .mts, .js, .mjs)')
    .usage('[options] <job-file> [job-args...]')
    .argument('[job-args...]', 'arguments for the job')
    .option('--local [n]', 'run on this machine without a cluster: the driver here and n executor processes (default: the cores)')
    .option('--master <master>', 'local, local[n] or local[*] as --local (Spark style); yarn: the cluster (the default)')
    .option('--executors <n>', `executors for the job engine (default ${DEFAULT_EXECUTORS})`)
    .addOption(new Option('--num-executors <n>', 'same as --executors').hideHelp())
    .option('--executor-memory <size>', `executor container size (default ${DEFAULT_EXECUTOR_MEMORY_MB}m)`)
    .option('--executor-cores <n>', 'virtual cores per executor (default 1)')
    .option('--driver-memory <size>', `driver (ApplicationMaster) container size (default ${DEFAULT_DRIVER_MEMORY_MB}m)`)
    .option('--driver-cores <n>', 'virtual cores of the driver container (default 1)')
    .option(
      '--no-exclude-on-failure',
      'keep giving tasks to executors and nodes where tasks failed repeatedly (by default they are excluded; see docs/writing-jobs.md)',
    )
    .passThroughOptions()
    .addHelpText('after', SUBMIT_EXAMPLES);
  addAppOptions(cmd);
  cmd.action(async (jobFile: string | undefined, jobArgs: string[], raw: RawSubmitOptions) =>
    session.run(cmd, async (ctx) => {
      // `--local job.ts`: commander took the job file for --local's value.
      if (typeof raw.local === 'string' && !/^(\d+|\*)$/.test(raw.local.trim())) {
        if (jobFile !== undefined) jobArgs = [jobFile, ...jobArgs];
        jobFile = raw.local;
        raw = { ...raw, local: true };
      }
      if (jobFile === undefined) throw new ConfigError('submit: give the job file (spindle submit [options] <job-file> [job-args...])');
      const local = localExecutorCount(raw.local, raw.master, availableParallelism());
      if (local !== undefined) return submitLocal(ctx, jobFile, jobArgs, local);
      return submitCommand(ctx, jobFile, jobArgs, raw);
    }),
  );
  return cmd;
}

export async function submitCommand(ctx: CliContext, jobFile: string, jobArgs: string[], raw: RawSubmitOptions): Promise<number> {
  const app = parseAppOptions(raw, ctx);
  const executorsText = raw.executors ?? raw.numExecutors;
  const executors = executorsText !== undefined ? parseCount('--executors', executorsText, 0, MAX_CONTAINERS) : undefined;
  const executorMemoryMb = raw.executorMemory !== undefined ? parseSize('--executor-memory', raw.executorMemory) : undefined;
  const executorVcores =
    raw.executorCores !== undefined ? parseCount('--executor-cores', raw.executorCores, 1, MAX_VCORES_PER_CONTAINER) : undefined;
  const driverMemoryMb = raw.driverMemory !== undefined ? parseSize('--driver-memory', raw.driverMemory) : DEFAULT_DRIVER_MEMORY_MB;
  const driverVcores =
    raw.driverCores !== undefined ? parseCount('--driver-cores', raw.driverCores, 1, MAX_VCORES_PER_CONTAINER) : undefined;
  const { out } = ctx;

  // Bundling first: a broken job never reaches the cluster.
  const started = Date.now();
  const bundle = await bundleJob(jobFile, { cwd: ctx.process.cwd });
  for (const w of bundle.warnings) out.warn(w);
  out.debug(`bundled ${jobFile} (${Buffer.byteLength(bundle.code)} bytes) in ${Date.now() - started} ms`);
  const deps = await ctx.submitDeps();

  const { app: submitted, interrupted } = await submitHoldingInterrupts(ctx, () =>
    submitDriverApp(deps, {
      ...app.common,
      name: app.common.name ?? `spindle-submit ${jobFile.split('/').pop()}`,
      bundle: bundle.code,
      args: jobArgs,
      environment: app.environment,
      driverMemoryMb,
      ...(driverVcores !== undefined ? { driverVcores } : {}),
      ...(executors !== undefined ? { executors } : {}),
      ...(executorMemoryMb !== undefined ? { executorMemoryMb } : {}),
      ...(executorVcores !== undefined ? { executorVcores } : {}),
      ...(raw.excludeOnFailure === false ? { excludeOnFailure: { enabled: false } } : {}),
    }),
  );
  return followSubmitted(ctx, submitted, interrupted, app.detach, {
    logs: 'am',
    memoryMb: executorMemoryMb ?? DEFAULT_EXECUTOR_MEMORY_MB,
    memoryOption: '--executor-memory',
    amMemoryMb: driverMemoryMb,
    amMemoryOption: '--driver-memory',
    ...(app.timeoutMs !== undefined ? { timeoutMs: app.timeoutMs } : {}),
  });
}
