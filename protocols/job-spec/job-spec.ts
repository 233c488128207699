import { invalidSpec, parseAppSpec, wholeSpecNumber, type AppSpec } from '../app-spec/index.js';
import type { LocalResource } from '../yarn-model/index.js';
import { checkDynamicAllocation, type DynamicAllocation } from './dynamic-allocation.js';
import { checkExcludeOnFailure, excludeOnFailure, type ExcludeOnFailure } from './exclude-on-failure.js';
import { checkSpeculation, speculation, type Speculation } from './speculation.js';
import type { EventLogSettings } from '../event-log/index.js';
import { checkEventLogSettings } from './event-log.js';

/**
 * The `job` section of the application spec: what the client asks of the job engine (how many
 * executors, of what size, with which files, how many task attempts) and what the AM and the
 * driver runtime read back. The application spec (protocols/app-spec) carries the section; its
 * layout, defaults and checks are here.
 */

/** Name of the bundled job (the user's module, see bundleJob) in the AM's and executors' working directories. */
export const JOB_BUNDLE_FILE = 'spindle-job.mjs';
/** Name of the driver runtime bundle (runs the job's main with a Context) in the AM container. */
export const DRIVER_BUNDLE_FILE = 'spindle-driver.mjs';
/** Name of the executor runtime bundle in each executor container. */
export const EXECUTOR_BUNDLE_FILE = 'spindle-executor.mjs';

/** Executor containers of a job when the client does not say (`--executors`). */
export const DEFAULT_EXECUTORS = 2;
/** Size of each executor container, in MB (`--executor-memory`). */
export const DEFAULT_EXECUTOR_MEMORY_MB = 512;
/** Vcores of each executor container, also the tasks it runs at once (`--executor-cores`). */
export const DEFAULT_EXECUTOR_VCORES = 1;
/** Attempts of a task before the job fails. */
export const DEFAULT_MAX_TASK_ATTEMPTS = 4;
/** Executor failures tolerated by default: twice the executors, at least 3 (as Spark does). */
export function defaultMaxExecutorFailures(executors: number): number {
  return Math.max(3, 2 * executors);
}

/**
 * Job mode (`spindle submit` of a job module): the driver runtime runs the job's default export
 * with a Context, and the AM keeps executor containers for it. `driver.script` names the job
 * bundle; the AM starts `driverBundle` with it. Without `job`, `driver.script` runs as a plain
 * Node program (no executors).
 */
export interface JobSpec {
  /** The driver runtime among the AM container's local resources. */
  driverBundle: string;
  /** The executor runtime among `localResources`. */
  executorBundle: string;
  /** Executor containers kept while the job runs; with `dynamicAllocation`, the count it starts with. */
  executors: number;
  executorMemoryMb: number;
  /** Vcores of each executor container, and the tasks it runs at once (worker threads above 1). */
  executorVcores: number;
  /** --max-old-space-size of executors, in MB. */
  executorHeapMb: number;
  /** Attempts of a task before the job fails. Default DEFAULT_MAX_TASK_ATTEMPTS. */
  maxTaskAttempts: number;
  /** Failed executor containers tolerated (each replaced); one more fails the application. */
  maxExecutorFailures: number;
  /** Exclusion of executors and nodes whose tasks fail; absent: on, with DEFAULT_EXCLUDE_ON_FAILURE. */
  excludeOnFailure?: ExcludeOnFailure;
  /**
   * An executor the driver hears nothing from for this long (executors send a heartbeat every
   * EXECUTOR_HEARTBEAT_MS) is taken for lost: Spark's spark.network.timeout. Absent: DEFAULT_NETWORK_TIMEOUT_MS.
   */
  networkTimeoutMs?: number;
  /** Speculative copies of slow tasks; absent: off. */
  speculation?: Speculation;
  /** Memory of each executor for cached partitions, in MB; absent: the executor takes a share of its heap. */
  cacheMemoryMb?: number;
  /** Executors asked for and released as the work needs; absent: `executors` for the whole job. */
  dynamicAllocation?: DynamicAllocation;
  /** The application's event log; absent: on, at /user/<user>/.spindle/history/<appId>. */
  eventLog?: EventLogSettings;
  /** Files every executor gets: the executor runtime and the job bundle. */
  localResources: Record<string, LocalResource>;
  /** Environment of executors (the driver's is driver.environment). */
  environment: Record<string, string>;
  /** Node binary on the cluster's nodes for executors. Default `node` from the NodeManager's PATH. */
  nodeBinary?: string;
}

/** An application spec whose `job` section (if any) is a checked JobSpec. */
export type JobAppSpec = AppSpec<JobSpec>;

