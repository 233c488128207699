import {
  DEFAULT_EXECUTOR_IDLE_TIMEOUT_MS,
  DEFAULT_EXECUTORS,
  DEFAULT_SCHEDULER_BACKLOG_TIMEOUT_MS,
  type DynamicAllocation,
} from '../protocols/job-spec/index.js';
import { ConfigError } from '../protocols/errors/index.js';
import { MAX_CONTAINERS } from './capacity.js';
import { checkWhole } from './submission.js';

/**
 * `spindle submit`'s dynamic allocation options, checked once, with messages that name the option.
 * Any of `--min-executors`, `--max-executors`, `--initial-executors` turns it on (Spark's
 * spark.dynamicAllocation.enabled with min/max/initialExecutors); the timeouts only tune it.
 */

/** Dynamic allocation as the submit options give it; every field optional. */
export interface DynamicAllocationOptions {
  /** Default 0. */
  minExecutors?: number;
  /** Default MAX_CONTAINERS (Spark: unbounded). */
  maxExecutors?: number;
  /** Default minExecutors. */
  initialExecutors?: number;
  /** Default DEFAULT_EXECUTOR_IDLE_TIMEOUT_MS (60 s). */
  executorIdleTimeoutMs?: number;
  /** Default: never (executors holding cached blocks stay). */
  cachedExecutorIdleTimeoutMs?: number;
  /** Default DEFAULT_SCHEDULER_BACKLOG_TIMEOUT_MS (1 s). */
  schedulerBacklogTimeoutMs?: number;
  /** Default: schedulerBacklogTimeoutMs. */
  sustainedSchedulerBacklogTimeoutMs?: number;
}

/** The option that sets each field, for messages. */
const OPTION: Record<keyof DynamicAllocationOptions, string> = {
  minExecutors: '--min-executors',
  maxExecutors: '--max-executors',
  initialExecutors: '--initial-executors',
  executorIdleTimeoutMs: '--executor-idle-timeout',
  cachedExecutorIdleTimeoutMs: '--cached-executor-idle-timeout',
  schedulerBacklogTimeoutMs: '--scheduler-backlog-timeout',
  sustainedSchedulerBacklogTimeoutMs: '--sustained-scheduler-backlog-timeout',
};

/** The executors a job starts with and, when dynamic allocation is on, its settings. */
export interface ExecutorPlan {
  executors: number;
  dynamicAllocation?: DynamicAllocation;
}

/**
 * Resolves the executor options. Without dynamic allocation: `executors` (default
 * DEFAULT_EXECUTORS) for the whole job. With it, as Spark's Utils.getDynamicAllocationInitialExecutors:
 * the job starts with the largest of `minExecutors`, `initialExecutors` and `executors` (which, like
 * spark.executor.instances, then only raises the initial count). Where Spark warns and ignores an
 * initial count outside [min, max], this refuses it: the user asked for something that cannot be.
 */
export function resolveExecutorPlan(executors: number | undefined, o: DynamicAllocationOptions = {}): ExecutorPlan {
  const on = o.minExecutors !== undefined || o.maxExecutors !== undefined || o.initialExecutors !== undefined;
  if (!on) {
    const tuning = (Object.keys(OPTION) as (keyof DynamicAllocationOptions)[]).filter((k) => o[k] !== undefined).map((k) => OPTION[k]);
    if (tuning.length > 0) {
      throw new ConfigError(
        `${tuning.join(', ')} only ${tuning.length === 1 ? 'applies' : 'apply'} with dynamic allocation: ` +
          'turn it on with --min-executors and/or --max-executors (see "Dynamic allocation" in docs/writing-jobs.md)',
      );
    }
    return { executors: checkWhole('--executors', executors ?? DEFAULT_EXECUTORS, 0, MAX_CONTAINERS) };
  }
  const min = checkWhole(OPTION.minExecutors, o.minExecutors ?? 0, 0, MAX_CONTAINERS);
  const max = checkWhole(OPTION.maxExecutors, o.maxExecutors ?? MAX_CONTAINERS, 1, MAX_CONTAINERS);
  if (min > max) {
    throw new ConfigError(`--min-executors (${min}) is more than --max-executors (${max}); lower --min-executors or raise --max-executors`);
  }
  const inRange = (option: string, value: number | undefined, note = ''): number => {
    if (value === undefined) return 0;
    checkWhole(option, value, 0, MAX_CONTAINERS);
    if (value < min || value > max) {
      throw new ConfigError(
        `${option} (${value}) must lie between --min-executors (${min}) and --max-executors (${max})${note}; ` +
          `change one of them so that --min-executors <= ${option} <= --max-executors`,
      );
    }
    return value;
  };
  const initial = Math.max(
    min,
    inRange(OPTION.initialExecutors, o.initialExecutors),
    inRange('--executors', executors, ': with dynamic allocation it sets the initial executors, as spark.executor.instances does'),
  );
  const ms = (key: keyof DynamicAllocationOptions, fallback: number): number => checkWhole(OPTION[key], o[key] ?? fallback, 1);
  const backlog = ms('schedulerBacklogTimeoutMs', DEFAULT_SCHEDULER_BACKLOG_TIMEOUT_MS);
  return {
    executors: initial,
    dynamicAllocation: {
      minExecutors: min,
      maxExecutors: max,
      executorIdleTimeoutMs: ms('executorIdleTimeoutMs', DEFAULT_EXECUTOR_IDLE_TIMEOUT_MS),
      ...(o.cachedExecutorIdleTimeoutMs !== undefined ? { cachedExecutorIdleTimeoutMs: ms('cachedExecutorIdleTimeoutMs', 0) } : {}),
      schedulerBacklogTimeoutMs: backlog,
      sustainedSchedulerBacklogTimeoutMs: ms('sustainedSchedulerBacklogTimeoutMs', backlog),
    },
  };
}
