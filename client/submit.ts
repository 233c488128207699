import { readFile } from 'node:fs/promises';
import {
  DEFAULT_EXECUTOR_MEMORY_MB,
  DEFAULT_EXECUTOR_VCORES,
  DEFAULT_EXECUTORS,
  DRIVER_BUNDLE_FILE,
  EXECUTOR_BUNDLE_FILE,
  JOB_BUNDLE_FILE,
  makeJobSpec,
  type ExcludeOnFailure,
  type Speculation,
} from '../protocols/job-spec/index.js';
import type { EventLogSettings } from '../protocols/event-log/index.js';
import { SHELL_SCRIPT_FILE } from '../protocols/app-spec/index.js';
import { ConfigError } from '../protocols/errors/index.js';
import { MAX_CONTAINERS, MAX_VCORES_PER_CONTAINER } from './capacity.js';
import { resolveExecutorPlan, type DynamicAllocationOptions } from './dynamic-allocation.js';
import { shellScript } from './shell-script.js';
import {
  checkWhole,
  DEFAULT_AM_MEMORY_MB,
  DEFAULT_AM_VCORES,
  DRIVER_BUNDLE_PATH,
  EXECUTOR_BUNDLE_PATH,
  submitApp,
  type CommonAppOptions,
  type SubmitDeps,
  type SubmittedApp,
} from './submission.js';

/**
 * The two workloads: `spindle run` (a shell command in N containers, each once) and `spindle submit`
 * (a bundled Node program run as the driver beside the AM). Both go through `submitApp`.
 */

export const DEFAULT_CONTAINER_MEMORY_MB = 256;
/** Memory a Node process needs beyond its JS heap (code, buffers, stacks), in MB. */
export const NODE_OVERHEAD_MB = 96;
/** The AM container of a driver application: its size unless --driver-memory says otherwise. */
export const DEFAULT_DRIVER_MEMORY_MB = 512;
/** What the AM process itself takes inside a driver's container (heap + overhead), in MB. */
export const AM_BESIDE_DRIVER_MB = 128;
/** The AM process's heap when a driver shares its container. */
export const AM_HEAP_BESIDE_DRIVER_MB = 64;
// The executor defaults are the job contract's (the AM and driver read the same section).
export { DEFAULT_EXECUTOR_MEMORY_MB, DEFAULT_EXECUTOR_VCORES, DEFAULT_EXECUTORS, JOB_BUNDLE_FILE };

/**
 * Environment variables that tell the job's own code its executor settings (`spindle submit --help`
 * documents them). The engine itself reads these settings from the application spec's job section.
 */
export const EXECUTOR_ENV = {
  executors: 'SPINDLE_EXECUTORS',
  memoryMb: 'SPINDLE_EXECUTOR_MEMORY_MB',
  vcores: 'SPINDLE_EXECUTOR_VCORES',
  heapMb: 'SPINDLE_EXECUTOR_HEAP_MB',
} as const;

/**
 * `--max-old-space-size` for a container of `memoryMb`, leaving room for what is not old-space
 * heap: V8's young generation (up to 3 x 16 MB semi-spaces), code and the runtime (~30 MB), and
 * Buffers (file and network I/O, shuffle segments). With 80% of 256 MB as heap, a shuffle-heavy
 * executor reached 262 MB of RSS and was killed; 25% (at least 96 MB) leaves enough.
 */
export function heapSizeFor(memoryMb: number, overheadMb = NODE_OVERHEAD_MB): number {
  return Math.max(32, Math.floor(Math.min(memoryMb - overheadMb, memoryMb * 0.75)));
}

/**
 * What an executor needs beyond its JS heap: NODE_OVERHEAD_MB's, plus the block server's thread (a
 * V8 isolate of its own, ~10 MB idle) and the shuffle's Buffers, which live outside the heap
 * (serialized frames waiting to be written, segments fetched into memory: up to the task's budget,
 * a quarter of the heap). With 96 MB beside a 160 MB heap, a repartition in 256 MB containers was
 * killed at 262 MB of RSS.
 */
