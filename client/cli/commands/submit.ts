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
import { resolveExecutorPlan, type DynamicAllocationOptions } from '../../dynamic-allocation.js';
import { bundleJob } from '../../job-bundle.js';
import { DEFAULT_DRIVER_MEMORY_MB, DEFAULT_EXECUTOR_MEMORY_MB, DEFAULT_EXECUTORS, submitDriverApp } from '../../submit.js';
import { addAppOptions, parseAppOptions, type RawAppOptions } from '../app-options.js';
import { DEFAULT_NETWORK_TIMEOUT_MS, MIN_NETWORK_TIMEOUT_MS } from '../../../protocols/driver-executor/index.js';
import { parseCount, parseDecimal, parseDuration, parseMillis, parseSize } from '../args.js';
import { DEFAULT_SPECULATION, eventLogDirProblem, type Speculation } from '../../../protocols/job-spec/index.js';
import type { EventLogSettings } from '../../../protocols/event-log/index.js';
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
  networkTimeout?: string;
  speculation?: boolean;
  speculationMultiplier?: string;
  speculationQuantile?: string;
  speculationMinRuntime?: string;
  eventLog?: string;
  cacheMemory?: string;
  minExecutors?: string;
  maxExecutors?: string;
  initialExecutors?: string;
  executorIdleTimeout?: string;
  cachedExecutorIdleTimeout?: string;
  schedulerBacklogTimeout?: string;
  sustainedSchedulerBacklogTimeout?: string;
  /** --local (true) or --local=N. */
  local?: string | boolean;
  master?: string;
}

export const SUBMIT_EXAMPLES = `
Examples:
  $ spindle submit examples/hello-driver.mjs
  $ spindle submit job.ts input/ output/          # arguments after the file go to the job
  $ spindle submit --executors 8 --executor-memory 2g job.ts
  $ spindle submit --min-executors 1 --max-executors 20 job.ts   # dynamic allocation
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
    .option('--min-executors <n>', 'dynamic allocation: executors kept however idle (default 0); turns dynamic allocation on')
    .option('--max-executors <n>', 'dynamic allocation: the most executors asked for (default: no limit); turns it on')
    .option('--initial-executors <n>', 'dynamic allocation: executors to start with (default --min-executors); turns it on')
    .option('--executor-idle-timeout <duration>', 'dynamic allocation: release an executor idle this long (default 60s)')
    .option(
      '--cached-executor-idle-timeout <duration>',
      'dynamic allocation: the same for an executor holding cached data (default: never released)',
    )
    .option(
      '--scheduler-backlog-timeout <duration>',
      'dynamic allocation: ask for an executor once tasks have waited this long (default 1s)',
    )
    .option(
      '--sustained-scheduler-backlog-timeout <duration>',
      'dynamic allocation: ask for twice as many each time the backlog lasts this long again (default: --scheduler-backlog-timeout)',
    )
    .option(
      '--cache-memory <size>',
      'executor memory for cached datasets (persist/cache); blocks above it spill to local disk (default 30% of the executor heap; 0: disk only)',
    )
    .option(
      '--no-exclude-on-failure',
      'keep giving tasks to executors and nodes where tasks failed repeatedly (by default they are excluded; see docs/writing-jobs.md)',
    )
    .option(
      '--network-timeout <duration>',
      `an executor the driver hears nothing from this long is taken for lost and its tasks rerun elsewhere (default ${DEFAULT_NETWORK_TIMEOUT_MS / 1000}s, at least ${MIN_NETWORK_TIMEOUT_MS / 1000}s)`,
    )
    .option(
      '--speculation',
      'run a second copy of tasks far slower than the rest of their stage; the first to finish wins (off by default)',
    )
    .option(
      '--speculation-multiplier <x>',
      `with --speculation: copy a task running longer than x times the median task time (default ${DEFAULT_SPECULATION.multiplier})`,
    )
    .option(
      '--speculation-quantile <q>',
      `with --speculation: share of a stage's tasks that must have finished first, above 0 up to 1 (default ${DEFAULT_SPECULATION.quantile})`,
    )
    .option(
      '--speculation-min-runtime <ms>',
      `with --speculation: never copy a task that ran less than this (ms, or e.g. 2s; default ${DEFAULT_SPECULATION.minRuntimeMs})`,
    )
    .option(
      '--event-log <off|dir>',
      'off: record no event log; a directory: record it there (default /user/<user>/.spindle/history; see spindle history)',
    )
    .passThroughOptions()
    .addHelpText('after', SUBMIT_EXAMPLES);
  addAppOptions(cmd);
  cmd.action(async (jobFile: string | undefined, jobArgs: string[], raw: RawSubmitOptions) => {
    // `--local job.ts`: commander took the job file for --local's value.
    if (typeof raw.local === 'string' && !/^(\d+|\*)$/.test(raw.local.trim())) {
      if (jobFile !== undefined) jobArgs = [jobFile, ...jobArgs];
      jobFile = raw.local;
      raw = { ...raw, local: true };
    }
    // The job file is optional to commander only so that `--local job.ts` parses: refuse its absence as commander would.
    if (jobFile === undefined)
      return cmd.error("error: missing required argument 'job-file'", { code: 'commander.missingArgument', exitCode: 2 });
    const file = jobFile;
    return session.run(cmd, async (ctx) => {
      const local = localExecutorCount(raw.local, raw.master, availableParallelism());
      if (local !== undefined) return submitLocal(ctx, file, jobArgs, local);
      return submitCommand(ctx, file, jobArgs, raw);
    });
  });
  return cmd;
}

