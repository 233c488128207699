import { invalidSpec, wholeSpecNumber } from '../app-spec/index.js';

/**
 * Dynamic allocation: the job section's `dynamicAllocation` settings, named after Spark's
 * `spark.dynamicAllocation.*` keys with Spark's defaults. Present: the driver asks for executors
 * while tasks are backlogged (1, 2, 4, ... more per sustained backlog, up to `maxExecutors` and
 * what the tasks can use) and releases executors idle for `executorIdleTimeoutMs`, never below
 * `minExecutors`, keeping those that hold map output a running action may still read (shuffle
 * tracking). The job's `executors` is the initial count. Absent: the executor count stays fixed.
 */
export interface DynamicAllocation {
  /** Executors kept however idle (minExecutors). */
  minExecutors: number;
  /** Executors never exceeded (maxExecutors). */
  maxExecutors: number;
  /** How long an executor with nothing to keep it may idle before it is released (executorIdleTimeout). */
  executorIdleTimeoutMs: number;
  /**
   * The same for an executor holding cached blocks (cachedExecutorIdleTimeout); absent: such an
   * executor is never released, Spark's default.
   */
  cachedExecutorIdleTimeoutMs?: number;
  /** How long tasks wait for a slot before the first executor is added (schedulerBacklogTimeout). */
  schedulerBacklogTimeoutMs: number;
  /** How long a backlog must last again before each further, doubled, addition (sustainedSchedulerBacklogTimeout). */
  sustainedSchedulerBacklogTimeoutMs: number;
}

/** Spark's spark.dynamicAllocation.executorIdleTimeout. */
export const DEFAULT_EXECUTOR_IDLE_TIMEOUT_MS = 60_000;
/** Spark's spark.dynamicAllocation.schedulerBacklogTimeout (the sustained timeout defaults to it). */
export const DEFAULT_SCHEDULER_BACKLOG_TIMEOUT_MS = 1000;

/** Checks a spec's `job.dynamicAllocation` against the job's initial `executors`; throws ConfigError naming the bad field. */
export function checkDynamicAllocation(section: unknown, executors: number): DynamicAllocation {
  if (!section || typeof section !== 'object') invalidSpec('job.dynamicAllocation', 'must be an object');
  const s = section as Partial<DynamicAllocation>;
  const min = wholeSpecNumber('job.dynamicAllocation.minExecutors', s.minExecutors, 0);
  const max = wholeSpecNumber('job.dynamicAllocation.maxExecutors', s.maxExecutors, 1);
  if (min > max) invalidSpec('job.dynamicAllocation.minExecutors', `(${min}) must not exceed maxExecutors (${max})`);
  if (executors < min || executors > max) {
    invalidSpec('job.executors', `(the initial executors, ${executors}) must lie between minExecutors (${min}) and maxExecutors (${max})`);
  }
  wholeSpecNumber('job.dynamicAllocation.executorIdleTimeoutMs', s.executorIdleTimeoutMs);
  if (s.cachedExecutorIdleTimeoutMs !== undefined) {
    wholeSpecNumber('job.dynamicAllocation.cachedExecutorIdleTimeoutMs', s.cachedExecutorIdleTimeoutMs);
  }
  wholeSpecNumber('job.dynamicAllocation.schedulerBacklogTimeoutMs', s.schedulerBacklogTimeoutMs);
  wholeSpecNumber('job.dynamicAllocation.sustainedSchedulerBacklogTimeoutMs', s.sustainedSchedulerBacklogTimeoutMs);
  return s as DynamicAllocation;
}
