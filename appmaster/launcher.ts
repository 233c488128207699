import { SpindleError } from '../protocols/errors/index.js';
import type { Qop } from '../protocols/hadoop-rpc/index.js';
import type {
  ContainerGrant,
  ContainerId,
  LaunchContext,
  NodeId,
  StartContainersResult,
  StopContainersResult,
  Token,
} from '../protocols/yarn/index.js';
import { nodeKey } from './rm-client.js';

/**
 * Starts and stops containers on NodeManagers (ContainerManagementProtocol). Each NodeManager wants
 * the NMToken the RM issued for it; one connection per node is kept and reopened when the token changes.
 */

export interface NodeManagerConnection {
  startContainers(reqs: { containerToken: Token; launch: LaunchContext }[]): Promise<StartContainersResult>;
  stopContainers(ids: ContainerId[]): Promise<StopContainersResult>;
  close(): Promise<void>;
}

export type NodeManagerConnector = (node: NodeId, nmToken: Token, allowedQops?: Qop[]) => NodeManagerConnection;

export interface LauncherOptions {
  connect: NodeManagerConnector;
  /** The current NMToken for a node (kept by the RM client). */
  nmToken: (node: NodeId) => Token | undefined;
  allowedQops?: Qop[];
}

/** A NodeManager refused to start a container. */
export class LaunchError extends SpindleError {
  override readonly name: string = 'LaunchError';
}

export class Launcher {
  private readonly connections = new Map<string, { token: Token; connection: NodeManagerConnection }>();

  constructor(private readonly options: LauncherOptions) {}

  /** Starts one container; resolves once the NodeManager accepted it. */
  async launch(grant: ContainerGrant, launch: LaunchContext): Promise<void> {
    const nm = this.connectionFor(grant.nodeId, grant.id.text);
    const result = await nm.startContainers([{ containerToken: grant.containerToken, launch }]);
    const failure = result.failed.find((f) => f.containerId.text === grant.id.text);
    if (failure || !result.started.some((id) => id.text === grant.id.text)) {
      throw new LaunchError(
        `NodeManager ${nodeKey(grant.nodeId)} refused to start ${grant.id.text}: ${failure?.message ?? 'no answer for it'}`,
        { containerId: grant.id.text, server: nodeKey(grant.nodeId), exceptionClassName: failure?.exceptionClassName },
      );
    }
  }

  /** Asks a NodeManager to stop a container (best effort; the RM also cleans up at the end). */
  async stop(grant: ContainerGrant): Promise<void> {
    const nm = this.connectionFor(grant.nodeId, grant.id.text);
    await nm.stopContainers([grant.id]);
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.allSettled(all.map((c) => c.connection.close()));
  }

  private connectionFor(node: NodeId, containerId: string): NodeManagerConnection {
    const key = nodeKey(node);
    const token = this.options.nmToken(node);
    if (!token) {
      throw new LaunchError(`no NMToken for NodeManager ${key}; the ResourceManager sends one with the first grant on a node`, {
        containerId,
        server: key,
      });
    }
    const open = this.connections.get(key);
    if (open && open.token === token) return open.connection;
    // The old token's connection is replaced; nothing waits on its close, and a failed close leaks nothing.
    if (open) void open.connection.close().catch(() => {});
    const connection = this.options.connect(node, token, this.options.allowedQops);
    this.connections.set(key, { token, connection });
    return connection;
  }
}
