import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTAINER_LIST_FILE, SHELL_SCRIPT_FILE, type AppSpec } from '../protocols/app-spec/index.js';
import { EXIT_STATUS_UNKNOWN, type ContainerGrant, type FinalStatus, type LaunchContext, type RegisterResult, type ResourceAsk } from '../protocols/yarn/index.js';
import { Allocator, type ContainerEvent } from './allocator.js';
import { DriverProcess, type DriverExit } from './driver-process.js';
import { newAppSecret } from '../protocols/driver-executor/index.js';
import { checkExecutorSize, ExecutorPool } from './executor-pool.js';
import type { AmEnvironment } from './environment.js';
import type { Heartbeat } from './heartbeat.js';
import type { Launcher } from './launcher.js';
import type { RmClient } from './rm-client.js';
import { StatusServer } from './status-server.js';

/**
 * The ApplicationMaster: register, keep the right number of containers running until the work is
 * done or has failed too often, then unregister with the final status. `run()` reads top to bottom
 * as the start-up script; the parts it calls own the wire (rm-client), the bookkeeping (allocator),
 * the timing (heartbeat) and the NodeManagers (launcher).
 */

export interface AmOutcome {
  finalStatus: FinalStatus;
  diagnostics: string;
}

export interface ApplicationMasterDeps {
  spec: AppSpec;
  env: AmEnvironment;
  rm: RmClient;
  launcher: Launcher;
  heartbeat: Heartbeat;
  /** Environment for the driver process (the AM's own, minus nothing: it runs in the same container). */
  childEnv: Record<string, string | undefined>;
  /** HDTS bytes handed to every container (the AM's credentials without the AMRMToken). */
  containerTokens: Buffer;
  log: (message: string) => void;
}

export class ApplicationMaster {
  private allocator: Allocator | undefined;
  private readonly startedAt = Date.now();
  private registeredAt: number | undefined;
  private firstRunningAt: number | undefined;
  private askedAt: number | undefined;
  /** ms from the first ask to each container's start, for the metrics line and the benchmark. */
  private readonly startLatencies: number[] = [];
  private readonly events: ContainerEvent[] = [];
  private readonly launches = new Set<Promise<void>>();
  private state = 'starting';
  private statusServer: StatusServer | undefined;
  /** The driver's latest progress snapshot (job mode). */
  private jobStatus: unknown;

  constructor(private readonly deps: ApplicationMasterDeps) {}

