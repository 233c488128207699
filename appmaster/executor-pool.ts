import type { JobSpec } from '../protocols/job-spec/index.js';
import { createCredentials, parseCredentials, serializeCredentials } from '../protocols/credentials/index.js';
import { APP_SECRET_ALIAS } from '../protocols/driver-executor/index.js';
import {
  containerCommandWord,
  EXIT_STATUS_UNKNOWN,
  type ContainerGrant,
  type LaunchContext,
  type RegisterResult,
} from '../protocols/yarn/index.js';
import { Allocator, checkContainerSize, type ContainerEvent } from './allocator.js';
import type { LocalityHints } from './locality-asks.js';
import type { TickResult } from './heartbeat.js';
import type { Launches } from './launches.js';
import type { RmClient } from './rm-client.js';

/**
 * The executors of a job, on the AM's side: how many the driver wants (an Allocator with
 * replaceSucceeded, since executors are long-running), launching each granted container with the
 * executor runtime and the job bundle, and telling the driver which executor started or was lost.
 * Failed executors are replaced until more than `maxExecutorFailures` have failed. With dynamic
 * allocation the driver also gives executors back (`release`): their containers are released, and
 * their ends are recorded but not reported to the driver as losses.
 */

/** What the pool tells the driver. */
export type ExecutorEvent =
  | { type: 'executor-launched'; executorId: string; containerId: string; host: string; node: string }
  | { type: 'executor-lost'; executorId: string; containerId: string; description: string; countsAsFailure: boolean };

export interface ExecutorPoolOptions {
  job: JobSpec;
  /** The job bundle's name in the executors' working directory. */
  jobBundle: string;
  rm: Pick<RmClient, 'allocate'>;
  /** Starts the containers and records them (status document, containers.jsonl, log). */
  launches: Launches;
  /** HDTS credentials for executor containers (delegation tokens; no AMRMToken). */
  containerTokens: () => Buffer;
  /** The application secret, added to the executors' credentials as a secret key. */
  secret: Buffer;
  /** The host executors reach the driver at. */
  driverHost: string;
  onEvent: (event: ExecutorEvent) => void;
  /** The AM's log. */
  log?: (message: string) => void;
  /**
   * The RM names nodes `host:port` (yarn.scheduler.include-port-in-node-name): no request names a
   * host, since none would match; the driver still places tasks on executors near their input.
   */
  nodeNamesWithPort?: boolean;
}

/** Adds the application secret to serialized container credentials. */
export function credentialsWithSecret(tokens: Buffer, secret: Buffer): Buffer {
  const creds = parseCredentials(tokens);
  return serializeCredentials(createCredentials(creds.tokens, [...creds.secrets, [APP_SECRET_ALIAS, secret]]));
}

/** Why executors of this size cannot be granted, or undefined. */
export function checkExecutorSize(job: JobSpec, reg: RegisterResult): string | undefined {
  const size = { memoryMb: job.executorMemoryMb, vcores: job.executorVcores };
  const words = { noun: 'executors', memoryAdvice: 'lower --executor-memory', vcoresAdvice: 'lower --executor-cores' };
  return checkContainerSize(size, reg.maximumCapability, words);
}

/** What one heartbeat of the pool decided: the next pace, a failure that ends the job, an RM command. */
export interface PoolTick {
  next: TickResult;
  failure?: string;
  amCommand?: string;
}

export class ExecutorPool {
  readonly allocator: Allocator;
  private driverPort: number | undefined;
  private wanted = 0;
  private nextExecutorId = 1;
  private readonly executorOf = new Map<string, string>();
  private readonly containerOf = new Map<string, string>();
  /** Containers given back whose end the RM has not reported yet. */
  private readonly released = new Set<string>();
  /** The preferred hosts last logged. */
  private loggedHosts = '';
  /** Whether the log said why no request names hosts (nodeNamesWithPort). */
  private toldPortNames = false;

  constructor(private readonly options: ExecutorPoolOptions) {
    this.allocator = new Allocator({
      resource: { memoryMb: options.job.executorMemoryMb, vcores: options.job.executorVcores },
      maxFailures: options.job.maxExecutorFailures,
      replaceSucceeded: true,
    });
  }

  /** The driver listens: executors can be launched from now on. */
  setDriverPort(port: number): void {
    this.driverPort = port;
    this.allocator.setTarget(this.wanted);
  }

  /** The driver wants `count` executors. */
  request(count: number): void {
    this.wanted = Math.max(0, Math.floor(count));
    if (this.driverPort !== undefined) this.allocator.setTarget(this.wanted);
  }

  /**
   * The driver no longer uses these executors: the target becomes `count` first (so that nothing
   * replaces them), then their containers go back to YARN with the next heartbeat.
   */
  release(executorIds: readonly string[], count: number): void {
    this.request(count);
    for (const executorId of executorIds) {
      const containerId = this.containerOf.get(executorId);
      if (containerId === undefined || !this.allocator.release(containerId)) continue;
      this.released.add(containerId);
      this.options.log?.(`releasing executor ${executorId} (${containerId}): the driver no longer needs it; ${count} executor(s) wanted`);
    }
  }

  /** The driver's nodes to avoid (`host:port`, the whole set): YARN is asked for no containers there. */
  excludeNodes(nodes: readonly string[]): void {
    const before = this.allocator.excludedNodes();
    this.allocator.setExcludedNodes(nodes);
    const now = this.allocator.excludedNodes();
    if (before.join() !== now.join()) this.options.log?.(`nodes to avoid (excluded by the driver): ${now.join(', ') || 'none'}`);
  }

