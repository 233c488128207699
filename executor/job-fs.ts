import { LocalFs, RoutingFs } from '../protocols/localfs/index.js';
import { WebHdfsClient } from '../protocols/webhdfs/index.js';
import type { RetryOptions } from '../protocols/retry/index.js';
import type { ExecutorFs } from './sources.js';

/**
 * The filesystem tasks read and write. On the cluster every path is an HDFS path (WebHDFS); in local
 * mode plain paths are this machine's files and HDFS URIs go to the cluster, when the driver knows
 * one (its NameNodes).
 */
export function executorFs(options: {
  nameNodes: string[];
  user: string;
  delegationToken: () => string | undefined;
  localMode: boolean;
  /** How WebHDFS calls are retried (a DataNode restart lasts tens of seconds). */
  retry?: Partial<RetryOptions>;
}): ExecutorFs & { close(): void } {
  const { nameNodes, user, delegationToken } = options;
  const webhdfs = { nameNodes, user, delegationToken, ...(options.retry ? { retry: options.retry } : {}) };
  if (!options.localMode) return new WebHdfsClient(webhdfs);
  const remote = nameNodes.length > 0 ? new WebHdfsClient(webhdfs) : undefined;
  return new RoutingFs(new LocalFs(), remote);
}