  /** Runs the application until done, failed, or `signal` aborts (a kill). */
  async run(signal: AbortSignal): Promise<AmOutcome> {
    const { spec, env, rm, log } = this.deps;
    const shell = spec.shell;
    const status = new StatusServer(() => this.status());
    this.statusServer = status;
    const port = await status.start();
    const trackingUrl = `http://${env.host}:${port}/`;
    try {
      const registration = await rm.register({ host: env.host, rpcPort: 0, trackingUrl });
      this.registeredAt = Date.now();
      this.state = 'running';
      log(`registered with the ResourceManager at ${rm.server} (SASL protection ${rm.qop ?? 'unknown'}); tracking URL ${trackingUrl}`);
      if (spec.driver && spec.job) return await this.runJob(signal, registration);
      if (spec.driver) return await this.runDriver(signal);
      if (!shell) return this.ending({ finalStatus: 'succeeded', diagnostics: 'nothing to run' });
      const tooBig = checkSize(shell.memoryMb, shell.vcores, registration);
      if (tooBig) return this.ending({ finalStatus: 'failed', diagnostics: tooBig });

      const allocator = new Allocator({
        resource: { memoryMb: shell.memoryMb, vcores: shell.vcores },
        maxFailures: shell.maxFailures,
        replaceSucceeded: false,
        ...(shell.priority !== undefined ? { priority: shell.priority } : {}),
        ...(shell.nodeLabel ? { nodeLabel: shell.nodeLabel } : {}),
      });
      this.allocator = allocator;
      allocator.setTarget(shell.containers);
      const launch = this.launchContext();
      let outcome: AmOutcome | undefined;

      await this.deps.heartbeat.run(async () => {
        const counts = allocator.counts();
        const asks = allocator.takeAsks();
        if (asks.some((a) => a.count > 0)) this.askedAt ??= Date.now();
        const result = await rm.allocate({
          progress: counts.target === 0 ? 0 : counts.succeeded / counts.target,
          asks,
          releases: allocator.takeReleases(),
        });
        if (result.amCommand) {
          outcome = { finalStatus: 'failed', diagnostics: `the ResourceManager asked the AM to ${result.amCommand}` };
          return 'stop';
        }
        for (const grant of allocator.onAllocated(result.allocated)) this.launchInBackground(grant, launch);
        for (const event of allocator.onCompleted(result.completed)) this.record(event);
        const failure = allocator.failureReason();
        if (failure) {
          outcome = { finalStatus: 'failed', diagnostics: failure };
          return 'stop';
        }
        if (allocator.isDone()) {
          outcome = { finalStatus: 'succeeded', diagnostics: `all ${shell.containers} container(s) exited 0` };
          return 'stop';
        }
        // Run-once commands: their completions are what the user waits for, so poll fast while any live.
        const c = allocator.counts();
        return c.pending > 0 || c.launching > 0 || c.running > 0 ? 'fast' : 'idle';
      }, signal);

      if (signal.aborted) return this.ending({ finalStatus: 'killed', diagnostics: 'the application was killed' });
      return this.ending(outcome ?? { finalStatus: 'failed', diagnostics: 'the AM stopped without an outcome' });
    } finally {
      await Promise.allSettled([...this.launches]);
    }
  }

  /** Stops the tracking-URL server; called after unregistering, so clients can read the final status. */
  async close(): Promise<void> {
    await this.statusServer?.close();
  }

  /**
   * `spindle submit`: the driver program runs beside the AM, which keeps heartbeating (the RM expires
   * silent AMs) until the driver exits; its exit code decides the final status.
   */
  private async runDriver(signal: AbortSignal): Promise<AmOutcome> {
    const { spec, rm } = this.deps;
    const driver = new DriverProcess(spec.driver!, this.deps.childEnv);
    let exit: DriverExit | undefined;
    const finished = driver.run().then((e) => {
      exit = e;
      this.deps.heartbeat.wake();
    });
    const onKill = (): void => driver.kill('SIGTERM');
    signal.addEventListener('abort', onKill, { once: true });
    try {
      await this.deps.heartbeat.run(async () => {
        if (exit) return 'stop';
        await rm.allocate({ progress: 0, asks: [], releases: [] });
        return exit ? 'stop' : 'idle';
      }, signal);
    } catch (err) {
      // Without heartbeats the RM would expire us: stop the driver rather than leave it orphaned.
      driver.kill('SIGTERM');
      throw err;
    } finally {
      signal.removeEventListener('abort', onKill);
    }
    await finished;
    if (signal.aborted) return this.ending({ finalStatus: 'killed', diagnostics: 'the application was killed' });
    return this.driverOutcome(exit!);
  }

  private driverOutcome(e: DriverExit): AmOutcome {
    this.deps.log(`the driver exited with ${e.signal ? `signal ${e.signal}` : `code ${e.code}`}`);
    if (e.code === 0) return this.ending({ finalStatus: 'succeeded', diagnostics: 'the driver exited with code 0' });
    const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
    const tail = e.stderrTail.length ? `; last lines of its stderr:\n${e.stderrTail.join('\n')}` : '';
    return this.ending({ finalStatus: 'failed', diagnostics: `the driver ${how}${tail}` });
  }

