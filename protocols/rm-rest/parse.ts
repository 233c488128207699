/**
 * Response bodies of the RM REST API → Spindle's types. Pure functions over parsed JSON; every
 * list accepts the empty/single-object variants described in `lenient.ts`.
 *
 *   GET  /ws/v1/cluster/info                 {"clusterInfo":{...}}
 *   GET  /ws/v1/cluster/metrics              {"clusterMetrics":{...}}
 *   GET  /ws/v1/cluster/nodes                {"nodes":{"node":[...]}}
 *   GET  /ws/v1/cluster/apps                 {"apps":{"app":[...]}}
 *   GET  /ws/v1/cluster/apps/{id}            {"app":{...}}
 *   GET  /ws/v1/cluster/apps/{id}/appattempts {"appAttempts":{"appAttempt":[...]}}
 *   GET  /ws/v1/cluster/apps/{id}/state      {"state":"RUNNING"}
 *   GET  …/apps/{id}/appattempts/{att}/containers  {"container":[...]}  ({} when none)
 *   GET  …/apps/{id}/appattempts/{att}       XML only: <appAttempt>…<diagnosticsInfo>…</diagnosticsInfo>…
 *   POST /ws/v1/cluster/apps/new-application {"application-id":..., "maximum-resource-capability":{...}}
 */
import { ProtocolError } from '../errors/index.js';
import { asObject, bool, listOf, num, optNumber, optString, str, stringList, type JsonObject } from './lenient.js';
import type {
  AppAttempt,
  AppReport,
  ClusterInfo,
  ClusterMetrics,
  ContainerReport,
  FinalAppStatus,
  NewApplication,
  NodeReport,
  Resource,
  RmAppState,
  YarnAppState,
} from './types.js';

/** The object under `key`, or a ProtocolError naming what was expected. */
function required(body: unknown, key: string, what: string): JsonObject {
  const obj = asObject(asObject(body)?.[key]);
  if (!obj) throw new ProtocolError(`${what}: response has no "${key}" object`);
  return obj;
}

/** `{"clusterInfo":{…}}` → ClusterInfo. */
export function parseClusterInfo(body: unknown): ClusterInfo {
  const o = required(body, 'clusterInfo', 'cluster info');
  return {
    id: num(o, 'id'),
    startedOn: num(o, 'startedOn'),
    state: str(o, 'state'),
    haState: str(o, 'haState'),
    resourceManagerVersion: str(o, 'resourceManagerVersion'),
    hadoopVersion: str(o, 'hadoopVersion'),
    haZooKeeperConnectionState: optString(o, 'haZooKeeperConnectionState'),
  };
}

/** `{"clusterMetrics":{…}}` → ClusterMetrics (…MB / …VirtualCores renamed to …Mb / …Vcores). */
export function parseClusterMetrics(body: unknown): ClusterMetrics {
  const o = required(body, 'clusterMetrics', 'cluster metrics');
  return {
    appsSubmitted: num(o, 'appsSubmitted'),
    appsCompleted: num(o, 'appsCompleted'),
    appsPending: num(o, 'appsPending'),
    appsRunning: num(o, 'appsRunning'),
    appsFailed: num(o, 'appsFailed'),
    appsKilled: num(o, 'appsKilled'),
    reservedMb: num(o, 'reservedMB'),
    availableMb: num(o, 'availableMB'),
    allocatedMb: num(o, 'allocatedMB'),
    totalMb: num(o, 'totalMB'),
    reservedVcores: num(o, 'reservedVirtualCores'),
    availableVcores: num(o, 'availableVirtualCores'),
    allocatedVcores: num(o, 'allocatedVirtualCores'),
    totalVcores: num(o, 'totalVirtualCores'),
    containersAllocated: num(o, 'containersAllocated'),
    containersReserved: num(o, 'containersReserved'),
    containersPending: num(o, 'containersPending'),
    totalNodes: num(o, 'totalNodes'),
    activeNodes: num(o, 'activeNodes'),
    lostNodes: num(o, 'lostNodes'),
    unhealthyNodes: num(o, 'unhealthyNodes'),
    decommissioningNodes: num(o, 'decommissioningNodes'),
    decommissionedNodes: num(o, 'decommissionedNodes'),
    rebootedNodes: num(o, 'rebootedNodes'),
    shutdownNodes: num(o, 'shutdownNodes'),
  };
}

