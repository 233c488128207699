/**
 * Spindle's own view of what the ResourceManager REST API returns and accepts. The REST JSON names
 * (`allocatedMB`, `application-id`, `vCores`, ...) never leave this folder: `parse.ts` turns responses
 * into these types and `submission.ts` turns an `AppSubmission` into the request body.
 */

/** YARN application states, in lifecycle order. */
export type YarnAppState =
  | 'NEW'
  | 'NEW_SAVING'
  | 'SUBMITTED'
  | 'ACCEPTED'
  | 'RUNNING'
  | 'FINISHED'
  | 'FAILED'
  | 'KILLED';

/**
 * What `GET/PUT …/apps/{id}/state` may answer: the RM's internal state machine shows through there
 * (a kill in progress answers `{"state":"KILLING"}` on Hadoop 3.5.0), unlike the app report's `state`.
 */
export type RmAppState = YarnAppState | 'FINAL_SAVING' | 'FINISHING' | 'KILLING';

/** States from which an application never moves again. */
export const FINAL_APP_STATES: readonly YarnAppState[] = ['FINISHED', 'FAILED', 'KILLED'];

/** The outcome the ApplicationMaster (or the RM, for kills) reported. */
export type FinalAppStatus = 'UNDEFINED' | 'SUCCEEDED' | 'FAILED' | 'KILLED' | 'ENDED';

export type NodeState =
  | 'NEW'
  | 'RUNNING'
  | 'UNHEALTHY'
  | 'DECOMMISSIONING'
  | 'DECOMMISSIONED'
  | 'LOST'
  | 'REBOOTED'
  | 'SHUTDOWN';

/** An amount of cluster resources. */
export interface Resource {
  memoryMb: number;
  vcores: number;
}

/** `GET /ws/v1/cluster/info`. */
export interface ClusterInfo {
  id: number;
  startedOn: number;
  /** Service state: NOTINITED, INITED, STARTED, STOPPED. */
  state: string;
  /** ACTIVE, STANDBY, INITIALIZING or STOPPED. */
  haState: string;
  resourceManagerVersion: string;
  hadoopVersion: string;
  haZooKeeperConnectionState?: string;
}

/** `GET /ws/v1/cluster/metrics`. */
export interface ClusterMetrics {
  appsSubmitted: number;
  appsCompleted: number;
  appsPending: number;
  appsRunning: number;
  appsFailed: number;
  appsKilled: number;
  reservedMb: number;
  availableMb: number;
  allocatedMb: number;
  totalMb: number;
  reservedVcores: number;
  availableVcores: number;
  allocatedVcores: number;
  totalVcores: number;
  containersAllocated: number;
  containersReserved: number;
  containersPending: number;
  totalNodes: number;
  activeNodes: number;
  lostNodes: number;
  unhealthyNodes: number;
  decommissioningNodes: number;
  decommissionedNodes: number;
  rebootedNodes: number;
  shutdownNodes: number;
}

/** One NodeManager as the RM sees it (`GET /ws/v1/cluster/nodes`). */
export interface NodeReport {
  /** host:port of the NodeManager's RPC address, e.g. "127.0.0.1:8041". */
  id: string;
  rack: string;
  state: NodeState | string;
  nodeHostName: string;
  /** host:port of the NodeManager web server. */
  nodeHttpAddress: string;
  lastHealthUpdate: number;
  version: string;
  healthReport: string;
  numContainers: number;
  usedMemoryMb: number;
  availMemoryMb: number;
  usedVcores: number;
  availableVcores: number;
}

/** Answer of `POST /ws/v1/cluster/apps/new-application`. */
export interface NewApplication {
  applicationId: string;
  /** The largest container the scheduler will grant. */
  maximumResourceCapability: Resource;
}

export type LocalResourceType = 'FILE' | 'ARCHIVE' | 'PATTERN';
export type LocalResourceVisibility = 'PUBLIC' | 'PRIVATE' | 'APPLICATION';

/** A file the NodeManager downloads into the container's working directory before launch. */
export interface LocalResource {
  /** Full URL of the source, e.g. "hdfs://127.0.0.1:8020/user/alice/.spindle/app_1/am.js". */
  url: string;
  type: LocalResourceType;
  visibility: LocalResourceVisibility;
  /** Size in bytes, as the filesystem reports it. */
  size: number;
  /** Modification time in ms; must equal the source file's mtime exactly or localization fails. */
  timestamp: number;
}

/** Which container logs the NodeManager aggregates, and how. */
export interface LogAggregationContext {
  includePattern?: string;
  excludePattern?: string;
  rolledIncludePattern?: string;
  rolledExcludePattern?: string;
  policyClassName?: string;
  policyParameters?: string;
}