  /**
   * A job: the driver runtime runs the job's main; this AM keeps the executors it asks for (see
   * ExecutorPool) and tells it which start and which are lost. Too many executor failures abort the
   * job (the driver is told, then stopped if it does not end); otherwise the driver's exit code
   * decides the final status.
   */
  private async runJob(signal: AbortSignal, registration: RegisterResult): Promise<AmOutcome> {
    const { spec, rm, log, heartbeat } = this.deps;
    const job = spec.job!;
    const tooBig = checkExecutorSize(job, registration);
    if (tooBig) return this.ending({ finalStatus: 'failed', diagnostics: tooBig });
    const secret = newAppSecret();
    const driver = new DriverProcess(spec.driver!, this.deps.childEnv, { runtime: job.driverBundle });
    const pool = new ExecutorPool({
      job,
      jobBundle: spec.driver!.script,
      rm,
      launcher: this.deps.launcher,
      containerTokens: this.deps.containerTokens,
      secret,
      driverHost: this.deps.env.host,
      onEvent: (event) => driver.send(event),
      onContainerEvent: (event) => this.events.push(event),
      wake: () => heartbeat.wake(),
      log,
    });
    this.allocator = pool.allocator;
    driver.onMessage((m) => {
      if (m.type === 'ready') pool.setDriverPort(m.port);
      else if (m.type === 'request-executors') pool.request(m.count);
      else if (m.type === 'status') this.jobStatus = m.status;
      heartbeat.wake();
    });
    let exit: DriverExit | undefined;
    const finished = driver.run().then((e) => {
      exit = e;
      heartbeat.wake();
    });
    driver.send({
      type: 'init',
      secret,
      appId: spec.appId,
      host: this.deps.env.host,
      nameNodes: spec.cluster.nameNodes,
      user: spec.user,
      job: { executors: job.executors, executorCores: job.executorCores, maxTaskAttempts: job.maxTaskAttempts },
    });
    const onKill = (): void => driver.kill('SIGTERM');
    signal.addEventListener('abort', onKill, { once: true });
    let aborted: string | undefined;
    let amCommand: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    try {
      await heartbeat.run(async () => {
        if (exit) return 'stop';
        const r = await pool.tick(0);
        if (r.amCommand) {
          amCommand = r.amCommand;
          driver.kill('SIGTERM');
          return 'stop';
        }
        if (r.failure && !aborted) {
          aborted = r.failure;
          log(aborted);
          driver.send({ type: 'abort', reason: aborted });
          // The driver should end on its own once its actions fail; if not, stop it.
          killTimer = setTimeout(() => driver.kill('SIGTERM'), ABORT_GRACE_MS);
        }
        return exit ? 'stop' : r.next;
      }, signal);
    } catch (err) {
      driver.kill('SIGTERM');
      throw err;
    } finally {
      signal.removeEventListener('abort', onKill);
    }
    await finished;
    if (killTimer) clearTimeout(killTimer);
    await pool.settle();
    if (signal.aborted) return this.ending({ finalStatus: 'killed', diagnostics: 'the application was killed' });
    if (amCommand) return this.ending({ finalStatus: 'failed', diagnostics: `the ResourceManager asked the AM to ${amCommand}` });
    if (aborted) return this.ending({ finalStatus: 'failed', diagnostics: aborted });
    return this.driverOutcome(exit!);
  }

  /** The full ask table, re-sent after the RM lost our registration. */
  resyncAsks(): ResourceAsk[] {
    return this.allocator?.allAsks() ?? [];
  }

  /** A snapshot for the tracking URL. */
  status(): Record<string, unknown> {
    return {
      appId: this.deps.spec.appId,
      name: this.deps.spec.name,
      state: this.state,
      containers: this.allocator?.counts(),
      timeline: {
        amStarted: this.startedAt,
        registered: this.registeredAt,
        firstContainerRunning: this.firstRunningAt,
      },
      events: this.events.slice(-50),
      ...(this.jobStatus !== undefined ? { job: this.jobStatus } : {}),
    };
  }

