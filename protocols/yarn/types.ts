/**
 * Spindle's own view of YARN's RPC records: camelCase, plain data, no protobuf classes. convert.ts is
 * the only place that maps them to and from wire messages. Records the REST API also carries
 * (reports, resources, local resources) are declared once in protocols/yarn-model. Optional fields
 * are optional because the server may omit them; fields with a protocol default are always filled in.
 */
import type { Token } from '../credentials/index.js';
import type { LocalResource, NodeReport, Resource } from '../yarn-model/index.js';

/** Tokens (container tokens, NMTokens, the AMRMToken) are protocols/credentials' Token. */
export type { Token };
/** YARN's records shared with the REST API (protocols/yarn-model). */
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

/** `application_<clusterTimestamp>_<id>`. */
export interface ApplicationId {
  /** RM start time in ms since the epoch. */
  clusterTimestamp: number;
  /** Sequence number of the application within that RM run. */
  id: number;
}

/** `appattempt_<clusterTimestamp>_<app>_<attempt>`. */
export interface AppAttemptId {
  appId: ApplicationId;
  attemptId: number;
}

/**
 * `container_[e<epoch>_]<clusterTimestamp>_<app>_<attempt>_<sequence>`. On the wire the container
 * number is one int64: `(epoch << 40) | sequence`; the RM epoch grows with every RM restart.
 */
export interface ContainerId {
  appAttemptId: AppAttemptId;
  epoch: number;
  sequence: number;
  /** Canonical string form, as Hadoop prints it; use it as a map key. */
  text: string;
}

/** A NodeManager's RPC address, as the RM names nodes. */
export interface NodeId {
  host: string;
  port: number;
}

export type ExecutionType = 'guaranteed' | 'opportunistic';

/**
 * One resource request row. Asks are absolute state, not deltas: a later ask with the same
 * (priority, resourceName, resource, allocationRequestId) replaces the earlier count; 0 cancels.
 */
export interface ResourceAsk {
  /** Tag echoed in the grants it produces; -1 means untagged (the protocol default). */
  allocationRequestId: number;
  priority: number;
  resource: Resource;
  /** Number of containers wanted at this location. */
  count: number;
  /** `'*'` (anywhere), a host name or a rack name. */
  resourceName: string;
  /** Whether the scheduler may fall back to the rack / anywhere. */
  relaxLocality: boolean;
  nodeLabel?: string;
  /** Defaults to 'guaranteed'. */
  executionType?: ExecutionType;
  /** Only with executionType: refuse a container of another type. Defaults to false. */
  enforceExecutionType?: boolean;
}

/** A container the RM handed to the AM. */
export interface ContainerGrant {
  id: ContainerId;
  nodeId: NodeId;
  nodeHttpAddress: string;
  resource: Resource;
  priority: number;
  /** The ask's tag, or -1 if the ask had none. */
  allocationRequestId: number;
  executionType: ExecutionType;
  /** Pass unchanged to the NodeManager's startContainers. */
  containerToken: Token;
}

/** `'unknown'` stands for a state number this code does not know. */
export type ContainerState = 'new' | 'running' | 'complete' | 'unknown';

export interface ContainerStatus {
  containerId: ContainerId;
  state: ContainerState;
  /** Process exit code or one of YARN's negative codes (ContainerExitStatus); INVALID if not set. */
  exitStatus: number;
  /** "N/A" when the server sent none. */
  diagnostics: string;
  capability?: Resource;
  executionType: ExecutionType;
}

/** A finished container as reported by allocate. */
export type ContainerCompletion = ContainerStatus;

/** The token the AM presents to one NodeManager. */
export interface NmToken {
  nodeId: NodeId;
  token: Token;
}

/** Containers the RM is about to take back. */
export interface Preemption {
  /** Will be killed whatever the AM does. */
  strict: ContainerId[];
  /** The AM may give back other containers of the same size instead. */
  negotiable: ContainerId[];
}

/** What a container runs and with what. */
export interface LaunchContext {
  /** Link name in the working directory -> resource. */
  localResources: Record<string, LocalResource>;
  environment: Record<string, string>;
  /** Joined with spaces by the NodeManager and run with `bash -c`. */
  commands: string[];
  /** Credentials in Hadoop's token-storage format ("HDTS"); never include the AMRMToken. */
  tokens?: Buffer;
  /** Per auxiliary service, opaque bytes. */
  serviceData?: Record<string, Buffer>;
  /** Who may view / modify the application's containers (Hadoop ACL strings). */
  acls?: { view?: string; modify?: string };
}

export type FinalStatus = 'succeeded' | 'failed' | 'killed' | 'undefined';

export type AmCommand = 'resync' | 'shutdown';

/** A NodeManager refused one container of a batch. */
export interface ContainerFailure {
  containerId: ContainerId;
  message: string;
  exceptionClassName?: string;
}

// ---- request and result shapes of the typed clients ----

/** registerApplicationMaster arguments; Java sends all three, even empty. */
export interface RegisterRequest {
  /** Host the AM serves its own RPC/HTTP on (shown in the RM UI). */
  host: string;
  /** 0 if the AM serves no RPC. */
  rpcPort: number;
  /** URL the RM proxy links to; '' for none. */
  trackingUrl: string;
}

export interface RegisterResult {
  /** Largest container the scheduler will grant. */
  maximumCapability: Resource;
  queue?: string;
  /** Containers kept from earlier attempts (keep-containers-across-attempts, RM restart). */
  containersFromPreviousAttempts: ContainerGrant[];
  nmTokensFromPreviousAttempts: NmToken[];
  /** Resources the scheduler accounts for; ['memory'] under the default calculator. */
  schedulerResourceTypes: ('memory' | 'cpu')[];
}

export interface AllocateRequest {
  /** 0 after (re-)registering, afterwards the responseId of the last answer. */
  responseId: number;
  /** 0..1; clamped. */
  progress: number;
  /** Full ask rows that changed since the last call (asks are absolute counts). */
  asks: ResourceAsk[];
  releases: ContainerId[];
  /** Node host names to avoid / to stop avoiding. */
  blacklistAdditions?: string[];
  blacklistRemovals?: string[];
  /** Replaces the tracking URL given at registration. */
  trackingUrl?: string;
}

export interface AllocateResult {
  responseId: number;
  allocated: ContainerGrant[];
  completed: ContainerCompletion[];
  /** New or replaced NMTokens; keep one per node, replacing older ones. */
  nmTokens: NmToken[];
  /** Present when the RM rolled its master key: use it for every new connection. */
  amRmToken?: Token;
  numClusterNodes: number;
  /** Headroom: what the application may still get. */
  available?: Resource;
  /** Deprecated by YARN; treat either value as a request to shut down. */
  amCommand?: AmCommand;
  updatedNodes: NodeReport[];
  preemption?: Preemption;
  /** Containers of earlier attempts the RM reports after it recovered them. */
  containersFromPreviousAttempts: ContainerGrant[];
}

export interface FinishRequest {
  finalStatus: FinalStatus;
  diagnostics: string;
  trackingUrl?: string;
}

export interface FinishResult {
  /** false until the RM has stored the final state; call finish again until true. */
  unregistered: boolean;
}

export interface StartContainerRequest {
  /** The grant's containerToken, unchanged. */
  containerToken: Token;
  launch: LaunchContext;
}

export interface StartContainersResult {
  started: ContainerId[];
  failed: ContainerFailure[];
}

export interface StopContainersResult {
  stopped: ContainerId[];
  failed: ContainerFailure[];
}

export interface ContainerStatusesResult {
  statuses: ContainerStatus[];
  failed: ContainerFailure[];
}
