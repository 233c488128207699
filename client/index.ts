/**
 * Spindle's client library: the public door of client/. The CLI (cli.ts) is built on it.
 */
export {
  APPLICATION_TYPE,
  AM_BUNDLE_PATH,
  DEFAULT_AM_MEMORY_MB,
  DEFAULT_CONTAINER_MEMORY_MB,
  heapSizeFor,
  submitShellApp,
  type ShellAppOptions,
  type SubmitDeps,
  type SubmittedApp,
} from './submit.js';
export { shellQuote, shellScript } from './shell-script.js';
export { StagingDir, stagingDirFor } from './staging.js';
export { FINAL_STATES, killApp, waitForEnd, type AppDeps, type WaitForEndOptions } from './application.js';
