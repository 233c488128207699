import { createToken } from '../credentials/index.js';
import { ConfigError, ProtocolError } from '../errors/index.js';
import { ContainerExitStatus } from '../yarn-model/index.js';
import { containerIdFromNumber, containerNumber, formatAppAttemptId, formatApplicationId } from './ids.js';
import type * as P from './proto-types.js';
import type {
  AppAttemptId,
  ApplicationId,
  AppReport,
  ContainerFailure,
  ContainerGrant,
  ContainerId,
  ContainerState,
  ContainerStatus,
  ExecutionType,
  FinalAppStatus,
  FinalStatus,
  LaunchContext,
  LocalResource,
  LocalResourceType,
  LocalResourceVisibility,
  NmToken,
  NodeId,
  NodeReport,
  NodeState,
  Preemption,
  Resource,
  ResourceAsk,
  Token,
  YarnAppState,
} from './types.js';

/**
 * The one place where wire messages (proto-types.ts) become Spindle's types (types.ts) and back.
 * Reading: proto2 defaults are applied here (absent relax_locality = true, absent
 * allocation_request_id = -1, absent exit_status = -1000, absent diagnostics = "N/A"), int64
 * strings become safe numbers, and fields we cannot do without raise ProtocolError.
 * Writing: fields are set exactly as Java's PBImpl records set them (verified byte for byte
 * against hadoop-yarn-api 3.5.0), so the servers see what they see from Java clients.
 */

/** ResourceRequestProto / ContainerProto default for an untagged request. */
export const NO_ALLOCATION_REQUEST_ID = -1;
/** ContainerStatusProto / ApplicationReportProto diagnostics default. */
export const DIAGNOSTICS_DEFAULT = 'N/A';
/** Port Hadoop's URL.fromURI writes when the URI has none. */
const URL_NO_PORT = -1;

// Enum tables: our words in wire order. Index = wire number.
const EXECUTION_TYPES: Record<number, ExecutionType> = { 1: 'guaranteed', 2: 'opportunistic' };
const CONTAINER_STATES: Record<number, ContainerState> = { 1: 'new', 2: 'running', 3: 'complete' };
// NodeStateProto: NS_NEW = 1 … NS_SHUTDOWN = 8 (decommissioning came later, after lost and rebooted).
const NODE_STATES: (NodeState | undefined)[] = [
  undefined,
  'NEW',
  'RUNNING',
  'UNHEALTHY',
  'DECOMMISSIONED',
  'LOST',
  'REBOOTED',
  'DECOMMISSIONING',
  'SHUTDOWN',
];
const NODE_UPDATE_TYPES = ['usable', 'unusable', 'decommissioning'] as const;
const RESOURCE_TYPES: LocalResourceType[] = ['archive', 'file', 'pattern']; // wire 1..3
const VISIBILITIES: LocalResourceVisibility[] = ['public', 'private', 'application']; // wire 1..3
const FINAL_STATUSES = ['undefined', 'succeeded', 'failed', 'killed'] as const; // wire 0..3, what an AM may send
const REPORTED_FINAL_STATUSES: FinalAppStatus[] = ['UNDEFINED', 'SUCCEEDED', 'FAILED', 'KILLED', 'ENDED']; // wire 0..4
const APP_STATES: (YarnAppState | undefined)[] = [
  undefined,
  'NEW',
  'NEW_SAVING',
  'SUBMITTED',
  'ACCEPTED',
  'RUNNING',
  'FINISHED',
  'FAILED',
  'KILLED',
];
const ACL_VIEW = 1;
const ACL_MODIFY = 2;

function missing(what: string): never {
  throw new ProtocolError(`YARN message lacks ${what}`);
}

function toNumber(value: P.Int64 | undefined, what: string, fallback?: number): number {
  if (value === undefined) return fallback ?? missing(what);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ProtocolError(`YARN message has ${what} ${value}, beyond a safe integer`);
  return n;
}

