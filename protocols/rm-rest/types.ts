/**
 * Spindle's own view of what the ResourceManager REST API returns and accepts. The REST JSON names
 * (`allocatedMB`, `application-id`, `vCores`, ...) never leave this folder: `parse.ts` turns responses
 * into these types and `submission.ts` turns an `AppSubmission` into the request body. YARN's records
 * (application and node reports, resources, local resources) are protocols/yarn-model's, shared with
 * the RPC protocols.
 */
import type { LocalResource, NodeState, Resource, YarnAppState } from '../yarn-model/index.js';

export type {
  AppReport,
  FinalAppStatus,
  LocalResource,
  LocalResourceType,
  LocalResourceVisibility,
  NodeReport,
  NodeState,
  Resource,
  YarnAppState,
} from '../yarn-model/index.js';
export { FINAL_APP_STATES } from '../yarn-model/index.js';

/**
 * What `GET/PUT …/apps/{id}/state` may answer: the RM's internal state machine shows through there
 * (a kill in progress answers `{"state":"KILLING"}` on Hadoop 3.5.0), unlike the app report's `state`.
 */
export type RmAppState = YarnAppState | 'FINAL_SAVING' | 'FINISHING' | 'KILLING';

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

/** Answer of `POST /ws/v1/cluster/apps/new-application`. */
export interface NewApplication {
  applicationId: string;
  /** The largest container the scheduler will grant. */
  maximumResourceCapability: Resource;
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
