import type { AmContainerCounts, AmContainerEvent } from '../protocols/am-status/index.js';
import type { ContainerCompletion, ContainerGrant, ContainerId, Resource, ResourceAsk } from '../protocols/yarn/index.js';
import { classifyExit, EXIT_STATUS_UNKNOWN } from '../protocols/yarn/index.js';
import { ANY_LOCATION, localityAsks, lowerOnGrant, rackOf, type LocalityHints } from './locality-asks.js';

/**
 * The allocator is the AM's bookkeeping, and only that: it turns a target number of containers into
 * resource asks, matches the RM's grants back to what was asked (surplus grants are released), and
 * classifies completed containers, counting failures against a limit. It is synchronous and has no
 * timers or I/O, so every rule here is unit-tested with fabricated grants and completions.
 *
 * Asks are absolute: the RM keeps, per (priority, location, size, tag), the number of containers still
 * wanted, and lowers it itself as it grants. We send a row only when our own count changed (like
 * Hadoop's AMRMClient), because re-sending an unchanged count after the RM granted some would make it
 * grant them again. The rows are `*` (every container still wanted) and, when the driver said where
 * its stages' input lies, host and rack rows preferring those hosts (locality-asks.ts); we keep the
 * table as the RM has it, lowering it on each grant as the RM does, and send the rows that differ.
 *
 * A container the application gives back (dynamic allocation: an idle executor) leaves the count at
 * once; its completion, when the RM reports it, is neither a failure nor a loss.
 *
 * It also keeps the nodes to avoid (the driver's exclusions) and sends the RM only what changed, in
 * the allocate request's blacklist additions and removals (Hadoop's AMRMClient.updateBlacklist does
 * the same); after a resync the whole list goes again.
 */

/** Named defaults for AllocatorOptions. */
export const DEFAULT_PRIORITY = 1;
/** Tag carried by our asks; grants echo it. A different tag on a grant means nobody asked for it. */
export const ASK_TAG = 1;
/** How the end of a container the application gave back is described. */
export const RELEASED_WORDS = 'was given back to YARN (no longer needed)';

export interface AllocatorOptions {
  /** Size of every container. */
  resource: Resource;
  /** YARN priority of the asks (lower is more important). Default 1. */
  priority?: number;
  /** Node label expression for the asks. */
  nodeLabel?: string;
  /**
   * How many failed containers the application tolerates; one more fails it. Failures caused by the
   * cluster (preemption, node loss, a kill we asked for) do not count.
   */
  maxFailures: number;
  /**
   * Whether a container that finished successfully is replaced (long-running executors) or counts as
   * work done (the distributed shell: each container runs its command once).
   */
  replaceSucceeded: boolean;
}

/** What happened to one container, in words the AM logs and reports (as its status document serves it). */
export type ContainerEvent = AmContainerEvent;

/** How a refusal names the containers and what to do, e.g. "executors", "lower --executor-memory". */
export interface SizeWords {
  noun: string;
  memoryAdvice: string;
  vcoresAdvice: string;
}

/** Why containers of `resource` cannot be granted under the cluster's `maximum`, or undefined. */
export function checkContainerSize(resource: Resource, maximum: Resource, words: SizeWords): string | undefined {
  if (resource.memoryMb > maximum.memoryMb) {
    return (
      `${words.noun} of ${resource.memoryMb} MB exceed the cluster maximum of ${maximum.memoryMb} MB ` +
      `(yarn.scheduler.maximum-allocation-mb); ${words.memoryAdvice}`
    );
  }
  if (resource.vcores > maximum.vcores) {
    return (
      `${words.noun} of ${resource.vcores} vcores exceed the cluster maximum of ${maximum.vcores} ` +
      `(yarn.scheduler.maximum-allocation-vcores); ${words.vcoresAdvice}`
    );
  }
  return undefined;
}

