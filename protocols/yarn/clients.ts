import * as codecs from './codecs.js';
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

/**
 * One call on an open Hadoop RPC connection to one server and protocol (protocols/hadoop-rpc).
 * `request` is the bare request message; the connection frames it, owns call ids, timeouts and
 * retries, and resolves with the bare response message or rejects with a typed error
 * (RemoteError subclasses carry the Java exception class).
 */
export interface RpcCaller {
  call(method: string, request: Uint8Array, opts?: CallOptions): Promise<Buffer>;
}

export interface CallOptions {
  /** Per-call deadline; the connection's default when absent. */
  timeoutMs?: number;
}

/** Protocol name and version as they go into the connection context and request headers. */
export interface RpcProtocol {
  readonly name: string;
  readonly version: number;
}

/** AM <-> RM scheduler port. */
export const APPLICATION_MASTER_PROTOCOL: RpcProtocol = {
  name: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB',
  version: 1,
};

/** AM <-> NodeManager. */
export const CONTAINER_MANAGEMENT_PROTOCOL: RpcProtocol = {
  name: 'org.apache.hadoop.yarn.api.ContainerManagementProtocolPB',
  version: 1,
};

/** Client <-> RM client port. */
export const APPLICATION_CLIENT_PROTOCOL: RpcProtocol = {
  name: 'org.apache.hadoop.yarn.api.ApplicationClientProtocolPB',
  version: 1,
};

/**
 * ApplicationMasterProtocol over an RPC connection to the RM scheduler address. Stateless: the
 * caller echoes response ids, swaps rolled AMRMTokens and re-registers when told to.
 */
export class ApplicationMasterClient {
  constructor(private readonly rpc: RpcCaller) {}

  /** registerApplicationMaster. */
  async register(r: RegisterRequest, opts?: CallOptions): Promise<RegisterResult> {
    const bytes = await this.rpc.call('registerApplicationMaster', codecs.encodeRegisterRequest(r), opts);
    return codecs.decodeRegisterResponse(bytes);
  }

  /** allocate: the heartbeat; sends asks/releases, returns grants, completions and tokens. */
  async allocate(r: AllocateRequest, opts?: CallOptions): Promise<AllocateResult> {
    const bytes = await this.rpc.call('allocate', codecs.encodeAllocateRequest(r), opts);
    return codecs.decodeAllocateResponse(bytes);
  }

  /** finishApplicationMaster; repeat until `unregistered` is true. */
  async finish(r: FinishRequest, opts?: CallOptions): Promise<FinishResult> {
    const bytes = await this.rpc.call('finishApplicationMaster', codecs.encodeFinishRequest(r), opts);
    return codecs.decodeFinishResponse(bytes);
  }
}

/**
 * ContainerManagementProtocol over an RPC connection to one NodeManager (authenticated with the
 * NMToken for that node). Per-container refusals come back in `failed`, not as rejections.
 */
export class ContainerManagerClient {
  constructor(private readonly rpc: RpcCaller) {}

  async startContainers(reqs: StartContainerRequest[], opts?: CallOptions): Promise<StartContainersResult> {
    const bytes = await this.rpc.call('startContainers', codecs.encodeStartContainersRequest(reqs), opts);
    return codecs.decodeStartContainersResponse(bytes);
  }

  async stopContainers(ids: ContainerId[], opts?: CallOptions): Promise<StopContainersResult> {
    const bytes = await this.rpc.call('stopContainers', codecs.encodeStopContainersRequest(ids), opts);
    return codecs.decodeStopContainersResponse(bytes);
  }

  async getContainerStatuses(ids: ContainerId[], opts?: CallOptions): Promise<ContainerStatusesResult> {
    const bytes = await this.rpc.call('getContainerStatuses', codecs.encodeGetContainerStatusesRequest(ids), opts);
    return codecs.decodeGetContainerStatusesResponse(bytes);
  }
}

/**
 * The part of ApplicationClientProtocol Spindle uses over RPC (submission goes through REST).
 * Tests of unmanaged AMs read the AMRMToken from the report.
 */
export class ApplicationClientRpc {
  constructor(private readonly rpc: RpcCaller) {}

  async getApplicationReport(appId: ApplicationId, opts?: CallOptions): Promise<AppReport> {
    const bytes = await this.rpc.call('getApplicationReport', codecs.encodeGetApplicationReportRequest(appId), opts);
    return codecs.decodeGetApplicationReportResponse(bytes);
  }
}
