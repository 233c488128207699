import { parseJobProgress, type AmJobProgress } from '../../protocols/am-status/index.js';
import type { AppSpec, DriverSpec } from '../../protocols/app-spec/index.js';
import type { JobSpec } from '../../protocols/job-spec/index.js';
import type { LogEvent } from '../../protocols/event-log/index.js';
import { newAppSecret } from '../../protocols/driver-executor/index.js';
import type { RegisterResult } from '../../protocols/yarn/index.js';
import type { Allocator } from '../allocator.js';
import { DriverProcess, type DriverExit } from '../driver-process.js';
import { checkExecutorSize, ExecutorPool, type PoolTick } from '../executor-pool.js';
import type { TokenFeed } from '../container-credentials.js';
import type { Heartbeat } from '../heartbeat.js';
import type { Launches } from '../launches.js';
import type { RmClient } from '../rm-client.js';
import { amCommandOutcome, type AmOutcome, type Workload } from './workload.js';

/** V8's last words when the heap is exhausted. */
const V8_HEAP_OOM = /FATAL ERROR: .*JavaScript heap out of memory/;

/** How long an aborted job's driver may take to end before it is stopped. */
export const ABORT_GRACE_MS = 15_000;

export interface DriverWorkloadDeps {
  spec: Pick<AppSpec, 'appId' | 'user' | 'cluster' | 'stagingDir'> & Partial<Pick<AppSpec, 'maxAttempts'>>;
  /** This AM attempt (1-based), from the container id. */
  attemptId?: number;
  rm: Pick<RmClient, 'allocate'>;
  heartbeat: Pick<Heartbeat, 'run' | 'wake'>;
  launches: Launches;
  /** The host executors reach the driver at (the AM's). */
  host: string;
  /** Environment for the driver process (it runs in the AM's container). */
  childEnv: Record<string, string | undefined>;
  /** HDTS credentials for executor containers (delegation tokens; no AMRMToken). */
  containerTokens: () => Buffer;
  /** Fresh HDFS delegation tokens the AM obtains with a keytab, handed on to the driver; absent without. */
  hdfsTokens?: TokenFeed;
  /** The driver's event-log records as they come (for the web UI); absent: dropped. */
  onEvents?: (events: LogEvent[]) => void;
  log: (message: string) => void;
}

