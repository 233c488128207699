import type { AmJobProgress } from '../../protocols/am-status/index.js';
import type { FinalStatus, RegisterResult } from '../../protocols/yarn/index.js';
import type { Allocator } from '../allocator.js';

/** How the application ended, as the AM unregisters it. */
export interface AmOutcome {
  finalStatus: FinalStatus;
  diagnostics: string;
}

/**
 * What an application runs once its AM has registered: shell commands in containers, or a driver
 * (with or without executors). The ApplicationMaster registers, runs one workload, and unregisters
 * with its outcome; the workload owns the heartbeat loop in between.
 */
export interface Workload {
  /**
   * Runs until done, failed or `signal` aborts (a kill: the AM then reports 'killed' whatever this
   * returns). Throws when heartbeats fail for good.
   */
  run(registration: RegisterResult, signal: AbortSignal): Promise<AmOutcome>;
  /** The bookkeeping of the containers it asked for, once there is one (status counts, resync asks). */
  allocator(): Allocator | undefined;
  /** A job's progress as its driver last reported it. */
  progress(): AmJobProgress | undefined;
}

/** The outcome when the ResourceManager told the AM to stop (AMCommand resync/shutdown). */
export function amCommandOutcome(command: string): AmOutcome {
  return { finalStatus: 'failed', diagnostics: `the ResourceManager asked the AM to ${command}` };
}
