import { ConfigError } from '../protocols/errors/index.js';
import type { NodeReport } from '../protocols/rm-rest/index.js';

/**
 * Counts bounded by what the cluster can grant. A per-container size is checked against the
 * scheduler's maximum allocation (submission.ts); a count (executors, containers) is checked here
 * against the NodeManagers the RM reports as RUNNING, before an application id is even reserved.
 *
 * The rule refuses only what can never run at once on the cluster as it is: containers are packed
 * node by node (a 4 GB container does not fit in two nodes' 3 GB leftovers), beside the one AM
 * container, which goes where it costs the fewest workers. It is deliberately loose where YARN is
 * unknowable from here, so it never refuses a request that could run:
 *  - memory only: with the CapacityScheduler's default DefaultResourceCalculator vcores are not
 *    scheduled at all, and a client cannot tell which calculator the RM uses;
 *  - sizes as asked: the RM rounds them up to yarn.scheduler.minimum-allocation-mb, which would
 *    only lower the true limit;
 *  - no node label filtering and no queue limits (a queue's share can grow to the whole cluster);
 *  - with no RUNNING node at all (NodeManagers restarting), nothing is refused.
 * Spark and MapReduce do not bound counts at all; a job asking for more executors than the cluster
 * holds then waits forever for the rest, which is what this check is for.
 */

/** The largest container count Spindle accepts before asking the cluster (no YARN app comes close). */
export const MAX_CONTAINERS = 100_000;
/** The largest vcores per container Spindle accepts before asking the cluster. */
export const MAX_VCORES_PER_CONTAINER = 1024;

/** A count to bound: `count` containers of `memoryMb` each, beside one AM container of `amMemoryMb`. */
export interface CountRequest {
  /** The option that set the count, e.g. "--executors". */
  option: string;
  count: number;
  /** What one container is called in messages: "executor", "container". */
  noun: string;
  memoryMb: number;
  /** The option that set the container size, e.g. "--executor-memory". */
  sizeOption: string;
  amMemoryMb: number;
  /** What the AM container is called in messages: "driver", "ApplicationMaster". */
  amNoun: string;
}

/** Memory of a node, as the RM counts it for scheduling (used + available). */
function capacityMb(node: NodeReport): number {
  return node.usedMemoryMb + node.availMemoryMb;
}

/**
 * How many containers of `memoryMb` the nodes hold at once beside one AM of `amMemoryMb`:
 * Σ floor(capacity / size) over the nodes, less what the AM displaces on the node where it
 * displaces the fewest. Exact for memory when every container has the same size.
 */
export function maxContainersAtOnce(capacitiesMb: readonly number[], memoryMb: number, amMemoryMb: number): number {
  let total = 0;
  let displaced = Number.POSITIVE_INFINITY;
  for (const cap of capacitiesMb) {
    const fit = Math.floor(cap / memoryMb);
    total += fit;
    if (cap >= amMemoryMb) displaced = Math.min(displaced, fit - Math.floor((cap - amMemoryMb) / memoryMb));
  }
  // No node holds the AM: the AM's own size check says so; the count is judged without it.
  return total - (Number.isFinite(displaced) ? displaced : 0);
}

/**
 * Throws the ConfigError (exit 2) of a count the RUNNING nodes can never run at once: it names the
 * option, the value, the cluster's limit and how to fix it. Nothing is refused without a running node.
 */
export function checkCount(request: CountRequest, nodes: readonly NodeReport[]): void {
  const running = nodes.filter((n) => n.state === 'RUNNING');
  if (request.count === 0 || running.length === 0) return;
  const capacities = running.map(capacityMb);
  const limit = maxContainersAtOnce(capacities, request.memoryMb, request.amMemoryMb);
  if (request.count <= limit) return;
  const totalMb = capacities.reduce((a, b) => a + b, 0);
  const nodesText = `${running.length} running node${running.length === 1 ? '' : 's'}, ${totalMb} MB in all`;
  const fix =
    limit > 0
      ? `lower ${request.option} to ${limit} or fewer, or make ${request.sizeOption} smaller`
      : `make ${request.sizeOption} smaller`;
  throw new ConfigError(
    `${request.option} ${request.count}: this cluster can run at most ${limit} ${request.noun}${limit === 1 ? '' : 's'} of ` +
      `${request.memoryMb} MB at once beside the ${request.amMemoryMb} MB ${request.amNoun} (${nodesText}); ${fix}`,
  );
}
