import type { AmJobProgress } from '../../protocols/am-status/index.js';
import type { DynamicAllocation, ExcludeOnFailure, Speculation } from '../../protocols/job-spec/index.js';
import type { EventLogSettings, LogEvent } from '../../protocols/event-log/index.js';
import type { LocalityHints } from '../locality-asks.js';
/**
 * Messages between the AM and the driver process over the Node IPC channel (fork with advanced
 * serialization, so Buffers travel as bytes). The AM keeps the ResourceManager conversation and the
 * containers; the driver runs the job and says how many executors it wants.
 *
 *   AM -> driver: init (secret, cluster, job settings), executor-launched, executor-lost, abort, tokens
 *   driver -> AM: ready (task server port), request-executors, status (progress snapshot),
 *                 excluded-nodes (every node excluded for the application now; the AM asks YARN to avoid them),
 *                 release-executors (dynamic allocation: give these executors' containers back),
 *                 locality (where the running stages' input lies: the AM asks YARN for executors there),
 *                 events (the scheduler's event-log records, in batches, for the AM's web UI)
 */

/** The executor settings of the application, as the AM passes them on. */
export interface DriverJobSettings {
  /** With `dynamicAllocation`, the initial count. */
  executors: number;
  executorVcores: number;
  /** The executors' container memory and their JavaScript heap limit, MB (absent: not said; local mode). */
  executorMemoryMb?: number;
  executorHeapMb?: number;
  maxTaskAttempts: number;
  /** Absent: on, with the defaults. */
  excludeOnFailure?: ExcludeOnFailure;
  /** Absent: DEFAULT_NETWORK_TIMEOUT_MS. */
  networkTimeoutMs?: number;
  /** Absent: off. */
  speculation?: Speculation;
  /** Absent: the executor count stays `executors`. */
  dynamicAllocation?: DynamicAllocation;
  /** Absent: on, in the default directory. */
  eventLog?: EventLogSettings;
}

export type AmToDriver =
  | {
      type: 'init';
      /** The application secret executors must prove they know. Never logged. */
      secret: Uint8Array;
      appId: string;
      /** Host executors reach the driver at (the AM's NodeManager host). */
      host: string;
      nameNodes: string[];
      /** ResourceManager REST base URLs, to ask whether an application has ended; absent from older specs. */
      rmWebUrls?: string[];
      user: string;
      job: DriverJobSettings;
      /** The application's staging directory on HDFS (the action journal lives there); absent: no journal. */
      stagingDir?: string;
      /** This ApplicationMaster attempt (1-based) and --max-attempts: whether a SIGTERM may be followed by another attempt. */
      attemptId?: number;
      maxAttempts?: number;
      /**
       * An HDFS delegation token fresher than the container's, when the AM renews tokens with a keytab
       * (URL string form). Secret: never logged.
       */
      hdfsToken?: string;
    }
  /** `node`: the NodeManager's `host:port` (how YARN names the node). */
  | { type: 'executor-launched'; executorId: string; containerId: string; host: string; node?: string }
  | { type: 'executor-lost'; executorId: string; containerId: string; description: string; countsAsFailure: boolean }
  | { type: 'abort'; reason: string }
  /** A fresh HDFS delegation token (URL string form) the AM obtained with its keytab. Secret. */
  | { type: 'tokens'; hdfs: string };

export type DriverToAm =
  | { type: 'ready'; port: number }
  | { type: 'request-executors'; count: number }
  | { type: 'status'; status: AmJobProgress }
  /** The whole set each time it changes (`host:port` names); an empty list lifts every exclusion. */
  | { type: 'excluded-nodes'; nodes: string[] }
  /**
   * Idle executors the driver has stopped using: their containers go back to YARN, and their ends
   * are not losses. `count` is the new number of executors wanted (no replacement is asked for).
   */
  | { type: 'release-executors'; executorIds: string[]; count: number }
  /** Sent before the first request-executors when the first stage comes soon enough, then on each change. */
  | { type: 'locality'; hints: LocalityHints }
  /** Event-log records as the driver recorded them (before the log's caps), oldest first. */
  | { type: 'events'; events: LogEvent[] };

/** Checks the shape of a message from the AM (the channel is ours, but a version skew is possible). */
export function isAmMessage(m: unknown): m is AmToDriver {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

/** Checks the shape of a message from the driver. */
export function isDriverMessage(m: unknown): m is DriverToAm {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}
