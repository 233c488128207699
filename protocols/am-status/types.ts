import type { ExitClassification } from '../yarn/index.js';

/**
 * The ApplicationMaster's status document: the JSON its tracking URL serves (reached through the
 * RM's web proxy, `http://<rm>/proxy/<appId>/`), and the container list it keeps in its log
 * directory. The AM builds these types; clients read them back with parse.ts.
 *
 *   {"appId":…,"name":…,"state":"running",
 *    "containers":{"target":2,"pending":0,"launching":0,"running":2,"succeeded":0,"failed":0,"lost":0},
 *    "timeline":{"amStarted":…,"registered":…,"firstContainerRunning":…},
 *    "events":[{"containerId":…,"host":"localhost","node":"localhost:45451","nodeHttpAddress":"localhost:8042",
 *               "exitStatus":0,"classification":{"kind":"success",…,"description":"container exited normally"},
 *               "diagnostics":""}],
 *    "launched":[{"containerId":…,"node":"localhost:45451","nodeHttpAddress":"localhost:8042","at":…}],
 *    "job":{"stages":[{"stageId":0,"description":…,"tasks":60,"succeeded":3,"running":2,…}],
 *           "accumulators":[{"id":1,"name":"bad records","value":3,"updates":2}],…}}
 */

/** The AM's own lifecycle: starting, running, then the final status it unregistered with. */
export type AmState = 'starting' | 'running' | 'succeeded' | 'failed' | 'killed' | 'undefined';

/** The allocator's counts (see appmaster/allocator.ts). */
export interface AmContainerCounts {
  target: number;
  /** Asked for and not yet granted. */
  pending: number;
  /** Granted and not yet reported started. */
  launching: number;
  running: number;
  succeeded: number;
  failed: number;
  /** Ended for reasons that are not the application's fault (re-requested). */
  lost: number;
}

/** When the AM reached each step, in ms since the epoch. */
export interface AmTimeline {
  amStarted?: number;
  registered?: number;
  firstContainerRunning?: number;
}

/** A container that finished (or never started), classified by classifyExit. */
export interface AmContainerEvent {
  containerId: string;
  /** Host of its NodeManager (not the port: several NodeManagers may share a host). */
  host?: string;
  /** The NodeManager's RPC address (host:port) and web address, where the container's logs are. */
  node?: string;
  nodeHttpAddress?: string;
  exitStatus: number;
  classification: ExitClassification;
  diagnostics: string;
}

/** A container the AM started, with the NodeManager that holds its logs. */
export interface AmLaunchedContainer {
  containerId: string;
  /** The NodeManager's RPC address, host:port. */
  node: string;
  /** The NodeManager's web address, host:port. */
  nodeHttpAddress: string;
  /** When startContainers succeeded, ms since the epoch. */
  at: number;
}

/** One stage of a job, as the driver reports it (`job.stages[]`); the driver may add fields. */
export interface AmStageProgress {
  stageId: number;
  description: string;
  tasks: number;
  succeeded: number;
  running: number;
  failedAttempts: number;
  state: string;
  records: number;
  [field: string]: unknown;
}

/** One accumulator of a job (`job.accumulators[]`), as its driver reports it. */
export interface AmAccumulator {
  id: number;
  name: string;
  /** The value as JSON: a Set or an array as an array, a Map as [key, value] pairs, a BigInt as a string. */
  value: unknown;
  /** Set when `value` shows only the first elements of a large collection. */
  truncated?: true;
  /** Successful tasks whose updates are merged into the value. */
  updates: number;
}

/**
 * A job's progress, as its driver last reported it. The AM serves the driver's snapshot as it is;
 * only `stages` (and `accumulators`, for a job that made some) is part of this contract, other
 * fields (jobs, executors) are informative.
 */
export interface AmJobProgress {
  stages: AmStageProgress[];
  accumulators?: AmAccumulator[];
  [field: string]: unknown;
}

/** The document at the AM's tracking URL. */
export interface AmStatus {
  appId: string;
  name: string;
  state: AmState;
  /** Absent until the AM knows what it runs (and for a driver without executors). */
  containers?: AmContainerCounts;
  timeline: AmTimeline;
  /** The last finished containers, oldest first (at most AM_STATUS_EVENTS). */
  events: AmContainerEvent[];
  /** Every container the AM started, oldest first. */
  launched: AmLaunchedContainer[];
  /** Job applications only. */
  job?: AmJobProgress;
}

/** How many finished containers the status document lists. */
export const AM_STATUS_EVENTS = 50;

/**
 * One line of the container list (`containers.jsonl` in the AM container's log directory): the AM
 * appends one when a container starts and one when it ends, so the containers of a finished
 * application can be found (the RM forgets them) through the NodeManager that ran the AM.
 */
export type ContainerListEntry =
  | ({ event: 'started' } & AmLaunchedContainer)
  | { event: 'ended'; containerId: string; node?: string; nodeHttpAddress?: string; exitStatus: number; at: number };
