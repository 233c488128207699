import { DEFAULT_RECONNECT, RpcConnection, type Qop } from '../protocols/hadoop-rpc/index.js';
import {
  APPLICATION_MASTER_PROTOCOL,
  ApplicationMasterClient,
  CONTAINER_MANAGEMENT_PROTOCOL,
  ContainerManagerClient,
  type NodeId,
  type Token,
} from '../protocols/yarn/index.js';
import type { NodeManagerConnection } from './launcher.js';
import type { SchedulerConnection } from './rm-client.js';

/**
 * The real connections behind RmClient and Launcher: Hadoop RPC with the token as SASL DIGEST-MD5
 * credentials (the RM scheduler port and NodeManagers accept nothing else, even on clusters
 * without Kerberos).
 */

function tokenConnection(
  host: string,
  port: number,
  protocol: string,
  version: number,
  token: Token,
  allowedQops?: Qop[],
  reconnects?: number,
): RpcConnection {
  return new RpcConnection({
    host,
    port,
    protocol,
    protocolVersion: version,
    auth: { kind: 'token', identifier: token.identifier, password: token.password },
    ...(allowedQops ? { allowedQops } : {}),
    ...(reconnects !== undefined ? { reconnect: { ...DEFAULT_RECONNECT, retries: reconnects } } : {}),
  });
}

export function connectScheduler(
  address: { host: string; port: number },
  token: Token,
  allowedQops?: Qop[],
  reconnects?: number,
): SchedulerConnection {
  const p = APPLICATION_MASTER_PROTOCOL;
  const rpc = tokenConnection(address.host, address.port, p.name, p.version, token, allowedQops, reconnects);
  const client = new ApplicationMasterClient(rpc);
  return {
    register: (r) => client.register(r),
    allocate: (r) => client.allocate(r),
    finish: (r) => client.finish(r),
    close: () => rpc.close(),
    get qop() {
      return rpc.qop;
    },
  };
}

export function connectNodeManager(node: NodeId, nmToken: Token, allowedQops?: Qop[]): NodeManagerConnection {
  const p = CONTAINER_MANAGEMENT_PROTOCOL;
  const rpc = tokenConnection(node.host, node.port, p.name, p.version, nmToken, allowedQops);
  const client = new ContainerManagerClient(rpc);
  return {
    startContainers: (reqs) => client.startContainers(reqs),
    stopContainers: (ids) => client.stopContainers(ids),
    close: () => rpc.close(),
  };
}

/**
 * The qualities of protection the AM accepts. hadoop.rpc.protection left at its default
 * ("authentication") accepts whatever the servers offer (the strongest is chosen); a stricter
 * setting on the client is honoured and never downgraded.
 */
export function allowedQopsFor(rpcProtection: string[]): Qop[] | undefined {
  const map: Record<string, Qop> = { authentication: 'auth', integrity: 'auth-int', privacy: 'auth-conf' };
  const qops = rpcProtection.map((p) => map[p.trim().toLowerCase()]).filter((q): q is Qop => q !== undefined);
  if (qops.length === 0 || (qops.length === 1 && qops[0] === 'auth')) return undefined;
  return qops;
}
