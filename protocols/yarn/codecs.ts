import {
  applicationIdToProto,
  appReportFromProto,
  askToProto,
  containerIdFromProto,
  containerIdToProto,
  failureFromProto,
  finalStatusToProto,
  grantFromProto,
  launchContextToProto,
  nmTokenFromProto,
  nodeReportFromProto,
  preemptionFromProto,
  resourceFromProto,
  statusFromProto,
  tokenFromProto,
  tokenToProto,
} from './convert.js';
import type * as P from './proto-types.js';
import type {
  AllocateRequest,
  AllocateResult,
  ApplicationId,
  AppReport,
  ContainerId,
  ContainerStatusesResult,
  FinishRequest,
  FinishResult,
  RegisterRequest,
  RegisterResult,
  StartContainerRequest,
  StartContainersResult,
  StopContainersResult,
} from './types.js';
import { decodeResponse, encodeMessage } from './wire.js';

/**
 * Pure codecs, one pair per RPC: our request type -> request message bytes, response message
 * bytes -> our result type. The bytes are the bare protobuf message; the RPC layer adds the
 * length prefix and headers. Field mapping lives in convert.ts. (* = repeated)
 *
 *   registerApplicationMaster  Register..RequestProto   1 host  2 rpc_port  3 tracking_url
 *                              Register..ResponseProto  1 maximumCapability  4 containers_from_previous_attempts*
 *                                                       5 queue  6 nm_tokens_from_previous_attempts*  7 scheduler_resource_types*
 *   allocate                   AllocateRequestProto     1 ask*  2 release*  3 blacklist_request{1 add*, 2 remove*}
 *                                                       4 response_id  5 progress(float)  11 tracking_url
 *                              AllocateResponseProto    1 a_m_command  2 response_id  3 allocated_containers*
 *                                                       4 completed_container_statuses*  5 limit  6 updated_nodes*
 *                                                       7 num_cluster_nodes  8 preempt  9 nm_tokens*  12 am_rm_token
 *                                                       17 containers_from_previous_attempts*
 *   finishApplicationMaster    Finish..RequestProto     1 diagnostics  2 tracking_url  3 final_application_status
 *                              Finish..ResponseProto    1 isUnregistered
 *   startContainers            StartContainersRequest   1 start_container_request*{1 container_launch_context, 2 container_token}
 *                              StartContainersResponse  1 services_meta_data*  2 succeeded_requests*  3 failed_requests*
 *   stopContainers             request 1 container_id*; response 1 succeeded_requests*  2 failed_requests*
 *   getContainerStatuses       request 1 container_id*; response 1 status*  2 failed_requests*
 *   getApplicationReport       request 1 application_id; response 1 application_report
 */

const AMCOMMANDS = { 1: 'resync', 2: 'shutdown' } as const;
const SCHEDULER_RESOURCE_TYPES = { 0: 'memory', 1: 'cpu' } as const;

// ---- ApplicationMasterProtocol ----

/** RegisterApplicationMasterRequestProto; host, rpc_port and tracking_url always present. */
export function encodeRegisterRequest(r: RegisterRequest): Buffer {
  const p: P.PRegisterRequest = { host: r.host, rpc_port: r.rpcPort, tracking_url: r.trackingUrl };
  return encodeMessage('hadoop.yarn.RegisterApplicationMasterRequestProto', p);
}

export function decodeRegisterResponse(bytes: Uint8Array): RegisterResult {
  return decodeResponse(
    'hadoop.yarn.RegisterApplicationMasterResponseProto',
    bytes,
    'registerApplicationMaster',
    (p: P.PRegisterResponse): RegisterResult => {
      const r: RegisterResult = {
        maximumCapability: resourceFromProto(p.maximumCapability),
        containersFromPreviousAttempts: (p.containers_from_previous_attempts ?? []).map(grantFromProto),
        nmTokensFromPreviousAttempts: (p.nm_tokens_from_previous_attempts ?? []).map(nmTokenFromProto),
        schedulerResourceTypes: (p.scheduler_resource_types ?? []).flatMap((n) =>
          n in SCHEDULER_RESOURCE_TYPES ? [SCHEDULER_RESOURCE_TYPES[n as 0 | 1]] : [],
        ),
      };
      if (p.queue !== undefined) r.queue = p.queue;
      return r;
    },
  );
}

/**
 * AllocateRequestProto. response_id and progress are always sent (Java does); the blacklist
 * message only when it has entries.
 */
export function encodeAllocateRequest(r: AllocateRequest): Buffer {
  const additions = r.blacklistAdditions ?? [];
  const removals = r.blacklistRemovals ?? [];
  const progress = Number.isFinite(r.progress) ? Math.min(1, Math.max(0, r.progress)) : 0;
  const p: P.PAllocateRequest = {
    ask: r.asks.map(askToProto),
    release: r.releases.map(containerIdToProto),
    response_id: r.responseId,
    progress,
  };
  if (additions.length || removals.length) {
    p.blacklist_request = { blacklist_additions: additions, blacklist_removals: removals };
  }
  if (r.trackingUrl !== undefined) p.tracking_url = r.trackingUrl;
  return encodeMessage('hadoop.yarn.AllocateRequestProto', p);
}

