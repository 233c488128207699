/**
 * Local mode: a job's driver in this process and its executors as processes on this machine, with
 * the cluster's engine code (`spindle submit --local`, `spindle/testing`).
 */
export {
  DEFAULT_MAX_LOCAL_EXECUTOR_FAILURES,
  LocalExecutors,
  type LocalExecutorEvent,
  type LocalExecutorsOptions,
} from './local-executors.js';
export { LOCAL_MAX_TASK_ATTEMPTS, type LocalRunOptions, type LocalRunResult, runLocalMode } from './local-job.js';
export { type JobMain, type RunLocalOptions, runLocal } from './run-local.js';