function requireInt(value: number, what: string, min = 0): number {
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${what} must be an integer >= ${min}, got ${value}`);
  return value;
}

function copy(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes); // never alias the (possibly pooled) response buffer
}

// ---- ids ----

export function applicationIdToProto(id: ApplicationId): P.PApplicationId {
  return { id: id.id, cluster_timestamp: id.clusterTimestamp };
}

export function applicationIdFromProto(p: P.PApplicationId | undefined): ApplicationId {
  if (!p) missing('an application id');
  return { clusterTimestamp: toNumber(p.cluster_timestamp, 'cluster_timestamp'), id: p.id ?? missing('application id number') };
}

export function attemptIdToProto(id: AppAttemptId): P.PAppAttemptId {
  return { application_id: applicationIdToProto(id.appId), attemptId: id.attemptId };
}

export function attemptIdFromProto(p: P.PAppAttemptId | undefined): AppAttemptId {
  if (!p) missing('an application attempt id');
  return { appId: applicationIdFromProto(p.application_id), attemptId: p.attemptId ?? missing('attempt number') };
}

/** Java writes app_attempt_id and the 64-bit number only (app_id is legacy). */
export function containerIdToProto(id: ContainerId): P.PContainerId {
  return { app_attempt_id: attemptIdToProto(id.appAttemptId), id: containerNumber(id).toString() };
}

export function containerIdFromProto(p: P.PContainerId | undefined): ContainerId {
  if (!p) missing('a container id');
  const attempt = attemptIdFromProto(p.app_attempt_id);
  if (p.id === undefined) missing('container number');
  return containerIdFromNumber(attempt, p.id);
}

export function nodeIdToProto(id: NodeId): P.PNodeId {
  return { host: id.host, port: id.port };
}

export function nodeIdFromProto(p: P.PNodeId | undefined): NodeId {
  if (!p) missing('a node id');
  return { host: p.host ?? missing('node host'), port: p.port ?? missing('node port') };
}

// ---- resources, tokens ----

/** Only memory and vcores: the RM reads these two fields before any resource-type entries. */
export function resourceToProto(r: Resource): P.PResource {
  return { memory: requireInt(r.memoryMb, 'resource memoryMb'), virtual_cores: requireInt(r.vcores, 'resource vcores') };
}

/** 3.x servers send memory/virtual_cores and also "memory-mb"/"vcores" entries; prefer the fields. */
export function resourceFromProto(p: P.PResource | undefined): Resource {
  if (!p) missing('a resource');
  const entry = (key: string) => p.resource_value_map?.find((e) => e.key === key)?.value;
  return {
    memoryMb: toNumber(p.memory ?? entry('memory-mb'), 'memory', 0),
    vcores: toNumber(p.virtual_cores ?? entry('vcores'), 'vcores', 0),
  };
}

/** TokenProto fields are all required; Java sends the AMRMToken's empty service as "". */
export function tokenToProto(t: Token): P.PToken {
  return { identifier: t.identifier, password: t.password, kind: t.kind, service: t.service };
}

export function tokenFromProto(p: P.PToken | undefined): Token {
  if (!p) missing('a token');
  // createToken keeps the password non-enumerable.
  return createToken({ identifier: copy(p.identifier), password: copy(p.password), kind: p.kind, service: p.service });
}

function executionType(n: number | undefined): ExecutionType {
  return EXECUTION_TYPES[n ?? 1] ?? 'guaranteed';
}

// ---- asks, grants, statuses ----

/**
 * Java always sends relax_locality and execution_type_request; it omits allocation_request_id
 * when it is the default -1.
 */
export function askToProto(a: ResourceAsk): P.PResourceRequest {
  return {
    priority: { priority: requireInt(a.priority, 'ask priority') },
    resource_name: a.resourceName,
    capability: resourceToProto(a.resource),
    num_containers: requireInt(a.count, 'ask count'),
    relax_locality: a.relaxLocality,
    node_label_expression: a.nodeLabel,
    execution_type_request: {
      execution_type: a.executionType === 'opportunistic' ? 2 : 1,
      enforce_execution_type: a.enforceExecutionType ?? false,
    },
    allocation_request_id:
      a.allocationRequestId === NO_ALLOCATION_REQUEST_ID ? undefined : requireInt(a.allocationRequestId, 'ask allocationRequestId'),
  };
}

export function askFromProto(p: P.PResourceRequest): ResourceAsk {
  const ask: ResourceAsk = {
    allocationRequestId: toNumber(p.allocation_request_id, 'allocation_request_id', NO_ALLOCATION_REQUEST_ID),
    priority: p.priority?.priority ?? 0,
    resource: resourceFromProto(p.capability),
    count: p.num_containers ?? 0,
    resourceName: p.resource_name ?? missing('resource_name'),
    relaxLocality: p.relax_locality ?? true,
  };
  if (p.node_label_expression !== undefined) ask.nodeLabel = p.node_label_expression;
  if (p.execution_type_request) {
    ask.executionType = executionType(p.execution_type_request.execution_type);
    ask.enforceExecutionType = p.execution_type_request.enforce_execution_type ?? false;
  }
  return ask;
}

export function grantFromProto(p: P.PContainer): ContainerGrant {
  return {
    id: containerIdFromProto(p.id),
    nodeId: nodeIdFromProto(p.nodeId),
    nodeHttpAddress: p.node_http_address ?? '',
    resource: resourceFromProto(p.resource),
    priority: p.priority?.priority ?? 0,
    allocationRequestId: toNumber(p.allocation_request_id, 'allocation_request_id', NO_ALLOCATION_REQUEST_ID),
    executionType: executionType(p.execution_type),
    containerToken: tokenFromProto(p.container_token),
  };
}

export function statusFromProto(p: P.PContainerStatus): ContainerStatus {
  const status: ContainerStatus = {
    containerId: containerIdFromProto(p.container_id),
    state: CONTAINER_STATES[p.state ?? 0] ?? 'unknown',
    exitStatus: p.exit_status ?? ContainerExitStatus.INVALID,
    diagnostics: p.diagnostics ?? DIAGNOSTICS_DEFAULT,
    executionType: executionType(p.executionType),
  };
  if (p.capability) status.capability = resourceFromProto(p.capability);
  return status;
}

export function nmTokenFromProto(p: P.PNmToken): NmToken {
  return { nodeId: nodeIdFromProto(p.nodeId), token: tokenFromProto(p.token) };
}

/** NodeReportProto → the shared NodeReport: available = capability - used, as the REST API reports it. */
export function nodeReportFromProto(p: P.PNodeReport): NodeReport {
  const node = nodeIdFromProto(p.nodeId);
  const used = p.used ? resourceFromProto(p.used) : { memoryMb: 0, vcores: 0 };
  const capability = p.capability ? resourceFromProto(p.capability) : used;
  const report: NodeReport = {
    id: `${node.host}:${node.port}`,
    nodeHostName: node.host,
    nodeHttpAddress: p.httpAddress ?? '',
    rack: p.rackName ?? '',
    state: NODE_STATES[p.node_state ?? 0] ?? `UNKNOWN(${p.node_state})`,
    healthReport: p.health_report ?? '',
    lastHealthUpdate: 0,
    version: '',
    numContainers: p.numContainers ?? 0,
    usedMemoryMb: used.memoryMb,
    availMemoryMb: Math.max(0, capability.memoryMb - used.memoryMb),
    usedVcores: used.vcores,
    availableVcores: Math.max(0, capability.vcores - used.vcores),
  };
  const update = p.node_update_type === undefined ? undefined : NODE_UPDATE_TYPES[p.node_update_type];
  if (update) report.updateType = update;
  return report;
}

export function preemptionFromProto(p: P.PPreemptionMessage): Preemption {
  const ids = (list: P.PPreemptionContainer[] | undefined) => (list ?? []).map((c) => containerIdFromProto(c.id));
  return { strict: ids(p.strictContract?.container), negotiable: ids(p.contract?.container) };
}

export function failureFromProto(p: P.PContainerExceptionMap): ContainerFailure {
  const failure: ContainerFailure = {
    containerId: containerIdFromProto(p.container_id),
    message: p.exception?.message ?? 'no message',
  };
  if (p.exception?.class_name) failure.exceptionClassName = p.exception.class_name;
  return failure;
}

// ---- launch context ----

/**
 * A resource URI string to URLProto as Hadoop's URL.fromURI fills it: scheme, host (if any),
 * port (-1 if none), file = the decoded path, userInfo (if any). Query and fragment have no
 * place in URLProto and are rejected.
 */
export function urlToProto(text: string, what: string): P.PUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ConfigError(`${what}: '${text}' is not an absolute URL (expected e.g. hdfs://namenode:8020/path)`);
  }
  if (u.search || u.hash) throw new ConfigError(`${what}: '${text}' must not have a query or fragment`);
  let file: string;
  let userInfo: string | undefined;
  try {
    file = decodeURIComponent(u.pathname);
    if (u.username) userInfo = decodeURIComponent(u.username) + (u.password ? `:${decodeURIComponent(u.password)}` : '');
  } catch {
    throw new ConfigError(`${what}: '${text}' has a malformed %-escape`);
  }
  const p: P.PUrl = { scheme: u.protocol.slice(0, -1), port: u.port === '' ? URL_NO_PORT : Number(u.port), file };
  if (u.hostname) p.host = u.hostname;
  if (userInfo !== undefined) p.userInfo = userInfo;
  return p;
}

