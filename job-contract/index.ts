/**
 * The job contract: what the client, the AM, the driver runtime and the executors agree on about a
 * job, beneath all of them and above protocols/ (which carries the application spec as a document
 * and the driver-executor wire, and knows no job engine). Two parts: the `job` section of the
 * application spec with its defaults and checks, and the job bundle (its evaluator footer and loader).
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
export { JOB_BUNDLE_FOOTER, JOB_EVALUATOR_EXPORT, loadJobModule, type Evaluate, type JobModule } from './job-module.js';