/** What a client must give to build a JobSpec; the rest has defaults. */
export interface JobSpecOptions {
  executors: number;
  executorMemoryMb: number;
  executorVcores: number;
  executorHeapMb: number;
  /** Files of every executor: must include EXECUTOR_BUNDLE_FILE and JOB_BUNDLE_FILE (and a shipped Node). */
  localResources: Record<string, LocalResource>;
  maxTaskAttempts?: number;
  maxExecutorFailures?: number;
  /** Changes to DEFAULT_EXCLUDE_ON_FAILURE (e.g. `{ enabled: false }`). */
  excludeOnFailure?: Partial<ExcludeOnFailure>;
  networkTimeoutMs?: number;
  /** Turns speculation on, with changes to DEFAULT_SPECULATION (`{}` for the defaults). */
  speculation?: Partial<Speculation>;
  cacheMemoryMb?: number;
  /** Checked settings; `executors` is then the initial count. */
  dynamicAllocation?: DynamicAllocation;
  eventLog?: EventLogSettings;
  environment?: Record<string, string>;
  nodeBinary?: string;
}

/** A JobSpec with the default bundle names, task attempts and executor failure limit. */
export function makeJobSpec(o: JobSpecOptions): JobSpec {
  return {
    driverBundle: DRIVER_BUNDLE_FILE,
    executorBundle: EXECUTOR_BUNDLE_FILE,
    executors: o.executors,
    executorMemoryMb: o.executorMemoryMb,
    executorVcores: o.executorVcores,
    executorHeapMb: o.executorHeapMb,
    maxTaskAttempts: o.maxTaskAttempts ?? DEFAULT_MAX_TASK_ATTEMPTS,
    // As Spark: with dynamic allocation the failure budget grows with the most executors there may be.
    maxExecutorFailures: o.maxExecutorFailures ?? defaultMaxExecutorFailures(o.dynamicAllocation?.maxExecutors ?? o.executors),
    ...(o.excludeOnFailure ? { excludeOnFailure: excludeOnFailure(o.excludeOnFailure) } : {}),
    ...(o.networkTimeoutMs !== undefined ? { networkTimeoutMs: o.networkTimeoutMs } : {}),
    ...(o.speculation ? { speculation: speculation(o.speculation) } : {}),
    ...(o.cacheMemoryMb !== undefined ? { cacheMemoryMb: o.cacheMemoryMb } : {}),
    ...(o.dynamicAllocation ? { dynamicAllocation: checkDynamicAllocation(o.dynamicAllocation, o.executors) } : {}),
    ...(o.eventLog ? { eventLog: checkEventLogSettings(o.eventLog) } : {}),
    localResources: o.localResources,
    environment: o.environment ?? {},
    ...(o.nodeBinary ? { nodeBinary: o.nodeBinary } : {}),
  };
}

/** Checks a `job` section as read from the spec document; throws ConfigError naming the bad field. */
export function checkJobSpec(section: unknown): JobSpec {
  const j = section as Partial<JobSpec>;
  for (const f of ['driverBundle', 'executorBundle'] as const) {
    if (typeof j[f] !== 'string' || j[f] === '') invalidSpec(`job.${f}`, 'must be a non-empty string');
  }
  // With dynamic allocation a job may start with no executor (Spark's default initial count, 0).
  wholeSpecNumber('job.executors', j.executors, j.dynamicAllocation === undefined ? 1 : 0);
  wholeSpecNumber('job.executorMemoryMb', j.executorMemoryMb);
  wholeSpecNumber('job.executorVcores', j.executorVcores);
  wholeSpecNumber('job.executorHeapMb', j.executorHeapMb);
  wholeSpecNumber('job.maxTaskAttempts', j.maxTaskAttempts);
  wholeSpecNumber('job.maxExecutorFailures', j.maxExecutorFailures, 0);
  if (!j.localResources || typeof j.localResources !== 'object') invalidSpec('job.localResources', 'must be an object');
  if (!(j.executorBundle! in j.localResources)) invalidSpec('job.localResources', `must include the executor bundle ${j.executorBundle}`);
  if (!j.environment || typeof j.environment !== 'object') invalidSpec('job.environment', 'must be an object');
  if (j.excludeOnFailure !== undefined) checkExcludeOnFailure(j.excludeOnFailure);
  if (j.networkTimeoutMs !== undefined) wholeSpecNumber('job.networkTimeoutMs', j.networkTimeoutMs);
  if (j.speculation !== undefined) checkSpeculation(j.speculation);
  if (j.cacheMemoryMb !== undefined) wholeSpecNumber('job.cacheMemoryMb', j.cacheMemoryMb, 0);
  if (j.dynamicAllocation !== undefined) checkDynamicAllocation(j.dynamicAllocation, j.executors!);
  if (j.eventLog !== undefined) checkEventLogSettings(j.eventLog);
  if (j.nodeBinary !== undefined && (typeof j.nodeBinary !== 'string' || j.nodeBinary === '')) {
    invalidSpec('job.nodeBinary', 'must be a non-empty string');
  }
  return j as JobSpec;
}

/** parseAppSpec, then checkJobSpec on the `job` section if there is one. */
export function parseJobAppSpec(text: string): JobAppSpec {
  const { job, ...spec } = parseAppSpec(text);
  return job === undefined ? spec : { ...spec, job: checkJobSpec(job) };
}