export const EXECUTOR_OVERHEAD_MB = 128;

/** `--max-old-space-size` of an executor in a container of `memoryMb` (the same as heapSizeFor from 512 MB up). */
export function executorHeapFor(memoryMb: number): number {
  return heapSizeFor(memoryMb, EXECUTOR_OVERHEAD_MB);
}

/**
 * NODE_OPTIONS for a shell container: the heap limit for its size, unless the user's own
 * NODE_OPTIONS already sets one (then theirs stands).
 */
export function nodeOptionsFor(memoryMb: number, userValue?: string): string {
  const flag = `--max-old-space-size=${heapSizeFor(memoryMb)}`;
  if (!userValue?.trim()) return flag;
  return /--max-old-space-size/.test(userValue) ? userValue : `${userValue.trim()} ${flag}`;
}

export interface ShellAppOptions extends CommonAppOptions {
  /** Program and arguments, or one shell command line. */
  command: string[];
  containers: number;
  /** Container size. Default DEFAULT_CONTAINER_MEMORY_MB. */
  memoryMb?: number;
  vcores?: number;
  /** Failed containers tolerated (and replaced). Default 0. */
  maxFailures?: number;
  environment?: Record<string, string>;
  amMemoryMb?: number;
  amVcores?: number;
}

/** `spindle run`: one command in N containers. */
export async function submitShellApp(deps: SubmitDeps, options: ShellAppOptions): Promise<SubmittedApp> {
  const containers = checkWhole('--containers', options.containers, 1, MAX_CONTAINERS);
  const memoryMb = checkWhole('--memory', options.memoryMb ?? DEFAULT_CONTAINER_MEMORY_MB, 1);
  const vcores = checkWhole('--vcores', options.vcores ?? 1, 1, MAX_VCORES_PER_CONTAINER);
  const amMemoryMb = checkWhole('--am-memory', options.amMemoryMb ?? DEFAULT_AM_MEMORY_MB, 1);
  const amVcores = checkWhole('AM vcores', options.amVcores ?? DEFAULT_AM_VCORES, 1);
  const maxFailures = checkWhole('--max-failures', options.maxFailures ?? 0, 0, MAX_CONTAINERS);
  if (options.command.length === 0) throw new ConfigError('no command given: put it after --, e.g. spindle run -n 2 -- hostname');
  const script = shellScript(options.command);
  const userEnv = options.environment ?? {};

  return submitApp(
    deps,
    options,
    {
      sizes: [
        { option: '--memory', memoryMb },
        { option: '--vcores', vcores },
      ],
      count: {
        option: '--containers',
        count: containers,
        noun: 'container',
        memoryMb,
        sizeOption: '--memory',
        amMemoryMb,
        amNoun: 'ApplicationMaster',
      },
    },
    async (stage) => {
      const cmd = await stage.cache.put({ bytes: script });
      const environment: Record<string, string> = {
        ...userEnv,
        NODE_OPTIONS: nodeOptionsFor(memoryMb, userEnv.NODE_OPTIONS),
        // A shipped Node sits in the working directory; YARN expands $PWD and $PATH at launch.
        ...(stage.nodeShipped ? { PATH: `$PWD:${userEnv.PATH ?? '$PATH'}` } : {}),
      };
      return {
        name: 'spindle-run',
        amResource: { memoryMb: amMemoryMb, vcores: amVcores },
        amHeapMb: heapSizeFor(amMemoryMb),
        shell: {
          containers,
          memoryMb,
          vcores,
          maxFailures,
          localResources: { ...stage.files, [SHELL_SCRIPT_FILE]: cmd.resource },
          environment,
          ...(options.priority !== undefined ? { priority: options.priority } : {}),
          ...(options.nodeLabel ? { nodeLabel: options.nodeLabel } : {}),
        },
      };
    },
  );
}