/** One element of the node list. */
export function parseNode(o: JsonObject): NodeReport {
  return {
    id: str(o, 'id'),
    rack: str(o, 'rack'),
    state: str(o, 'state'),
    nodeHostName: str(o, 'nodeHostName'),
    nodeHttpAddress: str(o, 'nodeHTTPAddress'),
    lastHealthUpdate: num(o, 'lastHealthUpdate'),
    version: str(o, 'version'),
    healthReport: str(o, 'healthReport'),
    numContainers: num(o, 'numContainers'),
    usedMemoryMb: num(o, 'usedMemoryMB'),
    availMemoryMb: num(o, 'availMemoryMB'),
    usedVcores: num(o, 'usedVirtualCores'),
    availableVcores: num(o, 'availableVirtualCores'),
  };
}

/** `{"nodes":{"node":[…]}}` in any of its empty/single forms → NodeReport[]. */
export function parseNodes(body: unknown): NodeReport[] {
  return listOf(asObject(body)?.nodes, 'node').map(parseNode);
}

/** The RM's `resource`-like objects: {"memory":8192,"vCores":4} (memory may also be "memorySize"). */
export function parseResource(o: JsonObject | undefined): Resource {
  return {
    memoryMb: optNumber(o, 'memory') ?? num(o, 'memorySize'),
    vcores: optNumber(o, 'vCores') ?? num(o, 'virtualCores'),
  };
}

/** The unwrapped new-application answer → NewApplication. */
export function parseNewApplication(body: unknown): NewApplication {
  const o = asObject(body);
  const applicationId = optString(o, 'application-id');
  if (!applicationId) throw new ProtocolError('new-application: response has no "application-id"');
  // The docs' field table says "maximum-resource-capabilities"; the server sends "-capability".
  const max = asObject(o?.['maximum-resource-capability']) ?? asObject(o?.['maximum-resource-capabilities']);
  return { applicationId, maximumResourceCapability: parseResource(max) };
}

/** One `app` object → AppReport. */
export function parseApp(o: JsonObject): AppReport {
  return {
    id: str(o, 'id'),
    user: str(o, 'user'),
    name: str(o, 'name'),
    queue: str(o, 'queue'),
    state: str(o, 'state') as YarnAppState,
    finalStatus: str(o, 'finalStatus', 'UNDEFINED') as FinalAppStatus,
    progress: num(o, 'progress'),
    trackingUi: nonEmpty(optString(o, 'trackingUI')),
    trackingUrl: nonEmpty(optString(o, 'trackingUrl')),
    diagnostics: str(o, 'diagnostics'),
    clusterId: optNumber(o, 'clusterId'),
    applicationType: str(o, 'applicationType'),
    // A comma-joined string in every version seen so far; lists accepted in case a provider changes.
    tags: stringList(o.applicationTags, 'tag'),
    priority: optNumber(o, 'priority'),
    startedTime: num(o, 'startedTime'),
    launchTime: optNumber(o, 'launchTime'),
    finishedTime: num(o, 'finishedTime'),
    elapsedTime: num(o, 'elapsedTime'),
    amContainerLogs: nonEmpty(optString(o, 'amContainerLogs')),
    amHostHttpAddress: nonEmpty(optString(o, 'amHostHttpAddress')),
    amRpcAddress: nonEmpty(optString(o, 'amRPCAddress')),
    // A finished application reports -1 for what it no longer holds; that is 0 for our callers.
    allocatedMb: held(o, 'allocatedMB'),
    allocatedVcores: held(o, 'allocatedVCores'),
    runningContainers: held(o, 'runningContainers'),
    memorySeconds: num(o, 'memorySeconds'),
    vcoreSeconds: num(o, 'vcoreSeconds'),
    unmanagedApplication: bool(o, 'unmanagedApplication'),
    logAggregationStatus: optString(o, 'logAggregationStatus'),
  };
}

