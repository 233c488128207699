/**
 * Where the executors still to be granted should preferably go: YARN resource requests naming the
 * hosts that hold the input of the active stages, their racks, and `*`, all with relaxed locality
 * (the scheduler places a container there if it can, elsewhere after its own locality delay).
 *
 * Like Spark's LocalityPreferredContainerPlacementStrategy, the driver says how many of its
 * active stages' tasks prefer each host; the executors those tasks would keep busy are shared among
 * the hosts in proportion, less the executors each host already has, and what is missing becomes
 * that host's row. Pure: the allocator keeps the rows it sent and what the RM did with them.
 *
 * One YARN rule shapes the rows: they are counts per location under one (priority, request id), and
 * the RM lowers them itself as it grants: a node-local grant lowers its host, its rack and `*`; a
 * rack-local one its rack and `*`; any other only `*` (LocalityAppPlacementAllocator). `*` is
 * therefore always the number of containers still wanted, and the host and rack rows are preferences
 * within it (their sum may exceed it: a container may be wanted on any of several hosts).
 */

/** The resource name meaning "anywhere". */
export const ANY_LOCATION = '*';
/** The rack of a host nobody named a rack for (Hadoop's NetworkTopology.DEFAULT_RACK). */
export const DEFAULT_RACK = '/default-rack';

/** What the driver says about its active stages (Spark: numLocalityAwareTasks, hostToLocalTaskCount). */
export interface LocalityHints {
  /** Tasks of the active stages that prefer some host. */
  tasks: number;
  /** Per host, how many of those tasks prefer it. */
  hosts: Readonly<Record<string, number>>;
  /** The rack of a host, where HDFS named one (block topology paths); others are in DEFAULT_RACK. */
  racks?: Readonly<Record<string, string>>;
}

export interface LocalityAskInput {
  /** Containers still to be granted. */
  outstanding: number;
  /** Executors wanted in all (granted ones included). */
  target: number;
  /** Tasks an executor runs at once (its vcores). */
  tasksPerExecutor: number;
  /** Executors granted so far, per host. */
  liveByHost: ReadonlyMap<string, number>;
  hints?: LocalityHints | undefined;
}

/** The rack of `host` under `hints`. */
export function rackOf(host: string, hints: LocalityHints | undefined): string {
  return hints?.racks?.[host] ?? DEFAULT_RACK;
}

/**
 * The rows to have at the RM: location to count, `*` always present (possibly 0), host and rack rows
 * only where a container is still wanted there.
 */
export function localityAsks(input: LocalityAskInput): Map<string, number> {
  const { outstanding, hints } = input;
  const rows = new Map<string, number>([[ANY_LOCATION, outstanding]]);
  if (outstanding <= 0 || !hints || hints.tasks <= 0) return rows;
  const preferred = Object.entries(hints.hosts).filter(([, n]) => n > 0);
  const weight = preferred.reduce((sum, [, n]) => sum + n, 0);
  if (weight === 0) return rows;
  // The executors the preferring tasks would keep busy, no more than wanted in all.
  const busy = Math.min(input.target, Math.ceil(hints.tasks / Math.max(1, input.tasksPerExecutor)));
  const racks = new Map<string, number>();
  for (const [host, n] of preferred.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const missing = (busy * n) / weight - (input.liveByHost.get(host) ?? 0);
    const count = Math.min(outstanding, Math.ceil(missing - 1e-9));
    if (count <= 0) continue;
    rows.set(host, count);
    const rack = rackOf(host, hints);
    racks.set(rack, Math.min(outstanding, (racks.get(rack) ?? 0) + count));
  }
  for (const [rack, count] of racks) rows.set(rack, count);
  return rows;
}

/**
 * The RM's rows after it granted one container on `host` (mutated in place): the most local row with
 * containers left is where it came from, and every wider row is lowered with it.
 */
export function lowerOnGrant(rows: Map<string, number>, host: string, rack: string): void {
  const lower = (name: string): void => {
    const n = rows.get(name) ?? 0;
    if (n > 1) rows.set(name, n - 1);
    else rows.delete(name);
  };
  if ((rows.get(host) ?? 0) > 0) {
    lower(host);
    lower(rack);
  } else if ((rows.get(rack) ?? 0) > 0) {
    lower(rack);
  }
  lower(ANY_LOCATION);
}