export interface DriverAppOptions extends CommonAppOptions {
  /** The bundled program (one ESM file). */
  bundle: string | Uint8Array;
  /** Arguments after the job file. */
  args?: string[];
  /** AM container size (the driver and the AM share it). Default DEFAULT_DRIVER_MEMORY_MB. */
  driverMemoryMb?: number;
  driverVcores?: number;
  /** For the job engine: how many executors, of what size (also told to the job as EXECUTOR_ENV variables). */
  executors?: number;
  executorMemoryMb?: number;
  executorVcores?: number;
  /** Attempts per task before the job fails; default DEFAULT_MAX_TASK_ATTEMPTS. */
  maxTaskAttempts?: number;
  /** Executor failures tolerated; default grows with the executor count. */
  maxExecutorFailures?: number;
  /** Changes to the exclusion-on-failure defaults, e.g. `{ enabled: false }`. */
  excludeOnFailure?: Partial<ExcludeOnFailure>;
  /** Silence after which the driver takes an executor for lost; default DEFAULT_NETWORK_TIMEOUT_MS. */
  networkTimeoutMs?: number;
  /** Turns speculative execution on, with changes to its defaults (`{}` for the defaults). */
  speculation?: Partial<Speculation>;
  /** The event log: off, or in another directory; absent: on, in /user/<user>/.spindle/history. */
  eventLog?: EventLogSettings;
  /**
   * Memory of each executor for cached partitions of persisted datasets, in MB (`--cache-memory`);
   * at most the executor's heap. Default: CACHE_HEAP_FRACTION of the heap.
   */
  cacheMemoryMb?: number;
  /** Dynamic allocation (on when a count is given); `executors` then only raises the initial count. */
  dynamicAllocation?: DynamicAllocationOptions;
  environment?: Record<string, string>;
}

/** The driver's heap in an AM container of `memoryMb` it shares with the AM. */
export function driverHeapFor(memoryMb: number): number {
  return heapSizeFor(Math.max(memoryMb - AM_BESIDE_DRIVER_MB, 64));
}