/** Credentials handed to the AM container (they end up in its HADOOP_TOKEN_FILE_LOCATION file). */
export interface AppCredentials {
  /** alias → token in Hadoop's URL-safe string encoding (`Token.encodeToUrlString`). */
  tokens?: Record<string, string>;
  /** alias → secret bytes (sent base64-encoded). */
  secrets?: Record<string, Uint8Array>;
}

/** What the AM container runs. */
export interface AmContainerSpec {
  /** Link name in the working directory → resource. */
  localResources?: Record<string, LocalResource>;
  environment?: Record<string, string>;
  /**
   * Shell command words; YARN joins a container's commands with spaces into one line of its launch
   * script, so they are sent as one string.
   */
  commands: string[];
  credentials?: AppCredentials;
}

/** Everything needed to submit an application; converted to REST JSON in `toSubmissionJson`. */
export interface AppSubmission {
  /** From `newApplication()`. */
  applicationId: string;
  name: string;
  /** Scheduler queue; the RM's placement rules decide when omitted (usually "default"). */
  queue?: string;
  priority?: number;
  amContainerSpec: AmContainerSpec;
  /** Resources of the AM container. */
  resource: Resource;
  /** Free-form type shown in listings and usable as a filter, e.g. "SPINDLE". */
  applicationType?: string;
  /** Attempts before the RM gives up; the RM's `yarn.resourcemanager.am.max-attempts` when omitted. */
  maxAppAttempts?: number;
  keepContainers?: boolean;
  /** Tags for filtering; YARN stores them lower-cased. */
  tags?: string[];
  /** The AM runs outside YARN (the RM launches no AM container). */
  unmanagedAm?: boolean;
  /** Failures older than this do not count towards maxAppAttempts; -1 (all count) when omitted. */
  attemptFailuresValidityIntervalMs?: number;
  logAggregationContext?: LogAggregationContext;
  /** Node label expression for all of the application's containers. */
  nodeLabel?: string;
  /** Node label expression for the AM container only. */
  amNodeLabel?: string;
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
  diagnostics: string;
  clusterId?: number;
  applicationType: string;
  tags: string[];
  priority?: number;
  startedTime: number;
  launchTime?: number;
  /** 0 while the application runs. */
  finishedTime: number;
  elapsedTime: number;
  amContainerLogs?: string;
  amHostHttpAddress?: string;
  amRpcAddress?: string;
  allocatedMb: number;
  allocatedVcores: number;
  runningContainers: number;
  memorySeconds: number;
  vcoreSeconds: number;
  unmanagedApplication: boolean;
  logAggregationStatus?: string;
}

/** One attempt to run an application's AM (`GET /ws/v1/cluster/apps/{id}/appattempts`). */
export interface AppAttempt {
  /** Attempt number, from 1. */
  id: number;
  /** Full attempt id, e.g. "appattempt_1700000000000_0001_000001", when the RM sends it. */
  attemptId?: string;
  startTime: number;
  finishedTime: number;
  containerId?: string;
  nodeHttpAddress?: string;
  nodeId?: string;
  logsLink?: string;
  state?: string;
  diagnostics?: string;
}

/**
 * One container of an application attempt (`GET …/appattempts/{attemptId}/containers`). The RM lists
 * only containers it still tracks: the running ones. Finished containers vanish from this list (and
 * the whole list is empty once the application has ended), so exit statuses come from elsewhere.
 */
export interface ContainerReport {
  id: string;
  /** host:port of the NodeManager's RPC address, e.g. "localhost:45451". */
  nodeId: string;
  /** Base URL of the NodeManager web server, e.g. "http://localhost:8042". */
  nodeHttpAddress: string;
  /** RUNNING, COMPLETE, ... as the RM reports it. */
  state: string;
  /** 0 while running. */
  exitStatus: number;
  diagnostics?: string;
  allocatedMb: number;
  allocatedVcores: number;
  priority: number;
  startedTime: number;
  /** 0 while running. */
  finishedTime: number;
  /** The NodeManager UI page with the container's logs. */
  logUrl?: string;
}

/** Filters for `list()`; omitted fields do not filter. */
export interface ListAppsQuery {
  states?: YarnAppState[];
  user?: string;
  queue?: string;
  limit?: number;
  applicationTypes?: string[];
  /** Matches applications carrying any of these tags. */
  tags?: string[];
}

/** Filters for `nodes()`. */
export interface ListNodesQuery {
  states?: (NodeState | string)[];
}

/** Options of `kill()`. */
export interface KillOptions {
  /** How long to wait for the application to reach a final state. Default `DEFAULT_KILL_TIMEOUT_MS`. */
  timeoutMs?: number;
}
