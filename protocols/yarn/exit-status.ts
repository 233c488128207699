/**
 * The one place that interprets a finished container's exit status. YARN reports either the
 * process's exit code or one of its own negative codes (ContainerExitStatus, protocols/yarn-model).
 * Which ones count as application failures follows Spark's YarnAllocator: preemption, disk
 * failures, releases and kills asked for by the AM, the RM or the end of the application are not
 * the application's fault; memory kills are.
 */

import { ContainerExitStatus } from '../yarn-model/index.js';

export type ExitKind = 'success' | 'failed' | 'killed' | 'killed-memory' | 'preempted' | 'aborted' | 'disk' | 'invalid';

export interface ExitClassification {
  kind: ExitKind;
  /** The exit status as given. */
  exitStatus: number;
  /** YARN's constant name for its negative codes (e.g. 'PREEMPTED'), else absent. */
  name?: string;
  /** Plain words for a user, with YARN's diagnostics appended when they add something. */
  description: string;
  /** Whether this exit should count against the application's failure limit. */
  countsAsFailure: boolean;
}

interface Known {
  name: string;
  kind: ExitKind;
  words: string;
  countsAsFailure: boolean;
}

const S = ContainerExitStatus;
const KNOWN: Record<number, Known> = {
  [S.SUCCESS]: { name: 'SUCCESS', kind: 'success', words: 'exited normally', countsAsFailure: false },
  [S.INVALID]: { name: 'INVALID', kind: 'invalid', words: 'finished without an exit status', countsAsFailure: true },
  [S.ABORTED]: {
    name: 'ABORTED',
    kind: 'aborted',
    words: 'was released by the application or lost with its node',
    countsAsFailure: false,
  },
  [S.DISKS_FAILED]: { name: 'DISKS_FAILED', kind: 'disk', words: "failed because the node's disks failed", countsAsFailure: false },
  [S.PREEMPTED]: { name: 'PREEMPTED', kind: 'preempted', words: 'was preempted by the scheduler', countsAsFailure: false },
  [S.KILLED_EXCEEDED_VMEM]: {
    name: 'KILLED_EXCEEDED_VMEM',
    kind: 'killed-memory',
    words: 'was killed for using more virtual memory than allowed',
    countsAsFailure: true,
  },
  [S.KILLED_EXCEEDED_PMEM]: {
    name: 'KILLED_EXCEEDED_PMEM',
    kind: 'killed-memory',
    words: 'was killed for using more physical memory than its container size',
    countsAsFailure: true,
  },
  [S.KILLED_BY_APPMASTER]: {
    name: 'KILLED_BY_APPMASTER',
    kind: 'killed',
    words: 'was stopped by the application master',
    countsAsFailure: false,
  },
  [S.KILLED_BY_RESOURCEMANAGER]: {
    name: 'KILLED_BY_RESOURCEMANAGER',
    kind: 'killed',
    words: 'was killed by the ResourceManager',
    countsAsFailure: false,
  },
  [S.KILLED_AFTER_APP_COMPLETION]: {
    name: 'KILLED_AFTER_APP_COMPLETION',
    kind: 'killed',
    words: 'was killed because the application had finished',
    countsAsFailure: false,
  },
  [S.KILLED_BY_CONTAINER_SCHEDULER]: {
    name: 'KILLED_BY_CONTAINER_SCHEDULER',
    kind: 'preempted',
    words: 'was killed by the NodeManager to make room for guaranteed containers',
    countsAsFailure: false,
  },
  [S.KILLED_FOR_EXCESS_LOGS]: {
    name: 'KILLED_FOR_EXCESS_LOGS',
    kind: 'killed',
    words: 'was killed for writing more logs than allowed',
    countsAsFailure: true,
  },
};

/** Exit codes 128+n mean "died from signal n" (bash convention, as the NM's launch script runs bash). */
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
};
const SIGKILL_EXIT = 137;
const SIGTERM_EXIT = 143;

/**
 * A stop asked for by the AM normally arrives as -105, but the NM also writes this sentence into
 * the diagnostics. ("Container killed on request. Exit code is 143" is NOT such evidence: the NM
 * writes it for every container whose process died from SIGTERM/SIGKILL.)
 */
const REQUESTED_KILL = /killed by the ApplicationMaster/i;
/** ...and these when it killed the container for its memory use. */
// Hadoop 3.5 quotes the limit type: "is running beyond the 'PHYSICAL' memory limit".
const MEMORY_KILL = /beyond (the )?'?(physical|virtual)'? memory limits?|running over memory|killed by the OOM killer|OutOfMemory/i;

function withDiagnostics(words: string, diagnostics: string | undefined): string {
  const d = diagnostics?.trim();
  return d && d !== 'N/A' ? `${words}: ${d}` : words;
}

/**
 * Put a finished container's exit status into words.
 * @param exitStatus ContainerStatus.exitStatus.
 * @param diagnostics ContainerStatus.diagnostics; used to tell requested kills (137/143 after a
 *   stop) and memory kills from other signals, and appended to the description.
 * @param options.neverStarted the NodeManager refused to start the container (startContainers
 *   failed), so there is no exit status; `diagnostics` is the refusal. Counts as a failure.
 */
export function classifyExit(exitStatus: number, diagnostics?: string, options: { neverStarted?: boolean } = {}): ExitClassification {
  if (options.neverStarted) {
    return { kind: 'failed', exitStatus, description: `could not be launched: ${diagnostics ?? 'unknown reason'}`, countsAsFailure: true };
  }
  const known = KNOWN[exitStatus];
  if (known) {
    return {
      kind: known.kind,
      exitStatus,
      name: known.name,
      description: `container ${exitStatus === 0 ? known.words : withDiagnostics(known.words, diagnostics)}`,
      countsAsFailure: known.countsAsFailure,
    };
  }
  if (exitStatus === SIGKILL_EXIT || exitStatus === SIGTERM_EXIT) {
    const signal = SIGNALS[exitStatus - 128];
    const text = diagnostics ?? '';
    if (MEMORY_KILL.test(text)) {
      return {
        kind: 'killed-memory',
        exitStatus,
        description: `container was killed (${signal}) for its memory use: ${text.trim()}`,
        countsAsFailure: true,
      };
    }
    const requested = REQUESTED_KILL.test(text);
    return {
      kind: 'killed',
      exitStatus,
      description: withDiagnostics(
        requested ? `container was stopped on request (${signal})` : `container was killed by ${signal} (exit ${exitStatus})`,
        diagnostics,
      ),
      countsAsFailure: !requested,
    };
  }
  if (exitStatus > 128 && exitStatus < 160) {
    const n = exitStatus - 128;
    const signal = SIGNALS[n] ?? `signal ${n}`;
    return {
      kind: 'failed',
      exitStatus,
      description: withDiagnostics(`container died from ${signal} (exit ${exitStatus})`, diagnostics),
      countsAsFailure: true,
    };
  }
  return {
    kind: 'failed',
    exitStatus,
    description: withDiagnostics(
      exitStatus < 0 ? `container ended with unknown YARN status ${exitStatus}` : `container exited with code ${exitStatus}`,
      diagnostics,
    ),
    countsAsFailure: true,
  };
}
