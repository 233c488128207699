/**
 * TypeScript shapes of the wire messages in proto/*.proto, as wire.ts encodes and decodes them
 * (snake_case names exactly as in the .proto, int64 as decimal string or number, enums as
 * numbers). Internal to this package: only convert.ts and the codecs use them.
 */

/** protobuf int64: decimal string when decoded; number or string when encoding. */
export type Int64 = string | number;

export interface PApplicationId {
  id?: number;
  cluster_timestamp?: Int64;
}

export interface PAppAttemptId {
  application_id?: PApplicationId;
  attemptId?: number;
}

export interface PContainerId {
  app_id?: PApplicationId;
  app_attempt_id?: PAppAttemptId;
  id?: Int64;
}

export interface PNodeId {
  host?: string;
  port?: number;
}

export interface PPriority {
  priority?: number;
}

export interface PResourceInformation {
  key: string;
  value?: Int64;
  units?: string;
}

export interface PResource {
  memory?: Int64;
  virtual_cores?: number;
  resource_value_map?: PResourceInformation[];
}

export interface PToken {
  identifier: Uint8Array;
  password: Uint8Array;
  kind: string;
  service: string;
}

export interface PExecutionTypeRequest {
  execution_type?: number;
  enforce_execution_type?: boolean;
}

export interface PResourceRequest {
  priority?: PPriority;
  resource_name?: string;
  capability?: PResource;
  num_containers?: number;
  relax_locality?: boolean;
  node_label_expression?: string;
  execution_type_request?: PExecutionTypeRequest;
  allocation_request_id?: Int64;
}

export interface PContainer {
  id?: PContainerId;
  nodeId?: PNodeId;
  node_http_address?: string;
  resource?: PResource;
  priority?: PPriority;
  container_token?: PToken;
  execution_type?: number;
  allocation_request_id?: Int64;
}

export interface PContainerStatus {
  container_id?: PContainerId;
  state?: number;
  diagnostics?: string;
  exit_status?: number;
  capability?: PResource;
  executionType?: number;
}

export interface PSerializedException {
  message?: string;
  trace?: string;
  class_name?: string;
  cause?: PSerializedException;
}

export interface PContainerExceptionMap {
  container_id?: PContainerId;
  exception?: PSerializedException;
}

export interface PNodeReport {
  nodeId?: PNodeId;
  httpAddress?: string;
  rackName?: string;
  used?: PResource;
  capability?: PResource;
  numContainers?: number;
  node_state?: number;
  health_report?: string;
  node_update_type?: number;
}

export interface PPreemptionContainer {
  id?: PContainerId;
}

export interface PPreemptionMessage {
  strictContract?: { container?: PPreemptionContainer[] };
  contract?: { container?: PPreemptionContainer[] };
}

export interface PUrl {
  scheme?: string;
  host?: string;
  port?: number;
  file?: string;
  userInfo?: string;
}

export interface PLocalResource {
  resource?: PUrl;
  size?: Int64;
  timestamp?: Int64;
  type?: number;
  visibility?: number;
  pattern?: string;
}

export interface PLaunchContext {
  localResources?: { key?: string; value?: PLocalResource }[];
  tokens?: Uint8Array;
  service_data?: { key?: string; value?: Uint8Array }[];
  environment?: { key?: string; value?: string }[];
  command?: string[];
  application_ACLs?: { accessType?: number; acl?: string }[];
}

export interface PNmToken {
  nodeId?: PNodeId;
  token?: PToken;
}

export interface PRegisterRequest {
  host?: string;
  rpc_port?: number;
  tracking_url?: string;
}

export interface PRegisterResponse {
  maximumCapability?: PResource;
  containers_from_previous_attempts?: PContainer[];
  queue?: string;
  nm_tokens_from_previous_attempts?: PNmToken[];
  scheduler_resource_types?: number[];
}

export interface PAllocateRequest {
  ask?: PResourceRequest[];
  release?: PContainerId[];
  blacklist_request?: { blacklist_additions?: string[]; blacklist_removals?: string[] };
  response_id?: number;
  progress?: number;
  tracking_url?: string;
}

export interface PAllocateResponse {
  a_m_command?: number;
  response_id?: number;
  allocated_containers?: PContainer[];
  completed_container_statuses?: PContainerStatus[];
  limit?: PResource;
  updated_nodes?: PNodeReport[];
  num_cluster_nodes?: number;
  preempt?: PPreemptionMessage;
  nm_tokens?: PNmToken[];
  am_rm_token?: PToken;
  containers_from_previous_attempts?: PContainer[];
}

export interface PFinishRequest {
  diagnostics?: string;
  tracking_url?: string;
  final_application_status?: number;
}

export interface PFinishResponse {
  isUnregistered?: boolean;
}

export interface PStartContainersRequest {
  start_container_request?: { container_launch_context?: PLaunchContext; container_token?: PToken }[];
}

export interface PStartContainersResponse {
  succeeded_requests?: PContainerId[];
  failed_requests?: PContainerExceptionMap[];
}

/** StopContainersRequestProto and GetContainerStatusesRequestProto share this shape. */
export interface PContainerIdsRequest {
  container_id?: PContainerId[];
}

export interface PStopContainersResponse {
  succeeded_requests?: PContainerId[];
  failed_requests?: PContainerExceptionMap[];
}

export interface PGetContainerStatusesResponse {
  status?: PContainerStatus[];
  failed_requests?: PContainerExceptionMap[];
}

export interface PApplicationReport {
  applicationId?: PApplicationId;
  user?: string;
  queue?: string;
  name?: string;
  host?: string;
  rpc_port?: number;
  yarn_application_state?: number;
  trackingUrl?: string;
  diagnostics?: string;
  startTime?: Int64;
  finishTime?: Int64;
  final_application_status?: number;
  currentApplicationAttemptId?: PAppAttemptId;
  /** 0..1. */
  progress?: number;
  applicationType?: string;
  am_rm_token?: PToken;
}

export interface PGetApplicationReportRequest {
  application_id?: PApplicationId;
}

export interface PGetApplicationReportResponse {
  application_report?: PApplicationReport;
}