/** Waits for `ended`, at most `ms`. */
async function endedWithin(ended: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** One heartbeat's news for the supervision loop. */

/**
 * A driver program running beside the AM, which keeps heartbeating (the RM expires silent AMs) until
 * the driver exits; its exit code decides the final status.
 *
 * With a job (`spindle submit` of a job module) the driver runtime runs the job's main, and this
 * workload keeps the executors it asks for (ExecutorPool), telling it which start and which are lost.
 * Too many executor failures abort the job: the driver is told, then stopped if it does not end.
 * Without a job (a plain script) the heartbeats ask for nothing.
 */
export class DriverWorkload implements Workload {
  private pool: ExecutorPool | undefined;
  private jobProgress: AmJobProgress | undefined;

  constructor(
    private readonly driverSpec: DriverSpec,
    private readonly job: JobSpec | undefined,
    private readonly deps: DriverWorkloadDeps,
  ) {}

  allocator(): Allocator | undefined {
    return this.pool?.allocator;
  }

  progress(): AmJobProgress | undefined {
    return this.jobProgress;
  }

  async run(registration: RegisterResult, signal: AbortSignal): Promise<AmOutcome> {
    const { job } = this;
    const { heartbeat, log } = this.deps;
    if (job) {
      const tooBig = checkExecutorSize(job, registration);
      if (tooBig) return { finalStatus: 'failed', diagnostics: tooBig };
    }
    const driver = new DriverProcess(this.driverSpec, this.deps.childEnv, job ? { runtime: job.driverBundle } : {});
    const secret = newAppSecret();
    const pool = job ? this.startJob(job, driver, secret) : undefined;
    let exit: DriverExit | undefined;
    const finished = driver.run().then((e) => {
      exit = e;
      heartbeat.wake();
    });
    if (job) this.sendInit(job, driver, secret);

    const onKill = (): void => driver.kill('SIGTERM');
    signal.addEventListener('abort', onKill, { once: true });
    let aborted: string | undefined;
    let amCommand: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    try {
      await heartbeat.run(async () => {
        if (exit) return 'stop';
        const beat = pool ? await pool.tick(0) : await this.beat();
        if (beat.amCommand) {
          amCommand = beat.amCommand;
          driver.kill('SIGTERM');
          return 'stop';
        }
        if (beat.failure && !aborted) {
          aborted = beat.failure;
          log(aborted);
          driver.send({ type: 'abort', reason: aborted });
          // The driver should end on its own once its actions fail; if not, stop it.
          killTimer = setTimeout(() => driver.kill('SIGTERM'), ABORT_GRACE_MS);
        }
        return exit ? 'stop' : beat.next;
      }, signal);
    } catch (err) {
      // Without heartbeats the RM would expire us: stop the driver rather than leave it orphaned. A
      // kill makes the RM forget the attempt before the NodeManager's SIGTERM comes; the driver's
      // SIGTERM lets a commit in progress finish, so wait for it to end (within the abort grace)
      // rather than exit under it and leave it running outside its container's accounting.
      if (killTimer) clearTimeout(killTimer);
      driver.kill('SIGTERM');
      await endedWithin(finished, ABORT_GRACE_MS);
      throw err;
    } finally {
      signal.removeEventListener('abort', onKill);
    }
    await finished;
    if (killTimer) clearTimeout(killTimer);
    if (amCommand) return amCommandOutcome(amCommand);
    if (aborted) return { finalStatus: 'failed', diagnostics: aborted };
    return this.driverOutcome(exit!);
  }

  /** A heartbeat that asks for nothing (a driver without executors). */
  private async beat(): Promise<PoolTick> {
    const result = await this.deps.rm.allocate({ progress: 0, asks: [], releases: [] });
    return { next: 'idle', ...(result.amCommand ? { amCommand: result.amCommand } : {}) };
  }

  /** The executor pool, wired to the driver's requests and progress reports. */
  private startJob(job: JobSpec, driver: DriverProcess, secret: Buffer): ExecutorPool {
    const { heartbeat } = this.deps;
    const pool = new ExecutorPool({
      job,
      jobBundle: this.driverSpec.script,
      rm: this.deps.rm,
      launches: this.deps.launches,
      containerTokens: this.deps.containerTokens,
      secret,
      driverHost: this.deps.host,
      onEvent: (event) => driver.send(event),
      log: this.deps.log,
      nodeNamesWithPort: this.deps.spec.cluster.nodeNamesWithPort === true,
    });
    this.pool = pool;
    // Tokens go out once the driver listens for them (it says `ready`); until then `init` carries the newest.
    let ready = false;
    let sent = this.deps.hdfsTokens?.current();
    const forward = (): void => {
      const hdfs = this.deps.hdfsTokens?.current();
      if (!ready || hdfs === undefined || hdfs === sent) return;
      sent = hdfs;
      driver.send({ type: 'tokens', hdfs });
    };
    this.deps.hdfsTokens?.subscribe(forward);
    driver.onMessage((m) => {
      if (m.type === 'ready') {
        pool.setDriverPort(m.port);
        ready = true;
        forward();
      } else if (m.type === 'request-executors') pool.request(m.count);
      else if (m.type === 'status') this.jobProgress = parseJobProgress(m.status) ?? this.jobProgress;
      else if (m.type === 'excluded-nodes') pool.excludeNodes(m.nodes);
      else if (m.type === 'release-executors') pool.release(m.executorIds, m.count);
      else if (m.type === 'locality') pool.setLocality(m.hints);
      else if (m.type === 'events') {
        if (Array.isArray(m.events)) this.deps.onEvents?.(m.events);
        // Nothing for the RM in them: no need to wake the heartbeat.
        return;
      }
      heartbeat.wake();
    });
    return pool;
  }

  /** The job's settings and the application secret, which executors must present to the driver. */
  private sendInit(job: JobSpec, driver: DriverProcess, secret: Buffer): void {
    const { spec } = this.deps;
    const hdfsToken = this.deps.hdfsTokens?.current();
    driver.send({
      type: 'init',
      secret,
      appId: spec.appId,
      host: this.deps.host,
      nameNodes: spec.cluster.nameNodes,
      ...(spec.cluster.rmWebUrls ? { rmWebUrls: spec.cluster.rmWebUrls } : {}),
      user: spec.user,
      stagingDir: spec.stagingDir,
      ...(this.deps.attemptId !== undefined ? { attemptId: this.deps.attemptId } : {}),
      ...(spec.maxAttempts !== undefined ? { maxAttempts: spec.maxAttempts } : {}),
      job: {
        executors: job.executors,
        executorVcores: job.executorVcores,
        executorMemoryMb: job.executorMemoryMb,
        executorHeapMb: job.executorHeapMb,
        maxTaskAttempts: job.maxTaskAttempts,
        ...(job.excludeOnFailure ? { excludeOnFailure: job.excludeOnFailure } : {}),
        ...(job.networkTimeoutMs !== undefined ? { networkTimeoutMs: job.networkTimeoutMs } : {}),
        ...(job.speculation ? { speculation: job.speculation } : {}),
        ...(job.dynamicAllocation ? { dynamicAllocation: job.dynamicAllocation } : {}),
        ...(job.eventLog ? { eventLog: job.eventLog } : {}),
      },
      ...(hdfsToken !== undefined ? { hdfsToken } : {}),
    });
  }

  private driverOutcome(e: DriverExit): AmOutcome {
    this.deps.log(`the driver exited with ${e.signal ? `signal ${e.signal}` : `code ${e.code}`}`);
    if (e.code === 0) return { finalStatus: 'succeeded', diagnostics: 'the driver exited with code 0' };
    if (e.stderrTail.some((l) => V8_HEAP_OOM.test(l))) {
      return {
        finalStatus: 'failed',
        diagnostics: `the driver ran out of memory (its JavaScript heap of ${this.driverSpec.heapMb} MB is full); raise --driver-memory`,
      };
    }
    const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
    const tail = e.stderrTail.length ? `; last lines of its stderr:\n${e.stderrTail.join('\n')}` : '';
    return { finalStatus: 'failed', diagnostics: `the driver ${how}${tail}` };
  }
}
