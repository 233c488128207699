/**
 * The job API and the driver runtime. Job files import the types (`import type { Context } from
 * 'spindle'`, re-exported by client/index.ts); the client bundles jobs with bundleJob; the AM talks
 * to the driver process with the IPC messages.
 */
export { Accumulator, type AccumulatorSnapshot, type MergeFunction } from './accumulators.js';
export { Broadcast, type ClosureValues } from './closure.js';
export type { Context, FileSourceOptions } from './context.js';
export { Dataset, type AvroSaveOptions, type CogroupValues, type GroupValues, type SaveOptions } from './dataset.js';
export { CacheTracker, executorLocality } from './cache-tracker.js';
export type { StorageLevel } from '../../protocols/driver-executor/index.js';
export type { CombineOptions, ShuffleOptions, SortByOptions, SortOptions } from './shuffle-options.js';
export {
  type AppLiveness,
  cleanLeftovers,
  findLeftovers,
  type Leftover,
  type LeftoverFs,
  type LeftoverPlan,
  type LeftoverResult,
  livenessFromRm,
  parseLeftover,
  planLeftovers,
} from './leftovers.js';
export { AccumulatorError, JobAbortedError, JobDefinitionError, JobModuleError, TaskFailedError, type TaskFailure } from './errors.js';
export type { AmToDriver, DriverJobSettings, DriverToAm } from './ipc.js';
export { DriverRuntime, type DriverRuntimeOptions, type DriverStatus, type InitMessage } from './runtime.js';
export { runJobMain } from './run-main.js';
export { resolveLocalModePath } from './input-paths.js';
export type { TaskSetProgress } from './scheduler.js';
