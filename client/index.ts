/**
 * Spindle's client library: the public door of client/. The CLI (cli.ts) is built on it.
 */
export {
  AM_BUNDLE_PATH,
  APPLICATION_TYPE,
  DEFAULT_AM_MEMORY_MB,
  DEFAULT_AM_VCORES,
  SHIPPED_NODE_NAME,
  submitApp,
  type CommonAppOptions,
  type SizeRequest,
  type StageContext,
  type SubmitDeps,
  type SubmitLimits,
  type SubmittedApp,
  type Workload,
} from './submission.js';
export { checkCount, MAX_CONTAINERS, MAX_VCORES_PER_CONTAINER, maxContainersAtOnce, type CountRequest } from './capacity.js';
export { resolveExecutorPlan, type DynamicAllocationOptions, type ExecutorPlan } from './dynamic-allocation.js';
export {
  AM_BESIDE_DRIVER_MB,
  AM_HEAP_BESIDE_DRIVER_MB,
  DEFAULT_CONTAINER_MEMORY_MB,
  DEFAULT_DRIVER_MEMORY_MB,
  DEFAULT_EXECUTOR_MEMORY_MB,
  DEFAULT_EXECUTOR_VCORES,
  DEFAULT_EXECUTORS,
  driverHeapFor,
  EXECUTOR_ENV,
  executorHeapFor,
  heapSizeFor,
  JOB_BUNDLE_FILE,
  NODE_OVERHEAD_MB,
  nodeOptionsFor,
  submitDriverApp,
  submitShellApp,
  type DriverAppOptions,
  type ShellAppOptions,
} from './submit.js';
export { shellQuote, shellScript } from './shell-script.js';
export { StagingDir, stagingDirFor } from './staging.js';
export { ARCHIVE_EXTENSIONS, archiveExtension, cacheDirFor, HdfsCache, sha256Of, type CachedFile, type CacheSource } from './cache.js';
export {
  type CacheGcFs,
  type CacheGcItem,
  type CacheGcOptions,
  type CacheGcPlan,
  type CacheGcResult,
  cacheEntriesInUse,
  DEFAULT_CACHE_GC_AGE_MS,
  gcCache,
  lastUsedOf,
  MIN_CACHE_GC_AGE_MS,
  planCacheGc,
} from './cache-gc.js';
export { checkShippedFiles, RESERVED_NAMES, shipFiles, type ShippedFile } from './resources.js';
export { FINAL_STATES, killApp, waitForEnd, type AppDeps, type WaitForEndOptions } from './application.js';
export { fetchAmStatus, parseAmStatus, type AmContainerEvent, type AmStatus } from './am-status.js';
export { ContainerLogTail, DEFAULT_LOG_FILES, type LogLine } from './container-logs.js';
export { containerIdsIn, discoverContainers, NodeDirectory, type ContainerLocation } from './containers.js';
export {
  describeEnd,
  explainFailure,
  formatFailure,
  memoryKillWords,
  tailLines,
  type ContainerEnd,
  type ContainerFailure,
} from './failure.js';
export { amContainerOf, ApplicationFollower, type FollowListener, type FollowOptions, type FollowResult, type LogScope } from './follow.js';
export { bundleJob, JobBundleError, type JobBundle } from './job-bundle.js';
// The job API, for `import type { Context } from 'spindle'` in job files (types only: the CLI loads
// none of the job engine).
export type {
  Accumulator,
  AccumulatorError,
  AvroSaveOptions,
  Broadcast,
  ClosureValues,
  CogroupValues,
  CombineOptions,
  Context,
  Dataset,
  FileSourceOptions,
  GroupValues,
  MergeFunction,
  SaveOptions,
  ShuffleOptions,
  SortByOptions,
  SortOptions,
  StorageLevel,
  TaskFailedError,
  TaskFailure,
} from '../appmaster/driver/index.js';
