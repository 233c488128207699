/**
 * The job contract: what the client, the AM, the driver runtime and the executors agree on about a
 * job. Two parts: the `job` section of the application spec (a JSON document the client writes and
 * the AM reads) with its defaults and checks, and the job bundle (the evaluator footer the bundler
 * appends and the loader that reads it). It sits beside app-spec, which carries the section without
 * knowing its fields, so that the generic application spec stays free of the job engine.
 */
export {
  DEFAULT_EXECUTOR_MEMORY_MB,
  DEFAULT_EXECUTOR_VCORES,
  DEFAULT_EXECUTORS,
  DEFAULT_MAX_TASK_ATTEMPTS,
  DRIVER_BUNDLE_FILE,
  EXECUTOR_BUNDLE_FILE,
  JOB_BUNDLE_FILE,
  checkJobSpec,
  defaultMaxExecutorFailures,
  makeJobSpec,
  parseJobAppSpec,
  type JobAppSpec,
  type JobSpec,
  type JobSpecOptions,
} from './job-spec.js';
export {
  checkExcludeOnFailure,
  DEFAULT_EXCLUDE_ON_FAILURE,
  excludeOnFailure,
  type ExcludeOnFailure,
} from './exclude-on-failure.js';
export { checkSpeculation, DEFAULT_SPECULATION, speculation, type Speculation } from './speculation.js';
export { checkEventLogSettings, eventLogDirProblem } from './event-log.js';
export {
  checkDynamicAllocation,
  DEFAULT_EXECUTOR_IDLE_TIMEOUT_MS,
  DEFAULT_SCHEDULER_BACKLOG_TIMEOUT_MS,
  type DynamicAllocation,
} from './dynamic-allocation.js';
export {
  entryPointProblem,
  JOB_MAIN_SIGNATURE,
  JOB_BUNDLE_FOOTER,
  JOB_EVALUATOR_EXPORT,
  loadJobModule,
  type Evaluate,
  type JobModule,
} from './job-module.js';
export {
  bundleNames,
  CAPTURE_HELPER,
  CAPTURE_HELPER_NAME,
  CAPTURED_KEY,
  CAPTURING_GLOBAL,
  capturedOf,
  type Captured,
} from './captured.js';
