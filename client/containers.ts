import { parseContainerList, type AmLaunchedContainer, type AmStatus, type ContainerListEntry } from '../protocols/am-status/index.js';
import { CONTAINER_LIST_FILE } from '../protocols/app-spec/index.js';
import { LogUnavailableError, NotFoundError } from '../protocols/errors/index.js';
import { nodeBaseUrl, type NmRestClient } from '../protocols/nm-rest/index.js';
import type { NodeReport, RmRestClient } from '../protocols/rm-rest/index.js';
import { formatAppAttemptId, makeContainerId, parseContainerId } from '../protocols/yarn/index.js';
import { fetchAmStatus } from './am-status.js';

/**
 * Finding an application's containers and the NodeManagers that hold their logs. The RM lists only
 * live containers, and a NodeManager forgets a container's report soon after it ends, but keeps its
 * log files (until yarn.nodemanager.log.retain-seconds, or until log aggregation moves them). So:
 *
 *  - AM containers come from the attempt list (with their NodeManager);
 *  - running containers from the RM's container list (with their NodeManager);
 *  - every container the AM started, finished or not, from the AM: its status document
 *    (`launched`) while it runs, and the container list it keeps in its log directory
 *    (`containers.jsonl`, read through the NodeManager like any log file) once it has ended;
 *  - for applications of older versions without that list, from the AM's stderr, which names every
 *    container it started ("started container_… on host:port"); failing that, by trying sequence
 *    numbers;
 *  - a container whose NodeManager is unknown is looked for on the NodeManagers (those on its host
 *    first): the one whose log listing has files holds it.
 */

/** A container and, when known, the web address of the NodeManager that ran it. */
export interface ContainerLocation {
  containerId: string;
  /** NodeManager web base URL, e.g. http://localhost:8042. */
  node?: string;
  /** NodeManager RPC host:port, e.g. localhost:45451. */
  nodeId?: string;
  /** Whether it is an ApplicationMaster container. */
  am?: boolean;
}

const CONTAINER_ID = /container_(?:e\d+_)?\d+_\d+_\d+_\d+/g;
const STARTED_ON = /(container_(?:e\d+_)?\d+_\d+_\d+_\d+) on ([\w.-]+:\d+)/g;
/** How much of the AM's stderr is searched for container ids. */
const AM_LOG_SCAN_BYTES = 4 * 1024 * 1024;
/** Sequence numbers tried past the last container found, when probing. */
const PROBE_GAP = 3;
/** NodeManager states whose web servers may still answer. */
const REACHABLE_NODE_STATES = ['NEW', 'RUNNING', 'UNHEALTHY', 'DECOMMISSIONING'];

/** The cluster's NodeManagers, fetched once, and lookups over them. */
export class NodeDirectory {
  private nodes: Promise<NodeReport[]> | undefined;

  constructor(
    private readonly rm: RmRestClient,
    private readonly nm: NmRestClient,
  ) {}

  all(): Promise<NodeReport[]> {
    this.nodes ??= this.rm.nodes({ states: REACHABLE_NODE_STATES }).catch((err: unknown) => {
      this.nodes = undefined;
      throw err;
    });
    return this.nodes;
  }

  /** Web base URL of the NodeManager with this RPC id (host:port). */
  async webAddressOf(nodeId: string): Promise<string | undefined> {
    const n = (await this.all()).find((x) => x.id === nodeId);
    return n ? nodeBaseUrl(n.nodeHttpAddress) : undefined;
  }

  /**
   * The NodeManager holding the container's logs: tries those on `host` first, then the rest.
   * Undefined when none has any file of it.
   */
  async locate(containerId: string, host?: string): Promise<string | undefined> {
    const nodes = await this.all();
    const ordered = host ? [...nodes.filter((n) => n.nodeHostName === host), ...nodes.filter((n) => n.nodeHostName !== host)] : nodes;
    for (const n of ordered) {
      const url = nodeBaseUrl(n.nodeHttpAddress);
      // A node that cannot list the container does not hold its logs; the next candidate is tried.
      const listing = await this.nm.logFiles(url, containerId).catch(() => undefined);
      if (listing && listing.files.length > 0) return url;
    }
    return undefined;
  }
}

/** Container ids named in a text (an AM log, diagnostics), with "on host:port" when given. */
export function containerIdsIn(text: string): { ids: string[]; nodeIds: Map<string, string> } {
  const ids = new Set(text.match(CONTAINER_ID) ?? []);
  const nodeIds = new Map<string, string>();
  for (const m of text.matchAll(STARTED_ON)) nodeIds.set(m[1]!, m[2]!);
  return { ids: [...ids], nodeIds };
}

export interface DiscoverDeps {
  rm: RmRestClient;
  nm: NmRestClient;
  nodes: NodeDirectory;
  /** Reads the AM's status document; default fetchAmStatus. */
  fetchStatus?: (trackingUrl: string) => Promise<AmStatus | undefined>;
}

/** What is known of the application where the search starts. */
export interface DiscoverTarget {
  appId: string;
  /** Whether it still runs: then the RM and the AM can list its containers. */
  running: boolean;
  /** The AM's tracking URL through the RM proxy (the app report's), while it runs. */
  trackingUrl?: string;
}

