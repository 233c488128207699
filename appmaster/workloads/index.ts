/** What the ApplicationMaster runs between registering and unregistering. The folder's public door. */
export { DriverWorkload, type DriverWorkloadDeps } from './driver.js';
export { ShellWorkload, type ShellWorkloadDeps } from './shell.js';
export type { AmOutcome, Workload } from './workload.js';
