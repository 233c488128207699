import type { Token } from '../credentials/index.js';

/**
 * YARN's records as Spindle names them, whichever protocol brought them: the ResourceManager's
 * REST API (protocols/rm-rest/parse.ts) and the protobuf RPC protocols (protocols/yarn/convert.ts)
 * both convert into these types. Enum values are spelled as YARN's Java enums are (`RUNNING`,
 * `SUCCEEDED`), the names the REST API and the RM UI show. Fields one protocol does not carry say
 * so; the REST API reports every field here unless marked otherwise.
 */

/** YARN application states, in lifecycle order (YarnApplicationState). */
export type YarnAppState = 'NEW' | 'NEW_SAVING' | 'SUBMITTED' | 'ACCEPTED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

/** States from which an application never moves again. */
export const FINAL_APP_STATES: readonly YarnAppState[] = ['FINISHED', 'FAILED', 'KILLED'];

/** The outcome the ApplicationMaster (or the RM, for kills) reported (FinalApplicationStatus). */
export type FinalAppStatus = 'UNDEFINED' | 'SUCCEEDED' | 'FAILED' | 'KILLED' | 'ENDED';

/** NodeManager states (NodeState). */
export type NodeState = 'NEW' | 'RUNNING' | 'UNHEALTHY' | 'DECOMMISSIONING' | 'DECOMMISSIONED' | 'LOST' | 'REBOOTED' | 'SHUTDOWN';

/** An amount of cluster resources. */
export interface Resource {
  memoryMb: number;
  vcores: number;
}

export type LocalResourceType = 'file' | 'archive' | 'pattern';
export type LocalResourceVisibility = 'public' | 'private' | 'application';

/** A file the NodeManager downloads into the container's working directory before launch. */
export interface LocalResource {
  /** Absolute URI, percent-encoded, e.g. `hdfs://nn:8020/user/alice/.spindle/app.js`. */
  url: string;
  /** Bytes; must match the file. */
  size: number;
  /** Modification time in ms; must match the file exactly or localization fails. */
  timestamp: number;
  type: LocalResourceType;
  visibility: LocalResourceVisibility;
  /** Only for type 'pattern': which entries of the archive to unpack (RPC only). */
  pattern?: string;
}

/** One NodeManager as the RM sees it (REST `…/nodes`, RPC allocate's updated_nodes). */
export interface NodeReport {
  /** host:port of the NodeManager's RPC address, e.g. "127.0.0.1:8041". */
  id: string;
  nodeHostName: string;
  /** host:port of the NodeManager web server; '' when not reported. */
  nodeHttpAddress: string;
  /** '' when not reported. */
  rack: string;
  /** A NodeState, or the server's word for a state this code does not know. */
  state: NodeState | string;
  healthReport: string;
  /** ms since the epoch; 0 when not reported (RPC). */
  lastHealthUpdate: number;
  /** Hadoop version of the NodeManager; '' when not reported (RPC). */
  version: string;
  numContainers: number;
  usedMemoryMb: number;
  availMemoryMb: number;
  usedVcores: number;
  availableVcores: number;
  /** Why the node is in allocate's updated_nodes (RPC only). */
  updateType?: 'usable' | 'unusable' | 'decommissioning';
}

/** One application as the RM reports it. */
export interface AppReport {
  id: string;
  user: string;
  name: string;
  queue: string;
  state: YarnAppState;
  finalStatus: FinalAppStatus;
  /** 0..100, as the AM last reported it. */
  progress: number;
  trackingUi?: string;
  trackingUrl?: string;
  /** '' when there are none. */
  diagnostics: string;
  clusterId?: number;
  applicationType: string;
  /** RPC: not carried (empty). */
  tags: string[];
  priority?: number;
  startedTime: number;
  launchTime?: number;
  /** 0 while the application runs. */
  finishedTime: number;
  /** RPC: computed from the start and finish times (0 while it runs). */
  elapsedTime: number;
  amContainerLogs?: string;
  amHostHttpAddress?: string;
  /** host:port of the AM's RPC server, when it has one. */
  amRpcAddress?: string;
  /** What the application holds now; 0 once finished. RPC: not carried (0). */
  allocatedMb: number;
  allocatedVcores: number;
  runningContainers: number;
  /** RPC: not carried (0). */
  memorySeconds: number;
  vcoreSeconds: number;
  /** RPC: not carried (false). */
  unmanagedApplication: boolean;
  logAggregationStatus?: string;
  /** The current attempt, e.g. "appattempt_1700000000000_0001_000001" (RPC only). */
  currentAttemptId?: string;
  /** Only for unmanaged AMs, and only to the submitting user (RPC only). */
  amRmToken?: Token;
}