/** Every container of the application that can still be found, AM containers first, by id. */
export async function discoverContainers(deps: DiscoverDeps, target: DiscoverTarget): Promise<ContainerLocation[]> {
  const { rm, nm, nodes } = deps;
  const { appId, running } = target;
  const found = new Map<string, ContainerLocation>();
  const add = (loc: ContainerLocation): void => {
    const prev = found.get(loc.containerId);
    found.set(loc.containerId, { ...loc, ...prev, node: prev?.node ?? loc.node, am: prev?.am ?? loc.am });
  };
  const attempts = await rm.attempts(appId);
  for (const a of attempts) {
    if (a.containerId)
      add({
        containerId: a.containerId,
        am: true,
        ...(a.nodeHttpAddress ? { node: nodeBaseUrl(a.nodeHttpAddress) } : {}),
        ...(a.nodeId ? { nodeId: a.nodeId } : {}),
      });
  }
  const last = attempts.at(-1);
  if (running && last?.attemptId) {
    // Live containers only add to what the status and containers.jsonl already list.
    for (const c of await rm.containers(appId, last.attemptId).catch(() => [])) {
      add({ containerId: c.id, node: c.nodeHttpAddress, nodeId: c.nodeId });
    }
  }
  const addLaunched = (l: Pick<AmLaunchedContainer, 'containerId' | 'node' | 'nodeHttpAddress'>): void =>
    add({ containerId: l.containerId, nodeId: l.node, ...(l.nodeHttpAddress ? { node: nodeBaseUrl(l.nodeHttpAddress) } : {}) });
  // The current AM lists its containers itself; its container list file would say the same.
  const live = running && target.trackingUrl ? await (deps.fetchStatus ?? fetchAmStatus)(target.trackingUrl) : undefined;
  live?.launched.forEach(addLaunched);
  const currentAm = live ? last?.containerId : undefined;
  let amLogRead = false;
  for (const am of [...found.values()].filter((c) => c.am && c.node && c.containerId !== currentAm)) {
    const listed = await readContainerList(nm, am.node!, am.containerId);
    if (listed) {
      amLogRead = true;
      for (const e of listed) if (e.event === 'started') addLaunched(e);
      continue;
    }
    // Older versions kept no container list (and none for executors): scrape the AM's log instead.
    try {
      const chunk = await nm.readLog(am.node!, am.containerId, 'stderr', { size: AM_LOG_SCAN_BYTES });
      amLogRead = true;
      const { ids, nodeIds } = containerIdsIn(chunk.data.toString('utf8'));
      for (const id of ids) {
        if (id.includes(appId.slice('application_'.length)))
          add({ containerId: id, ...(nodeIds.has(id) ? { nodeId: nodeIds.get(id)! } : {}) });
      }
    } catch (err) {
      // Unreadable (a secure NodeManager without Hadoop's native library) is as good as missing here.
      if (!(err instanceof NotFoundError || err instanceof LogUnavailableError)) throw err;
    }
  }
  if (!amLogRead && !live)
    await probeSequence(
      deps,
      attempts.flatMap((a) => (a.containerId ? [a.containerId] : [])),
      found,
      add,
    );
  for (const loc of found.values()) {
    if (loc.node) continue;
    const byId = loc.nodeId ? await nodes.webAddressOf(loc.nodeId) : undefined;
    const node = byId ?? (await nodes.locate(loc.containerId, loc.nodeId?.split(':')[0]));
    if (node) loc.node = node;
  }
  return [...found.values()].sort((a, b) => Number(b.am ?? false) - Number(a.am ?? false) || a.containerId.localeCompare(b.containerId));
}

/**
 * The containers an AM recorded in its `containers.jsonl`, or undefined when it has none (an AM of
 * an older version, logs that are gone, or a NodeManager that cannot serve them).
 */
async function readContainerList(nm: NmRestClient, node: string, amContainerId: string): Promise<ContainerListEntry[] | undefined> {
  try {
    return parseContainerList((await nm.readLog(node, amContainerId, CONTAINER_LIST_FILE)).data.toString('utf8'));
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof LogUnavailableError) return undefined;
    throw err;
  }
}

/** Without the AM's log: try sequence numbers after each AM container until PROBE_GAP misses. */
async function probeSequence(
  deps: DiscoverDeps,
  amContainers: string[],
  found: Map<string, ContainerLocation>,
  add: (loc: ContainerLocation) => void,
): Promise<void> {
  for (const am of amContainers) {
    const base = parseContainerId(am);
    let misses = 0;
    for (let seq = base.sequence + 1; misses < PROBE_GAP; seq++) {
      const id = makeContainerId(base.appAttemptId, base.epoch, seq).text;
      if (found.has(id)) {
        misses = 0;
        continue;
      }
      const node = await deps.nodes.locate(id);
      if (node) {
        misses = 0;
        add({ containerId: id, node });
      } else {
        misses++;
      }
    }
  }
}

/** The attempt id a container belongs to, as the RM spells it. */
export function attemptOf(containerId: string): string {
  return formatAppAttemptId(parseContainerId(containerId).appAttemptId);
}