/** `{"app":{...}}` → AppReport. */
export function parseAppResponse(body: unknown): AppReport {
  return parseApp(required(body, 'app', 'application report'));
}

/** `{"apps":{"app":[…]}}` in any of its empty/single forms → AppReport[]. */
export function parseApps(body: unknown): AppReport[] {
  return listOf(asObject(body)?.apps, 'app').map(parseApp);
}

/** One `appAttempt` object → AppAttempt. */
export function parseAttempt(o: JsonObject): AppAttempt {
  return {
    id: num(o, 'id'),
    attemptId: nonEmpty(optString(o, 'appAttemptId')),
    startTime: num(o, 'startTime'),
    finishedTime: num(o, 'finishedTime'),
    containerId: nonEmpty(optString(o, 'containerId')),
    nodeHttpAddress: nonEmpty(optString(o, 'nodeHttpAddress')),
    nodeId: nonEmpty(optString(o, 'nodeId')),
    logsLink: nonEmpty(optString(o, 'logsLink')),
    state: nonEmpty(optString(o, 'appAttemptState')),
    diagnostics: nonEmpty(optString(o, 'diagnosticsInfo')),
  };
}

/** `{"appAttempts":{"appAttempt":[…]}}` in any of its empty/single forms → AppAttempt[]. */
export function parseAttempts(body: unknown): AppAttempt[] {
  return listOf(asObject(body)?.appAttempts, 'appAttempt').map(parseAttempt);
}

/** One `container` object of an attempt's container list → ContainerReport. */
export function parseContainer(o: JsonObject): ContainerReport {
  const http = str(o, 'nodeHttpAddress');
  return {
    id: str(o, 'containerId'),
    nodeId: str(o, 'nodeId') || str(o, 'assignedNodeId'),
    // The RM sends a full URL here ("http://localhost:8042") but a bare host:port elsewhere.
    nodeHttpAddress: http === '' || /^https?:\/\//.test(http) ? http : `http://${http}`,
    state: str(o, 'containerState'),
    exitStatus: num(o, 'containerExitStatus'),
    diagnostics: nonEmpty(optString(o, 'diagnosticsInfo')),
    allocatedMb: num(o, 'allocatedMB'),
    allocatedVcores: num(o, 'allocatedVCores'),
    priority: num(o, 'priority'),
    startedTime: num(o, 'startedTime'),
    finishedTime: num(o, 'finishedTime'),
    logUrl: nonEmpty(optString(o, 'logUrl')),
  };
}

/**
 * `{"container":[…]}` (no wrapper object, unlike the other lists) in any of its empty/single forms
 * → ContainerReport[]. Hadoop 3.5.0 answers `{}` for an attempt without live containers.
 */
export function parseContainers(body: unknown): ContainerReport[] {
  return listOf(body, 'container').map(parseContainer);
}

/** `{"state":"RUNNING"}` → "RUNNING". */
export function parseAppState(body: unknown): RmAppState {
  const state = optString(asObject(body), 'state');
  if (!state) throw new ProtocolError('application state: response has no "state"');
  return state as RmAppState;
}

function held(o: JsonObject, key: string): number {
  return Math.max(0, num(o, key));
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' || s === 'N/A' ? undefined : s;
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * The text of the first `<name>` element of an XML answer, entities decoded; undefined when absent
 * or empty. Enough for the flat elements of the RM's single-attempt answer, which Hadoop 3.5.0
 * serves only as XML (its JSON writer fails: "MessageBodyWriter not found … AppAttemptInfo").
 */
export function xmlElementText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  const text = m?.[1]?.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e: string) => {
    if (e[0] !== '#') return XML_ENTITIES[e] ?? all;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
  return nonEmpty(text?.trim());
}