/** A path as the path of a URI: percent-encoded, `?` and `#` included, so that it decodes back to itself. */
export function encodeUrlPath(path: string): string {
  return encodeURI(path).replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23'));
}

/** URLProto back to a percent-encoded URI string (inverse of urlToProto). */
export function urlFromProto(p: P.PUrl): string {
  const path = encodeUrlPath(p.file ?? '');
  if (!p.scheme) return path;
  const user = p.userInfo ? `${encodeURIComponent(p.userInfo).replace(/%3A/g, ':')}@` : '';
  const port = p.port !== undefined && p.port !== URL_NO_PORT ? `:${p.port}` : '';
  return `${p.scheme}://${user}${p.host ?? ''}${port}${path}`;
}

export function localResourceToProto(r: LocalResource, what: string): P.PLocalResource {
  const p: P.PLocalResource = {
    resource: urlToProto(r.url, what),
    size: requireInt(r.size, `${what} size`),
    timestamp: requireInt(r.timestamp, `${what} timestamp`),
    type: RESOURCE_TYPES.indexOf(r.type) + 1 || badEnum(what, 'type', r.type),
    visibility: VISIBILITIES.indexOf(r.visibility) + 1 || badEnum(what, 'visibility', r.visibility),
  };
  if (r.pattern !== undefined) p.pattern = r.pattern;
  return p;
}

