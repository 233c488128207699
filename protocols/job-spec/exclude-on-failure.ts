import { invalidSpec, wholeSpecNumber } from '../app-spec/index.js';

/**
 * Exclusion on failure: the job section's `excludeOnFailure` settings, named after Spark's
 * `spark.excludeOnFailure.*` keys with Spark's defaults. An executor (or a node, the NodeManager it
 * runs on) whose tasks fail repeatedly gets no more tasks of the stage, then of the application for
 * `timeoutMs`; the AM asks YARN for no more containers on an excluded node. Absent from a spec: on,
 * with the defaults (Spark has it off unless `spark.excludeOnFailure.enabled` is set).
 */
export interface ExcludeOnFailure {
  /** Default true. Off: a task only prefers executors it has not failed on, as before. */
  enabled: boolean;
  /** Attempts of one task on one executor before the task prefers others (task.maxTaskAttemptsPerExecutor). */
  maxTaskAttemptsPerExecutor: number;
  /** Attempts of one task on one node before the task prefers other nodes (task.maxTaskAttemptsPerNode). */
  maxTaskAttemptsPerNode: number;
  /** Failed tasks of one stage on an executor that exclude it for the stage (stage.maxFailedTasksPerExecutor). */
  stageMaxFailedTasksPerExecutor: number;
  /** Executors excluded for a stage on one node that exclude the node for the stage (stage.maxFailedExecutorsPerNode). */
  stageMaxFailedExecutorsPerNode: number;
  /**
   * Failed tasks on an executor, counted from stages that succeeded and within `timeoutMs`, that exclude
   * it for the application (application.maxFailedTasksPerExecutor).
   */
  appMaxFailedTasksPerExecutor: number;
  /** Executors excluded for the application on one node that exclude the node (application.maxFailedExecutorsPerNode). */
  appMaxFailedExecutorsPerNode: number;
  /** How long an application-level exclusion lasts, and how long a failure counts towards one (timeout). */
  timeoutMs: number;
}

/** Spark's defaults (`spark.excludeOnFailure.*`), with exclusion turned on. */
export const DEFAULT_EXCLUDE_ON_FAILURE: Readonly<ExcludeOnFailure> = Object.freeze({
  enabled: true,
  maxTaskAttemptsPerExecutor: 1,
  maxTaskAttemptsPerNode: 2,
  stageMaxFailedTasksPerExecutor: 2,
  stageMaxFailedExecutorsPerNode: 2,
  appMaxFailedTasksPerExecutor: 2,
  appMaxFailedExecutorsPerNode: 2,
  timeoutMs: 60 * 60 * 1000,
});

/** The defaults with `overrides` applied, checked; throws ConfigError naming the bad field. */
export function excludeOnFailure(overrides: Partial<ExcludeOnFailure> = {}): ExcludeOnFailure {
  return checkExcludeOnFailure({ ...DEFAULT_EXCLUDE_ON_FAILURE, ...overrides });
}

/** Checks a spec's `job.excludeOnFailure`; throws ConfigError naming the bad field. */
export function checkExcludeOnFailure(section: unknown): ExcludeOnFailure {
  if (!section || typeof section !== 'object') invalidSpec('job.excludeOnFailure', 'must be an object');
  const s = section as Partial<ExcludeOnFailure>;
  if (typeof s.enabled !== 'boolean') invalidSpec('job.excludeOnFailure.enabled', 'must be true or false');
  for (const f of [
    'maxTaskAttemptsPerExecutor',
    'maxTaskAttemptsPerNode',
    'stageMaxFailedTasksPerExecutor',
    'stageMaxFailedExecutorsPerNode',
    'appMaxFailedTasksPerExecutor',
    'appMaxFailedExecutorsPerNode',
    'timeoutMs',
  ] as const) {
    wholeSpecNumber(`job.excludeOnFailure.${f}`, s[f]);
  }
  return s as ExcludeOnFailure;
}