/** The allocator's counts are what the AM's status document reports. */
export type AllocatorCounts = AmContainerCounts;

interface Tracked {
  grant: ContainerGrant;
  started: boolean;
}

export class Allocator {
  private readonly options: Required<Omit<AllocatorOptions, 'nodeLabel'>> & { nodeLabel?: string };
  private target = 0;
  /** Containers we still want granted (what our ask row says). */
  private outstanding = 0;
  /** The rows as the RM has them: what we sent, lowered as it granted. */
  private readonly sent = new Map<string, number>();
  /** Whether the `*` row was ever sent (the first takeAsks sends it, 0 or not). */
  private anySent = false;
  /** Where the driver's active stages would like executors; undefined: anywhere. */
  private hints: LocalityHints | undefined;
  private readonly live = new Map<string, Tracked>();
  /** Containers given back that the RM has not yet reported complete. */
  private readonly releasing = new Map<string, Tracked>();
  private readonly releases: ContainerId[] = [];
  private readonly ended = new Set<string>();
  private succeeded = 0;
  private failures: ContainerEvent[] = [];
  private lost = 0;
  /** Nodes (`host:port`) to avoid, and the nodes seen in grants, by host. */
  private excluded = new Set<string>();
  private readonly nodesByHost = new Map<string, Set<string>>();
  /** Resource names on the RM's blacklist for us, as last sent. */
  private blacklisted = new Set<string>();
  private resendBlacklist = false;

  constructor(options: AllocatorOptions) {
    if (!Number.isInteger(options.maxFailures) || options.maxFailures < 0) {
      throw new RangeError(`maxFailures must be a whole number >= 0 (got ${options.maxFailures})`);
    }
    this.options = { priority: DEFAULT_PRIORITY, ...options };
  }