  private ending(outcome: AmOutcome): AmOutcome {
    this.state = outcome.finalStatus;
    // One machine-readable line for `spindle` and bench/: when things happened, and what it cost us.
    const metrics = {
      amStarted: this.startedAt,
      registered: this.registeredAt,
      firstAsk: this.askedAt,
      firstContainerRunning: this.firstRunningAt,
      containerStartMs: this.startLatencies,
      maxRssKb: process.resourceUsage().maxRSS,
    };
    this.deps.log(`metrics ${JSON.stringify(metrics)}`);
    return outcome;
  }

  private launchContext(): LaunchContext {
    const shell = this.deps.spec.shell!;
    return {
      localResources: shell.localResources,
      environment: { ...shell.environment, SPINDLE_APP_ID: this.deps.spec.appId },
      commands: [`/bin/bash ./${SHELL_SCRIPT_FILE} 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`],
      tokens: this.deps.containerTokens,
    };
  }

  private launchInBackground(grant: ContainerGrant, launch: LaunchContext): void {
    const { log } = this.deps;
    const p = this.deps.launcher
      .launch(grant, launch)
      .then(() => {
        const now = Date.now();
        this.firstRunningAt ??= now;
        if (this.askedAt !== undefined) this.startLatencies.push(now - this.askedAt);
        this.allocator?.onStarted(grant.id.text);
        log(`started ${grant.id.text} on ${grant.nodeId.host}:${grant.nodeId.port}`);
        this.recordContainer({ event: 'started', containerId: grant.id.text, node: `${grant.nodeId.host}:${grant.nodeId.port}`, nodeHttpAddress: grant.nodeHttpAddress, at: now });
      })
      .catch((err: unknown) => {
        const event = this.allocator?.onLaunchFailed(grant.id.text, (err as Error).message);
        if (event) this.record(event);
      })
      .finally(() => {
        this.launches.delete(p);
        this.deps.heartbeat.wake();
      });
    this.launches.add(p);
  }

  /**
   * Appends to `containers.jsonl` in the AM's log directory, so `spindle logs` can find every container of
   * a finished application (the RM forgets them) through the NodeManager that served the AM.
   */
  private recordContainer(entry: Record<string, unknown>): void {
    const dir = this.deps.env.logDirs[0];
    if (!dir) return;
    try {
      appendFileSync(join(dir, CONTAINER_LIST_FILE), `${JSON.stringify(entry)}\n`);
    } catch (err) {
      this.deps.log(`could not write ${CONTAINER_LIST_FILE}: ${(err as Error).message}`);
    }
  }

  private record(event: ContainerEvent): void {
    this.recordContainer({ event: 'ended', containerId: event.containerId, node: event.node, nodeHttpAddress: event.nodeHttpAddress, exitStatus: event.exitStatus, at: Date.now() });
    this.events.push(event);
    const code = event.exitStatus === EXIT_STATUS_UNKNOWN ? '' : ` (exit status ${event.exitStatus})`;
    this.deps.log(`${event.containerId} on ${event.host ?? '?'}: ${event.classification.description}${code}`);
  }
}

/** How long an aborted job's driver may take to end before it is stopped. */
const ABORT_GRACE_MS = 15_000;

function checkSize(memoryMb: number, vcores: number, reg: RegisterResult): string | undefined {
  const max = reg.maximumCapability;
  if (memoryMb > max.memoryMb) {
    return `containers of ${memoryMb} MB exceed the cluster maximum of ${max.memoryMb} MB (yarn.scheduler.maximum-allocation-mb); ask for less with --memory`;
  }
  if (vcores > max.vcores) {
    return `containers of ${vcores} vcores exceed the cluster maximum of ${max.vcores} (yarn.scheduler.maximum-allocation-vcores); ask for fewer with --vcores`;
  }
  return undefined;
}