export function decodeAllocateResponse(bytes: Uint8Array): AllocateResult {
  return decodeResponse('hadoop.yarn.AllocateResponseProto', bytes, 'allocate', (p: P.PAllocateResponse) => {
    const r: AllocateResult = {
      responseId: p.response_id ?? 0,
      allocated: (p.allocated_containers ?? []).map(grantFromProto),
      completed: (p.completed_container_statuses ?? []).map(statusFromProto),
      nmTokens: (p.nm_tokens ?? []).map(nmTokenFromProto),
      numClusterNodes: p.num_cluster_nodes ?? 0,
      updatedNodes: (p.updated_nodes ?? []).map(nodeReportFromProto),
      containersFromPreviousAttempts: (p.containers_from_previous_attempts ?? []).map(grantFromProto),
    };
    if (p.am_rm_token) r.amRmToken = tokenFromProto(p.am_rm_token);
    if (p.limit) r.available = resourceFromProto(p.limit);
    if (p.a_m_command !== undefined) {
      // An unknown command number still means "stop heartbeating as usual"; treat it as shutdown.
      r.amCommand = AMCOMMANDS[p.a_m_command as 1 | 2] ?? 'shutdown';
    }
    if (p.preempt) r.preemption = preemptionFromProto(p.preempt);
    return r;
  });
}

/** FinishApplicationMasterRequestProto; diagnostics and the status always sent, the URL if given. */
export function encodeFinishRequest(r: FinishRequest): Buffer {
  const p: P.PFinishRequest = { diagnostics: r.diagnostics, final_application_status: finalStatusToProto(r.finalStatus) };
  if (r.trackingUrl !== undefined) p.tracking_url = r.trackingUrl;
  return encodeMessage('hadoop.yarn.FinishApplicationMasterRequestProto', p);
}

export function decodeFinishResponse(bytes: Uint8Array): FinishResult {
  return decodeResponse('hadoop.yarn.FinishApplicationMasterResponseProto', bytes, 'finishApplicationMaster', (p: P.PFinishResponse) => ({
    unregistered: p.isUnregistered ?? false,
  }));
}

// ---- ContainerManagementProtocol ----

export function encodeStartContainersRequest(reqs: StartContainerRequest[]): Buffer {
  const p: P.PStartContainersRequest = {
    start_container_request: reqs.map((r) => ({
      container_launch_context: launchContextToProto(r.launch),
      container_token: tokenToProto(r.containerToken),
    })),
  };
  return encodeMessage('hadoop.yarn.StartContainersRequestProto', p);
}

export function decodeStartContainersResponse(bytes: Uint8Array): StartContainersResult {
  return decodeResponse('hadoop.yarn.StartContainersResponseProto', bytes, 'startContainers', (p: P.PStartContainersResponse) => ({
    started: (p.succeeded_requests ?? []).map(containerIdFromProto),
    failed: (p.failed_requests ?? []).map(failureFromProto),
  }));
}

/** StopContainersRequestProto and GetContainerStatusesRequestProto: `repeated ContainerIdProto container_id = 1`. */
function encodeContainerIds(
  name: 'hadoop.yarn.StopContainersRequestProto' | 'hadoop.yarn.GetContainerStatusesRequestProto',
  ids: ContainerId[],
): Buffer {
  const p: P.PContainerIdsRequest = { container_id: ids.map(containerIdToProto) };
  return encodeMessage(name, p);
}

export function encodeStopContainersRequest(ids: ContainerId[]): Buffer {
  return encodeContainerIds('hadoop.yarn.StopContainersRequestProto', ids);
}

export function decodeStopContainersResponse(bytes: Uint8Array): StopContainersResult {
  return decodeResponse('hadoop.yarn.StopContainersResponseProto', bytes, 'stopContainers', (p: P.PStopContainersResponse) => ({
    stopped: (p.succeeded_requests ?? []).map(containerIdFromProto),
    failed: (p.failed_requests ?? []).map(failureFromProto),
  }));
}

export function encodeGetContainerStatusesRequest(ids: ContainerId[]): Buffer {
  return encodeContainerIds('hadoop.yarn.GetContainerStatusesRequestProto', ids);
}

export function decodeGetContainerStatusesResponse(bytes: Uint8Array): ContainerStatusesResult {
  return decodeResponse(
    'hadoop.yarn.GetContainerStatusesResponseProto',
    bytes,
    'getContainerStatuses',
    (p: P.PGetContainerStatusesResponse) => ({
      statuses: (p.status ?? []).map(statusFromProto),
      failed: (p.failed_requests ?? []).map(failureFromProto),
    }),
  );
}

// ---- ApplicationClientProtocol ----

export function encodeGetApplicationReportRequest(appId: ApplicationId): Buffer {
  const p: P.PGetApplicationReportRequest = { application_id: applicationIdToProto(appId) };
  return encodeMessage('hadoop.yarn.GetApplicationReportRequestProto', p);
}

export function decodeGetApplicationReportResponse(bytes: Uint8Array): AppReport {
  return decodeResponse(
    'hadoop.yarn.GetApplicationReportResponseProto',
    bytes,
    'getApplicationReport',
    (p: P.PGetApplicationReportResponse) => appReportFromProto(p.application_report ?? {}),
  );
}
