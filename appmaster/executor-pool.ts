import type { JobSpec } from '../protocols/app-spec/index.js';
import { createCredentials, parseCredentials, serializeCredentials } from '../protocols/credentials/index.js';
import { APP_SECRET_ALIAS } from '../protocols/driver-executor/index.js';
import { EXIT_STATUS_UNKNOWN, type ContainerGrant, type LaunchContext, type RegisterResult } from '../protocols/yarn/index.js';
import { Allocator, type ContainerEvent } from './allocator.js';
import type { TickResult } from './heartbeat.js';
import type { Launcher } from './launcher.js';
import type { RmClient } from './rm-client.js';

/**
 * The executors of a job, on the AM's side: how many the driver wants (an Allocator with
 * replaceSucceeded, since executors are long-running), launching each granted container with the
 * executor runtime and the job bundle, and telling the driver which executor started or was lost.
 * Failed executors are replaced until more than `maxExecutorFailures` have failed.
 */

/** What the pool tells the driver. */
export type ExecutorEvent =
  | { type: 'executor-launched'; executorId: string; containerId: string; host: string }
  | { type: 'executor-lost'; executorId: string; containerId: string; description: string; countsAsFailure: boolean };

export interface ExecutorPoolOptions {
  job: JobSpec;
  /** The job bundle's name in the executors' working directory. */
  jobBundle: string;
  rm: RmClient;
  launcher: Launcher;
  /** HDTS credentials for executor containers (delegation tokens; no AMRMToken). */
  containerTokens: Buffer;
  /** The application secret, added to the executors' credentials as a secret key. */
  secret: Buffer;
  /** The host executors reach the driver at. */
  driverHost: string;
  onEvent: (event: ExecutorEvent) => void;
  /** Every finished executor container, classified (for the AM's status page). */
  onContainerEvent?: (event: ContainerEvent) => void;
  /** A launch finished: the next heartbeat should come soon. */
  wake: () => void;
  log: (message: string) => void;
}

/** Adds the application secret to serialized container credentials. */
export function credentialsWithSecret(tokens: Buffer, secret: Buffer): Buffer {
  const creds = parseCredentials(tokens);
  return serializeCredentials(createCredentials(creds.tokens, [...creds.secrets, [APP_SECRET_ALIAS, secret]]));
}

/** Why executors of this size cannot be granted, or undefined. */
export function checkExecutorSize(job: JobSpec, reg: RegisterResult): string | undefined {
  const max = reg.maximumCapability;
  if (job.executorMemoryMb > max.memoryMb) {
    return `executors of ${job.executorMemoryMb} MB exceed the cluster maximum of ${max.memoryMb} MB (yarn.scheduler.maximum-allocation-mb); lower --executor-memory`;
  }
  if (job.executorCores > max.vcores) {
    return `executors of ${job.executorCores} vcores exceed the cluster maximum of ${max.vcores} (yarn.scheduler.maximum-allocation-vcores); lower --executor-cores`;
  }
  return undefined;
}

export class ExecutorPool {
  readonly allocator: Allocator;
  private driverPort: number | undefined;
  private wanted = 0;
  private nextExecutorId = 1;
  private readonly executorOf = new Map<string, string>();
  private readonly launches = new Set<Promise<void>>();
  private readonly tokens: Buffer;

  constructor(private readonly options: ExecutorPoolOptions) {
    this.allocator = new Allocator({
      resource: { memoryMb: options.job.executorMemoryMb, vcores: options.job.executorCores },
      maxFailures: options.job.maxExecutorFailures,
      replaceSucceeded: true,
    });
    this.tokens = credentialsWithSecret(options.containerTokens, options.secret);
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

  /** One heartbeat: asks, grants, launches, completions. Returns the next pace, or why the job must fail. */
  async tick(progress: number): Promise<{ next: TickResult; failure?: string; amCommand?: string }> {
    const result = await this.options.rm.allocate({
      progress,
      asks: this.allocator.takeAsks(),
      releases: this.allocator.takeReleases(),
    });
    if (result.amCommand) return { next: 'stop', amCommand: result.amCommand };
    for (const grant of this.allocator.onAllocated(result.allocated)) this.launch(grant);
    for (const event of this.allocator.onCompleted(result.completed)) this.completed(event);
    const failure = this.allocator.failureReason();
    if (failure) return { next: 'idle', failure: `too many executor failures: ${failure}` };
    const c = this.allocator.counts();
    return { next: c.pending > 0 || c.launching > 0 ? 'fast' : 'idle' };
  }

  /** Waits for launches in flight (at the end). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.launches]);
  }

  private launchContext(executorId: string): LaunchContext {
    const { job, jobBundle, driverHost } = this.options;
    const node = job.nodeBinary ?? 'node';
    return {
      localResources: job.localResources,
      environment: { ...job.environment, SPINDLE_EXECUTOR_ID: executorId },
      commands: [
        `${node} ${heapFlags(job.executorHeapMb)} --enable-source-maps ${job.executorBundle}` +
          ` --driver ${driverHost}:${this.driverPort} --executor-id ${executorId} --cores ${job.executorCores} --job ${jobBundle}` +
          ' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr',
      ],
      tokens: this.tokens,
    };
  }

  private launch(grant: ContainerGrant): void {
    const executorId = String(this.nextExecutorId++);
    const containerId = grant.id.text;
    this.executorOf.set(containerId, executorId);
    const p = this.options.launcher
      .launch(grant, this.launchContext(executorId))
      .then(() => {
        this.allocator.onStarted(containerId);
        this.options.log(`executor ${executorId} started in ${containerId} on ${grant.nodeId.host}:${grant.nodeId.port}`);
        this.options.onEvent({ type: 'executor-launched', executorId, containerId, host: grant.nodeId.host });
      })
      .catch((err: unknown) => {
        const event = this.allocator.onLaunchFailed(containerId, (err as Error).message);
        if (event) this.completed(event);
      })
      .finally(() => {
        this.launches.delete(p);
        this.options.wake();
      });
    this.launches.add(p);
  }

  private completed(event: ContainerEvent): void {
    this.options.onContainerEvent?.(event);
    const executorId = this.executorOf.get(event.containerId) ?? '?';
    const code = event.exitStatus === EXIT_STATUS_UNKNOWN ? '' : ` (exit status ${event.exitStatus})`;
    this.options.log(`executor ${executorId} in ${event.containerId} on ${event.host ?? '?'}: ${event.classification.description}${code}`);
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