function badEnum(what: string, field: string, value: unknown): never {
  throw new ConfigError(`${what} ${field} must be one of the YARN values, got '${String(value)}'`);
}

export function localResourceFromProto(p: P.PLocalResource): LocalResource {
  const r: LocalResource = {
    url: urlFromProto(p.resource ?? missing('local resource URL')),
    size: toNumber(p.size, 'local resource size', 0),
    timestamp: toNumber(p.timestamp, 'local resource timestamp', 0),
    type: RESOURCE_TYPES[(p.type ?? 0) - 1] ?? missing('local resource type'),
    visibility: VISIBILITIES[(p.visibility ?? 0) - 1] ?? missing('local resource visibility'),
  };
  if (p.pattern !== undefined) r.pattern = p.pattern;
  return r;
}

export function launchContextToProto(c: LaunchContext): P.PLaunchContext {
  const acls: { accessType: number; acl: string }[] = [];
  if (c.acls?.view !== undefined) acls.push({ accessType: ACL_VIEW, acl: c.acls.view });
  if (c.acls?.modify !== undefined) acls.push({ accessType: ACL_MODIFY, acl: c.acls.modify });
  return {
    localResources: Object.entries(c.localResources).map(([key, value]) => ({
      key,
      value: localResourceToProto(value, `local resource '${key}'`),
    })),
    tokens: c.tokens,
    service_data: Object.entries(c.serviceData ?? {}).map(([key, value]) => ({ key, value })),
    environment: Object.entries(c.environment).map(([key, value]) => ({ key, value })),
    command: c.commands,
    application_ACLs: acls,
  };
}