  /** Sets how many containers should exist (or, for run-once work, should run to success). */
  setTarget(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`target must be a whole number >= 0 (got ${n})`);
    this.target = n;
    this.rebalance();
  }

  /** Asks that changed since the last call: `*`, and host and rack rows when the driver gave hints. */
  takeAsks(): ResourceAsk[] {
    const wanted = this.wantedRows();
    const changed: ResourceAsk[] = [];
    for (const name of new Set([...wanted.keys(), ...this.sent.keys()])) {
      const count = wanted.get(name) ?? 0;
      if (count === (this.sent.get(name) ?? 0) && (name !== ANY_LOCATION || this.anySent)) continue;
      if (name === ANY_LOCATION) this.anySent = true;
      changed.push(this.askRow(name, count));
      if (count > 0) this.sent.set(name, count);
      else this.sent.delete(name);
    }
    return changed;
  }

  /** The full ask table, for re-sending after the RM lost our registration (resync). */
  allAsks(): ResourceAsk[] {
    this.resendBlacklist = true;
    this.sent.clear();
    this.anySent = true;
    const rows = [...this.wantedRows()];
    for (const [name, count] of rows) if (count > 0) this.sent.set(name, count);
    return rows.map(([name, count]) => this.askRow(name, count));
  }

  /**
   * Where the driver's active stages would like executors (undefined: anywhere). Only containers not
   * yet granted are steered; the rows change with the next takeAsks.
   */
  setLocality(hints: LocalityHints | undefined): void {
    this.hints = hints && hints.tasks > 0 ? hints : undefined;
  }

  /** The host rows the RM has now (host, containers wanted there), for logs. */
  preferredHosts(): [string, number][] {
    const hosts = this.hints?.hosts ?? {};
    return [...this.sent].filter(([name]) => Object.hasOwn(hosts, name)).sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /** Containers to give back, cleared by taking them. */
  takeReleases(): ContainerId[] {
    return this.releases.splice(0);
  }

  /**
   * Matches grants to outstanding asks. Returns the grants to launch; the rest are queued for release
   * (a grant we did not ask for, or one more than we still want).
   */
  onAllocated(grants: readonly ContainerGrant[]): ContainerGrant[] {
    const accepted: ContainerGrant[] = [];
    for (const grant of grants) {
      if (this.live.has(grant.id.text) || this.ended.has(grant.id.text)) continue;
      const onHost = this.nodesByHost.get(grant.nodeId.host) ?? new Set();
      this.nodesByHost.set(grant.nodeId.host, onHost.add(`${grant.nodeId.host}:${grant.nodeId.port}`));
      const ours = grant.allocationRequestId === ASK_TAG && grant.priority === this.options.priority;
      // The RM lowered its rows as it granted; ours follow, so nothing is re-sent.
      if (ours) lowerOnGrant(this.sent, grant.nodeId.host, rackOf(grant.nodeId.host, this.hints));
      if (!ours || this.outstanding === 0) {
        this.releases.push(grant.id);
        continue;
      }
      this.outstanding -= 1;
      this.live.set(grant.id.text, { grant, started: false });
      accepted.push(grant);
    }
    return accepted;
  }

  /** The NodeManager accepted startContainers for this container. */
  onStarted(containerId: string): void {
    const t = this.live.get(containerId);
    if (t) t.started = true;
  }

  /** startContainers failed: the container never ran. Counts as a failure. */
  onLaunchFailed(containerId: string, message: string): ContainerEvent | undefined {
    const t = this.live.get(containerId);
    if (!t) return undefined;
    this.live.delete(containerId);
    this.ended.add(containerId);
    this.releases.push(t.grant.id);
    const event: ContainerEvent = {
      containerId,
      host: t.grant.nodeId.host,
      node: `${t.grant.nodeId.host}:${t.grant.nodeId.port}`,
      nodeHttpAddress: t.grant.nodeHttpAddress,
      exitStatus: EXIT_STATUS_UNKNOWN,
      classification: classifyExit(EXIT_STATUS_UNKNOWN, message, { neverStarted: true }),
      diagnostics: message,
    };
    this.failures.push(event);
    this.rebalance();
    return event;
  }

  /**
   * Gives back a granted container the application no longer needs (after lowering the target, so
   * that no replacement is asked for). False if it is not ours or already ended.
   */
  release(containerId: string): boolean {
    const t = this.live.get(containerId);
    if (!t) return false;
    this.live.delete(containerId);
    this.releasing.set(containerId, t);
    this.releases.push(t.grant.id);
    this.rebalance();
    return true;
  }

  /** Classifies completed containers; returns one event per container we knew. */
  onCompleted(completions: readonly ContainerCompletion[]): ContainerEvent[] {
    const events: ContainerEvent[] = [];
    for (const c of completions) {
      const id = c.containerId.text;
      const released = this.releasing.get(id);
      const t = this.live.get(id) ?? released;
      if (!t) continue; // a released surplus grant, or reported twice
      this.live.delete(id);
      this.releasing.delete(id);
      this.ended.add(id);
      // Whatever the exit status (ABORTED for a release, 0 when the executor stopped first), we asked for it.
      const classification = released
        ? { ...classifyExit(c.exitStatus, c.diagnostics), countsAsFailure: false, description: RELEASED_WORDS }
        : classifyExit(c.exitStatus, c.diagnostics);
      const event: ContainerEvent = {
        containerId: id,
        host: t.grant.nodeId.host,
        node: `${t.grant.nodeId.host}:${t.grant.nodeId.port}`,
        nodeHttpAddress: t.grant.nodeHttpAddress,
        exitStatus: c.exitStatus,
        classification,
        diagnostics: c.diagnostics,
      };
      // A released container is neither work done nor a loss to replace.
      if (!released) {
        if (classification.kind === 'success') this.succeeded += 1;
        else if (classification.countsAsFailure) this.failures.push(event);
        else this.lost += 1;
      }
      events.push(event);
    }
    if (events.length > 0) this.rebalance();
    return events;
  }

  /** Why the application must fail, once failures exceed the limit. */
  failureReason(): string | undefined {
    if (this.failures.length <= this.options.maxFailures) return undefined;
    const last = this.failures[this.failures.length - 1]!;
    const where = last.host ? ` on ${last.host}` : '';
    return (
      `${this.failures.length} container failure(s), more than the ${this.options.maxFailures} allowed; ` +
      `last: ${last.containerId}${where} ${last.classification.description}` +
      (last.exitStatus !== EXIT_STATUS_UNKNOWN ? ` (exit status ${last.exitStatus})` : '')
    );
  }

  /** The nodes (`host:port`) to avoid from now on: the whole set; nodes left out are no longer avoided. */
  setExcludedNodes(nodes: readonly string[]): void {
    this.excluded = new Set(nodes);
  }

  excludedNodes(): string[] {
    return [...this.excluded].sort();
  }

  /**
   * Blacklist changes since the last call. A node goes as `host:port` (the RM's node name with
   * yarn.scheduler.include-port-in-node-name) and as its host (the name without it, the default),
   * unless a node seen on the same host is not excluded: blacklisting the host would avoid that one too.
   */
  takeBlacklist(): { additions: string[]; removals: string[] } {
    const names = new Set<string>();
    for (const node of this.excluded) {
      names.add(node);
      const host = node.slice(0, node.lastIndexOf(':'));
      if (host && [...(this.nodesByHost.get(host) ?? [])].every((n) => this.excluded.has(n))) names.add(host);
    }
    const additions = [...names].filter((n) => this.resendBlacklist || !this.blacklisted.has(n)).sort();
    const removals = [...this.blacklisted].filter((n) => !names.has(n)).sort();
    this.blacklisted = names;
    this.resendBlacklist = false;
    return { additions, removals };
  }

  /** Run-once work: every wanted container has succeeded. */
  isDone(): boolean {
    return !this.options.replaceSucceeded && this.succeeded >= this.target && this.target > 0;
  }

  /** Whether asks are outstanding (the heartbeat goes faster while they are). */
  hasPendingAsks(): boolean {
    return this.outstanding > 0;
  }

  counts(): AllocatorCounts {
    let running = 0;
    let launching = 0;
    for (const t of this.live.values()) t.started ? running++ : launching++;
    return {
      target: this.target,
      pending: this.outstanding,
      launching,
      running,
      succeeded: this.succeeded,
      failed: this.failures.length,
      lost: this.lost,
    };
  }

  /** Ids of containers currently granted (launching or running). */
  liveContainers(): ContainerGrant[] {
    return [...this.live.values()].map((t) => t.grant);
  }

  failureEvents(): readonly ContainerEvent[] {
    return this.failures;
  }

  private rebalance(): void {
    // Containers that still have to come into existence for the target to be met.
    let needed = this.target - this.live.size;
    if (!this.options.replaceSucceeded) needed -= this.succeeded;
    // Failed and lost containers are replaced; failureReason() ends the application past the limit.
    this.outstanding = Math.max(0, needed);
  }

  private wantedRows(): Map<string, number> {
    const liveByHost = new Map<string, number>();
    for (const t of this.live.values()) liveByHost.set(t.grant.nodeId.host, (liveByHost.get(t.grant.nodeId.host) ?? 0) + 1);
    return localityAsks({
      outstanding: this.outstanding,
      target: this.target,
      tasksPerExecutor: this.options.resource.vcores,
      liveByHost,
      hints: this.hints,
    });
  }

  private askRow(resourceName: string, count: number): ResourceAsk {
    return {
      allocationRequestId: ASK_TAG,
      priority: this.options.priority,
      resource: this.options.resource,
      count,
      resourceName,
      relaxLocality: true,
      ...(this.options.nodeLabel ? { nodeLabel: this.options.nodeLabel } : {}),
    };
  }
}