/** `spindle submit`: the bundled program runs as the driver inside the AM container. */
export async function submitDriverApp(deps: SubmitDeps, options: DriverAppOptions): Promise<SubmittedApp> {
  const driverMemoryMb = checkWhole('--driver-memory', options.driverMemoryMb ?? DEFAULT_DRIVER_MEMORY_MB, AM_BESIDE_DRIVER_MB + 64);
  const driverVcores = checkWhole('--driver-cores', options.driverVcores ?? DEFAULT_AM_VCORES, 1, MAX_VCORES_PER_CONTAINER);
  const plan = resolveExecutorPlan(options.executors, options.dynamicAllocation);
  const { executors, dynamicAllocation } = plan;
  const executorMemoryMb = checkWhole('--executor-memory', options.executorMemoryMb ?? DEFAULT_EXECUTOR_MEMORY_MB, 1);
  const executorVcores = checkWhole('--executor-cores', options.executorVcores ?? DEFAULT_EXECUTOR_VCORES, 1, MAX_VCORES_PER_CONTAINER);
  const cacheMemoryMb = options.cacheMemoryMb === undefined ? undefined : checkCacheMemory(options.cacheMemoryMb, executorMemoryMb);
  const sizes = [
    { option: '--driver-memory', memoryMb: driverMemoryMb },
    { option: '--executor-memory', memoryMb: executorMemoryMb },
    { option: '--executor-cores', vcores: executorVcores },
    { option: '--driver-cores', vcores: driverVcores },
  ];
  // The job engine's runtimes, read before anything is staged (a missing build fails early).
  const runtimes = executors > 0 || dynamicAllocation ? await readRuntimes() : undefined;
  // With dynamic allocation only the floor is held for good; more is asked for as work needs it.
  const count = {
    option: dynamicAllocation ? '--min-executors' : '--executors',
    count: dynamicAllocation ? dynamicAllocation.minExecutors : executors,
    noun: 'executor',
    memoryMb: executorMemoryMb,
    sizeOption: '--executor-memory',
    amMemoryMb: driverMemoryMb,
    amNoun: 'driver',
  };
  return submitApp(deps, options, { sizes, count }, async (stage) => {
    const [job, driverRuntime, executorRuntime] = await Promise.all([
      stage.cache.put({ bytes: options.bundle }),
      runtimes ? stage.cache.put({ bytes: runtimes.driver }) : undefined,
      runtimes ? stage.cache.put({ bytes: runtimes.executor }) : undefined,
    ]);
    const environment = {
      ...(options.environment ?? {}),
      [EXECUTOR_ENV.executors]: String(executors),
      [EXECUTOR_ENV.memoryMb]: String(executorMemoryMb),
      [EXECUTOR_ENV.vcores]: String(executorVcores),
      [EXECUTOR_ENV.heapMb]: String(executorHeapFor(executorMemoryMb)),
    };
    return {
      name: 'spindle-submit',
      amResource: { memoryMb: driverMemoryMb, vcores: driverVcores },
      amHeapMb: AM_HEAP_BESIDE_DRIVER_MB,
      amFiles: {
        ...stage.files,
        [JOB_BUNDLE_FILE]: job.resource,
        ...(driverRuntime && executorRuntime
          ? { [DRIVER_BUNDLE_FILE]: driverRuntime.resource, [EXECUTOR_BUNDLE_FILE]: executorRuntime.resource }
          : {}),
      },
      driver: { script: JOB_BUNDLE_FILE, args: options.args ?? [], heapMb: driverHeapFor(driverMemoryMb), environment },
      // With executors, the driver runtime runs the job's default export against a Context and the AM
      // keeps the executors; --executors 0 (without dynamic allocation) runs the file as a plain program.
      ...(executorRuntime
        ? {
            job: makeJobSpec({
              executors,
              executorMemoryMb,
              executorVcores,
              executorHeapMb: executorHeapFor(executorMemoryMb),
              ...(options.maxTaskAttempts !== undefined ? { maxTaskAttempts: options.maxTaskAttempts } : {}),
              ...(options.maxExecutorFailures !== undefined ? { maxExecutorFailures: options.maxExecutorFailures } : {}),
              ...(options.excludeOnFailure ? { excludeOnFailure: options.excludeOnFailure } : {}),
              ...(options.networkTimeoutMs !== undefined ? { networkTimeoutMs: options.networkTimeoutMs } : {}),
              ...(options.speculation ? { speculation: options.speculation } : {}),
              ...(options.eventLog ? { eventLog: options.eventLog } : {}),
              ...(cacheMemoryMb !== undefined ? { cacheMemoryMb } : {}),
              ...(dynamicAllocation ? { dynamicAllocation } : {}),
              nodeBinary: stage.nodeCommand,
              environment: options.environment ?? {},
              localResources: { ...stage.files, [EXECUTOR_BUNDLE_FILE]: executorRuntime.resource, [JOB_BUNDLE_FILE]: job.resource },
            }),
          }
        : {}),
    };
  });
}

/** `--cache-memory` in MB: whole, and no more than the executor's heap (the blocks live in it). */
function checkCacheMemory(mb: number, executorMemoryMb: number): number {
  const heap = executorHeapFor(executorMemoryMb);
  checkWhole('--cache-memory', mb, 0);
  if (mb > heap) {
    throw new ConfigError(
      `--cache-memory ${mb}m is more than the executor heap of ${heap} MB (--executor-memory ${executorMemoryMb}m): ` +
        'lower --cache-memory (blocks above it go to local disk) or raise --executor-memory',
    );
  }
  return mb;
}

async function readRuntimes(): Promise<{ driver: Buffer; executor: Buffer }> {
  const [driver, executor] = await Promise.all(
    [DRIVER_BUNDLE_PATH, EXECUTOR_BUNDLE_PATH].map((path) =>
      readFile(path).catch((err: unknown) => {
        throw new ConfigError(`the job engine bundle ${path} is missing: run npm run build`, { cause: err });
      }),
    ),
  );
  return { driver: driver!, executor: executor! };
}