export function launchContextFromProto(p: P.PLaunchContext): LaunchContext {
  const c: LaunchContext = {
    localResources: Object.fromEntries(
      (p.localResources ?? []).map((e) => [e.key ?? '', localResourceFromProto(e.value ?? missing('local resource'))]),
    ),
    environment: Object.fromEntries((p.environment ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
    commands: p.command ?? [],
  };
  if (p.tokens) c.tokens = copy(p.tokens);
  if (p.service_data?.length) {
    c.serviceData = Object.fromEntries(p.service_data.map((e) => [e.key ?? '', copy(e.value ?? new Uint8Array())]));
  }
  for (const acl of p.application_ACLs ?? []) {
    c.acls ??= {};
    if (acl.accessType === ACL_VIEW) c.acls.view = acl.acl ?? ' ';
    if (acl.accessType === ACL_MODIFY) c.acls.modify = acl.acl ?? ' ';
  }
  return c;
}

// ---- application status ----

export function finalStatusToProto(s: FinalStatus): number {
  const n = (FINAL_STATUSES as readonly string[]).indexOf(s);
  if (n < 0) throw new ConfigError(`final status must be succeeded, failed, killed or undefined, got '${s}'`);
  return n;
}

/**
 * ApplicationReportProto → the shared AppReport. Our .proto subset carries no resource usage, tags or
 * web addresses: those fields stay 0/empty (see AppReport). Diagnostics "N/A" (the proto default)
 * becomes '' as the REST API reports it; an AM RPC port below 1 means "no RPC server".
 */
export function appReportFromProto(p: P.PApplicationReport): AppReport {
  // The RM always sends the state; the decoder drops enum numbers it does not know, and a report
  // whose state we cannot tell is no report.
  const state = APP_STATES[p.yarn_application_state ?? 0] ?? missing('a known application state');
  const startedTime = toNumber(p.startTime, 'startTime', 0);
  const finishedTime = toNumber(p.finishTime, 'finishTime', 0);
  const diagnostics = p.diagnostics ?? DIAGNOSTICS_DEFAULT;
  const r: AppReport = {
    id: formatApplicationId(applicationIdFromProto(p.applicationId)),
    user: p.user ?? '',
    name: p.name ?? '',
    queue: p.queue ?? '',
    state,
    finalStatus: REPORTED_FINAL_STATUSES[p.final_application_status ?? 0] ?? 'UNDEFINED',
    progress: Math.round((p.progress ?? 0) * 100 * 1000) / 1000,
    diagnostics: diagnostics === DIAGNOSTICS_DEFAULT ? '' : diagnostics,
    applicationType: p.applicationType ?? '',
    tags: [],
    startedTime,
    finishedTime,
    elapsedTime: finishedTime > 0 && startedTime > 0 ? finishedTime - startedTime : 0,
    allocatedMb: 0,
    allocatedVcores: 0,
    runningContainers: 0,
    memorySeconds: 0,
    vcoreSeconds: 0,
    unmanagedApplication: false,
  };
  if (p.trackingUrl) r.trackingUrl = p.trackingUrl;
  if (p.host && p.host !== 'N/A' && p.rpc_port !== undefined && p.rpc_port > 0) r.amRpcAddress = `${p.host}:${p.rpc_port}`;
  if (p.currentApplicationAttemptId) r.currentAttemptId = formatAppAttemptId(attemptIdFromProto(p.currentApplicationAttemptId));
  if (p.am_rm_token) r.amRmToken = tokenFromProto(p.am_rm_token);
  return r;
}