  /** Where the driver's running stages would like executors: containers not yet granted are asked for there. */
  setLocality(hints: LocalityHints): void {
    if (this.options.nodeNamesWithPort) {
      if (hints.tasks > 0 && !this.toldPortNames) {
        this.toldPortNames = true;
        this.options.log?.(
          'executors are asked for anywhere: the ResourceManager names its nodes with their ports ' +
            '(yarn.scheduler.include-port-in-node-name), so a request naming the hosts holding the input would match no node',
        );
      }
      return;
    }
    this.allocator.setLocality(hints);
  }

  /** One heartbeat: asks, grants, launches, completions. Returns the next pace, or why the job must fail. */
  async tick(progress: number): Promise<PoolTick> {
    const asks = this.allocator.takeAsks();
    if (asks.some((a) => a.count > 0)) this.options.launches.asked();
    this.logPreferredHosts();
    const { additions, removals } = this.allocator.takeBlacklist();
    const result = await this.options.rm.allocate({
      progress,
      asks,
      releases: this.allocator.takeReleases(),
      ...(additions.length ? { blacklistAdditions: additions } : {}),
      ...(removals.length ? { blacklistRemovals: removals } : {}),
    });
    if (result.amCommand) return { next: 'stop', amCommand: result.amCommand };
    for (const grant of this.allocator.onAllocated(result.allocated)) this.launch(grant);
    for (const event of this.allocator.onCompleted(result.completed)) {
      this.options.launches.ended(event, `executor ${this.executorOf.get(event.containerId) ?? '?'}`);
      // The driver let a released executor go before asking for the release.
      if (!this.released.delete(event.containerId)) this.lost(event);
    }
    const failure = this.allocator.failureReason();
    if (failure) return { next: 'idle', failure: `too many executor failures: ${failure}` };
    // Spark's AM gives up the same way: no container asked for can ever come.
    const excluded = this.allocator.excludedNodes();
    if (this.allocator.hasPendingAsks() && result.numClusterNodes > 0 && excluded.length >= result.numClusterNodes) {
      return {
        next: 'idle',
        failure: `every node of the cluster is excluded after repeated task failures (${excluded.join(', ')}), so no executor can start`,
      };
    }
    const c = this.allocator.counts();
    return { next: c.pending > 0 || c.launching > 0 ? 'fast' : 'idle' };
  }

  /** Says which hosts the executors still wanted are asked for on, when that changes. */
  private logPreferredHosts(): void {
    const hosts = this.allocator.preferredHosts();
    const text = hosts.map(([h, n]) => `${h} (${n})`).join(', ');
    if (text === this.loggedHosts) return;
    this.loggedHosts = text;
    const pending = this.allocator.counts().pending;
    this.options.log?.(
      text
        ? `asking YARN for ${pending} executor(s) preferably on the hosts holding the input: ${text} ` +
            '(relaxed locality: elsewhere when those hosts have no room)'
        : `asking YARN for ${pending} executor(s) anywhere (no preferred hosts)`,
    );
  }

  private launchContext(executorId: string): LaunchContext {
    const { job, jobBundle, driverHost } = this.options;
    const node = job.nodeBinary ?? 'node';
    return {
      localResources: job.localResources,
      environment: { ...job.environment, SPINDLE_EXECUTOR_ID: executorId },
      commands: [
        `${containerCommandWord(node)} ${heapFlags(job.executorHeapMb)} --enable-source-maps ${job.executorBundle}` +
          ` --driver ${driverHost}:${this.driverPort} --executor-id ${executorId} --cores ${job.executorVcores} --job ${jobBundle}` +
          (job.cacheMemoryMb !== undefined ? ` --cache-memory-mb ${job.cacheMemoryMb}` : '') +
          ' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr',
      ],
      // The freshest tokens: a long job's AM replaces its HDFS delegation token as it goes.
      tokens: credentialsWithSecret(this.options.containerTokens(), this.options.secret),
    };
  }

  private launch(grant: ContainerGrant): void {
    const executorId = String(this.nextExecutorId++);
    const containerId = grant.id.text;
    this.executorOf.set(containerId, executorId);
    this.containerOf.set(executorId, containerId);
    this.options.launches.launch(this.allocator, grant, this.launchContext(executorId), {
      name: `executor ${executorId}`,
      started: () =>
        this.options.onEvent({
          type: 'executor-launched',
          executorId,
          containerId,
          host: grant.nodeId.host,
          node: `${grant.nodeId.host}:${grant.nodeId.port}`,
        }),
      failed: (event) => this.lost(event),
    });
  }

  /** Tells the driver an executor is gone (its end is already recorded). */
  private lost(event: ContainerEvent): void {
    const executorId = this.executorOf.get(event.containerId) ?? '?';
    const code = event.exitStatus === EXIT_STATUS_UNKNOWN ? '' : ` (exit status ${event.exitStatus})`;
    this.options.onEvent({
      type: 'executor-lost',
      executorId,
      containerId: event.containerId,
      description: `${event.classification.description}${code}`,
      countsAsFailure: event.classification.countsAsFailure,
    });
  }
}

/**
 * V8 heap flags for an executor: the old-space limit, and for small heaps a smaller young
 * generation (three semi-spaces of 16 MB by default, outside the old-space limit). With 256 MB
 * containers this took an aggregating shuffle's peak RSS from 251 to 196 MB at the same speed.
 */
export function heapFlags(heapMb: number): string {
  const semiSpaceMb = Math.max(2, Math.min(16, Math.floor(heapMb / 32)));
  return `--max-old-space-size=${heapMb}${semiSpaceMb < 16 ? ` --max-semi-space-size=${semiSpaceMb}` : ''}`;
}