export async function submitCommand(ctx: CliContext, jobFile: string, jobArgs: string[], raw: RawSubmitOptions): Promise<number> {
  const app = parseAppOptions(raw, ctx);
  const executorsText = raw.executors ?? raw.numExecutors;
  const executors = executorsText !== undefined ? parseCount('--executors', executorsText, 0, MAX_CONTAINERS) : undefined;
  const executorMemoryMb = raw.executorMemory !== undefined ? parseSize('--executor-memory', raw.executorMemory) : undefined;
  const executorVcores =
    raw.executorCores !== undefined ? parseCount('--executor-cores', raw.executorCores, 1, MAX_VCORES_PER_CONTAINER) : undefined;
  const cacheMemoryMb =
    raw.cacheMemory === undefined ? undefined : raw.cacheMemory.trim() === '0' ? 0 : parseSize('--cache-memory', raw.cacheMemory);
  const driverMemoryMb = raw.driverMemory !== undefined ? parseSize('--driver-memory', raw.driverMemory) : DEFAULT_DRIVER_MEMORY_MB;
  const driverVcores =
    raw.driverCores !== undefined ? parseCount('--driver-cores', raw.driverCores, 1, MAX_VCORES_PER_CONTAINER) : undefined;
  const networkTimeoutMs = raw.networkTimeout !== undefined ? parseNetworkTimeout(raw.networkTimeout) : undefined;
  const speculation = speculationOptions(raw);
  const eventLog = raw.eventLog !== undefined ? parseEventLogOption(raw.eventLog) : undefined;
  const dynamicAllocation = parseDynamicAllocation(raw);
  // Checked here too, so that a bad combination is refused before bundling.
  resolveExecutorPlan(executors, dynamicAllocation);
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
      ...(networkTimeoutMs !== undefined ? { networkTimeoutMs } : {}),
      ...(speculation ? { speculation } : {}),
      ...(eventLog ? { eventLog } : {}),
      ...(cacheMemoryMb !== undefined ? { cacheMemoryMb } : {}),
      dynamicAllocation,
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

/** --network-timeout: a duration of at least three executor heartbeats. */
export function parseNetworkTimeout(text: string): number {
  const ms = parseDuration('--network-timeout', text);
  if (ms < MIN_NETWORK_TIMEOUT_MS) {
    throw new ConfigError(
      `--network-timeout: "${text}" is shorter than ${MIN_NETWORK_TIMEOUT_MS / 1000}s (three executor heartbeats); executors would be taken for lost while working`,
    );
  }
  return ms;
}

/** --event-log: `off`, or the directory of the log (absolute, or relative to /user/<user>). */
export function parseEventLogOption(text: string): EventLogSettings {
  const value = text.trim();
  if (value === 'off') return { enabled: false };
  const problem = eventLogDirProblem(value);
  if (problem) {
    throw new ConfigError(`--event-log: "${text}" ${problem}; give "off" or an HDFS directory such as /shared/spindle-history`);
  }
  return { enabled: true, dir: value };
}

/** The --speculation options, checked; undefined without --speculation (the tuning options then are an error). */
export function speculationOptions(raw: RawSubmitOptions): Partial<Speculation> | undefined {
  const tuning = [
    ['--speculation-multiplier', raw.speculationMultiplier],
    ['--speculation-quantile', raw.speculationQuantile],
    ['--speculation-min-runtime', raw.speculationMinRuntime],
  ] as const;
  if (!raw.speculation) {
    const given = tuning.find(([, v]) => v !== undefined);
    if (given) throw new ConfigError(`${given[0]} only applies with --speculation; add --speculation to turn speculative execution on`);
    return undefined;
  }
  return {
    ...(raw.speculationMultiplier !== undefined
      ? { multiplier: parseDecimal('--speculation-multiplier', raw.speculationMultiplier, { min: 1 }) }
      : {}),
    ...(raw.speculationQuantile !== undefined
      ? { quantile: parseDecimal('--speculation-quantile', raw.speculationQuantile, { above: 0, max: 1 }) }
      : {}),
    ...(raw.speculationMinRuntime !== undefined
      ? { minRuntimeMs: parseMillis('--speculation-min-runtime', raw.speculationMinRuntime) }
      : {}),
  };
}

/** The dynamic allocation options as numbers (their combination is checked by resolveExecutorPlan). */
function parseDynamicAllocation(raw: RawSubmitOptions): DynamicAllocationOptions {
  const count = (option: string, text: string | undefined): number | undefined =>
    text === undefined ? undefined : parseCount(option, text, 0, MAX_CONTAINERS);
  const ms = (option: string, text: string | undefined): number | undefined =>
    text === undefined ? undefined : parseDuration(option, text);
  const o: DynamicAllocationOptions = {
    minExecutors: count('--min-executors', raw.minExecutors),
    maxExecutors: count('--max-executors', raw.maxExecutors),
    initialExecutors: count('--initial-executors', raw.initialExecutors),
    executorIdleTimeoutMs: ms('--executor-idle-timeout', raw.executorIdleTimeout),
    cachedExecutorIdleTimeoutMs: ms('--cached-executor-idle-timeout', raw.cachedExecutorIdleTimeout),
    schedulerBacklogTimeoutMs: ms('--scheduler-backlog-timeout', raw.schedulerBacklogTimeout),
    sustainedSchedulerBacklogTimeoutMs: ms('--sustained-scheduler-backlog-timeout', raw.sustainedSchedulerBacklogTimeout),
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as DynamicAllocationOptions;
}
