import type { AmJobProgress } from '../../protocols/am-status/index.js';
import { accumulatorsLine, type AccumulatorSnapshot } from './accumulators.js';
import type { Welcome } from '../../protocols/driver-executor/index.js';
import { DEFAULT_EXCLUDE_ON_FAILURE } from '../../protocols/job-spec/index.js';
import { AllocationManager, type ReleasedExecutor } from './allocation-manager.js';
import { JobContext, type DriverFs } from './context.js';
import { Engine } from './engine.js';
import { JobAbortedError } from './errors.js';
import { CommitCoordinator } from './commit-coordinator.js';
import { exclusionLine } from './exclusion.js';
import type { ActionJournal } from './journal.js';
import { speculationLine } from './speculation.js';
import { localityWords } from './locality.js';
import type { AppLiveness } from './leftovers.js';
import type { AmToDriver, DriverToAm } from './ipc.js';
import { TaskScheduler, type SchedulerOptions, type TaskSetProgress } from './scheduler.js';
import { TaskServer } from './task-server.js';
import { EventRecorder, type EventLogTarget } from './event-recorder.js';
import type { AppFinalState } from '../../protocols/event-log/index.js';

/**
 * The driver process's runtime around a job's main: the task server executors connect to, the
 * scheduler and engine behind the Context, the conversation with the AM (executors wanted, lost,
 * abort), progress on stderr and status snapshots for the AM's tracking URL.
 */

/** The AM end of the IPC channel as the runtime sees it. */
export interface AmPort {
  send(message: DriverToAm): void;
}

export type InitMessage = Extract<AmToDriver, { type: 'init' }>;

/** How often progress is considered for stderr and the AM's status page. */
export const STATUS_INTERVAL_MS = 500;
/** At most one progress line per running stage this often. */
export const PROGRESS_LINE_INTERVAL_MS = 2000;
/** Tasks waiting this long with no executor connected get a line saying so (and again as often). */
export const NO_EXECUTOR_WARNING_MS = 30_000;
/**
 * How long the first executor request waits for the first stage, so that it can name the hosts
 * holding that stage's input: YARN grants the first containers within a heartbeat or two of the ask,
 * and hints sent after that steer none of them. A job whose first stage comes later asks without.
 */
export const FIRST_ASK_WAIT_MS = 300;

export interface DriverRuntimeOptions {
  init: InitMessage;
  am: AmPort;
  fs: DriverFs;
  log: (message: string) => void;
  scheduler?: SchedulerOptions;
  /** Whether an application has ended, for cleaning up dead drivers' output leftovers; without it they stay. */
  liveness?: (appId: string) => Promise<AppLiveness>;
  /** The action journal (journal.ts); absent: actions are neither journaled nor replayed. */
  journal?: ActionJournal;
  /** How the job's paths become the filesystem's (local mode); default: HDFS paths from the user's home. */
  resolvePath?: (path: string) => string;
  /** The task server's address (local mode: loopback); default: every interface. */
  listenHost?: string;
  /** Where the application's events go (the event log's writer); absent: no event log. */
  eventLog?: EventLogTarget;
}

/** The driver's snapshot for the AM: the AM status contract's job progress, with what the driver adds. */
export interface DriverStatus extends AmJobProgress {
  appId: string;
  state: 'running' | 'succeeded' | 'failed';
  startedAt: number;
  jobs: ReturnType<Engine['jobRecords']>;
  stages: TaskSetProgress[];
  /** Connected executors: attempts running, map outputs and cached partitions held (lost with the executor). */
  executors: { id: string; host: string; running: number; mapOutputs: number; cachedBlocks: number; cachedBytes: number }[];
  /** The job's accumulators and their values so far. */
  accumulators: AccumulatorSnapshot[];
}

export class DriverRuntime {
  readonly scheduler: TaskScheduler;
  readonly engine: Engine;
  readonly server: TaskServer;
  readonly context: JobContext;
  private state: DriverStatus['state'] = 'running';
  private readonly startedAt = Date.now();
  private ticker: NodeJS.Timeout | undefined;
  /** The first executor request, held until the first stage's locality hints (or FIRST_ASK_WAIT_MS). */
  private heldAsk: { count: number; timer: NodeJS.Timeout } | undefined;
  private askOpen = false;
  private lastStatus = '';
  private readonly lastLine = new Map<number, { at: number; text: string }>();
  private accumulatorLine = { at: 0, text: '' };
  private idleSince: number | undefined;
  /** Executors last asked of the AM. */
  private wantedExecutors: number;
  /** The NodeManager of each executor the AM launched (`host:port`). */
  private readonly nodes = new Map<string, string>();
  /** The application's excluded nodes as last sent to the AM. */
  private sentExcluded = '[]';
  /** With dynamic allocation: how many executors the job wants now, and which it gives back. */
  private allocation: AllocationManager | undefined;
  /** Records the application's events, when it has an event log. */
  private readonly events: EventRecorder | undefined;

  constructor(private readonly options: DriverRuntimeOptions) {
    this.wantedExecutors = options.init.job.executors;
    const { init } = options;
    const events = options.eventLog ? new EventRecorder(options.eventLog) : undefined;
    this.events = events;
    this.scheduler = new TaskScheduler({
      ...(init.job.excludeOnFailure ? { excludeOnFailure: init.job.excludeOnFailure } : {}),
      onExclusion: (e) => options.log(exclusionLine(e, init.job.excludeOnFailure?.timeoutMs ?? DEFAULT_EXCLUDE_ON_FAILURE.timeoutMs)),
      ...(init.job.speculation ? { speculation: init.job.speculation, onSpeculation: (e) => options.log(speculationLine(e)) } : {}),
      ...(events ? { events: events.schedulerEvents } : {}),
      onLocalityHints: (hints) => {
        const racks: Record<string, string> = {};
        for (const host of Object.keys(hints.hosts)) {
          const rack = this.engine.hostRacks.get(host);
          if (rack !== undefined) racks[host] = rack;
        }
        this.options.am.send({ type: 'locality', hints: { ...hints, racks } });
        this.openAsks();
      },
      ...options.scheduler,
    });
    const commits = new CommitCoordinator((tid, executorId) => this.scheduler.isRunning(tid, executorId));
    const welcome: Welcome = { appId: init.appId, nameNodes: init.nameNodes, hdfsUser: init.user };
    this.server = new TaskServer(
      Buffer.from(init.secret),
      welcome,
      this.scheduler,
      {
        registered: (e) => {
          options.log(`executor ${e.executorId} registered from ${e.host} (${e.cores} core(s), ${e.containerId})`);
          events?.executorAdded({ ...e, ...(init.job.executorMemoryMb !== undefined ? { memoryMb: init.job.executorMemoryMb } : {}) });
        },
        // Silent past the network timeout: its container may still run (a stopped process, a host cut
        // off); the AM gives it back and a replacement is asked for in its place.
        unresponsive: (id) => this.options.am.send({ type: 'release-executors', executorIds: [id], count: this.wantedExecutors }),
        disconnected: (id, reason) => {
          options.log(`executor ${id} disconnected: ${reason}; its running tasks go to other executors`);
          events?.executorRemoved(id, `disconnected: ${reason}`);
          this.engine.executorLost(id);
        },
        executorMetrics: (id, m) => events?.executorMetrics(id, m),
        nodeOf: (id) => this.nodes.get(id),
        log: options.log,
      },
      { commits, ...(init.job.networkTimeoutMs !== undefined ? { networkTimeoutMs: init.job.networkTimeoutMs } : {}) },
    );
    this.engine = new Engine({
      scheduler: this.scheduler,
      maxTaskAttempts: init.job.maxTaskAttempts,
      forgetStage: (id) => {
        this.server.forgetStage(id);
        commits.stageEnded(id);
      },
      dropBlocks: (id) => this.server.dropBlocks(id),
      log: options.log,
      ...(options.journal ? { journal: options.journal } : {}),
      ...(events ? { events: events.engineEvents } : {}),
    });
    this.context = new JobContext({
      engine: this.engine,
      fs: options.fs,
      appId: init.appId,
      user: init.user,
      // With dynamic allocation the initial executors may be none: at least 2, Spark's floor on YARN.
      defaultParallelism: init.job.dynamicAllocation
        ? Math.max(2, init.job.executors * init.job.executorVcores)
        : init.job.executors * init.job.executorVcores,
      log: (m) => options.log(m),
      ...(options.liveness ? { liveness: options.liveness } : {}),
      ...(options.resolvePath ? { resolvePath: options.resolvePath } : {}),
    });
  }

  /** Opens the task server, tells the AM where it is and asks for the executors. */
  async start(): Promise<number> {
    this.events?.appStarted(this.options.init);
    const port = await this.server.listen(0, this.options.listenHost);
    this.options.am.send({ type: 'ready', port });
    this.scheduler.expectExecutors(this.options.init.job.executors);
    this.requestExecutors(this.options.init.job.executors);
    this.startAllocation();
    this.ticker = setInterval(() => this.tick(), STATUS_INTERVAL_MS);
    this.ticker.unref();
    return port;
  }

  /** Asks the AM for `count` executors; the first request waits for the first stage's hints (FIRST_ASK_WAIT_MS at most). */
  private requestExecutors(count: number): void {
    if (this.askOpen) {
      this.options.am.send({ type: 'request-executors', count });
      return;
    }
    if (this.heldAsk) {
      this.heldAsk.count = count;
      return;
    }
    const timer = setTimeout(() => this.openAsks(), FIRST_ASK_WAIT_MS);
    timer.unref();
    this.heldAsk = { count, timer };
  }

  /** Sends the held first request (after the hints, when they came first); later requests go at once. */
  private openAsks(): void {
    if (this.askOpen) return;
    const held = this.heldAsk;
    this.closeHeldAsk();
    if (held) this.options.am.send({ type: 'request-executors', count: held.count });
  }

  private closeHeldAsk(): void {
    this.askOpen = true;
    if (this.heldAsk) clearTimeout(this.heldAsk.timer);
    this.heldAsk = undefined;
  }

  /** Dynamic allocation, when the job has it: the target follows the backlog, idle executors go back. */
  private startAllocation(): void {
    const { init, log } = this.options;
    const settings = init.job.dynamicAllocation;
    if (!settings) return;
    const initial = init.job.executors;
    log(
      `dynamic allocation: ${initial} executor(s) to start with, between ${settings.minExecutors} and ${settings.maxExecutors}; ` +
        `idle ones are released after ${settings.executorIdleTimeoutMs / 1000} s`,
    );
    this.allocation = new AllocationManager({
      settings,
      initialExecutors: initial,
      tasksPerExecutor: init.job.executorVcores,
      load: () => this.scheduler.allocationLoad(),
      holdsNeededShuffle: (id) => {
        const needed = this.engine.neededShuffles();
        return needed.size > 0 && this.engine.mapOutputs.shufflesOn(id).some((s) => needed.has(s));
      },
      holdsCachedBlocks: (id) => this.engine.cache.holdsBlocks(id),
      onTarget: (count, why) => {
        log(`dynamic allocation: ${count} executor(s) wanted (${why})`);
        this.wantedExecutors = count;
        this.scheduler.expectExecutors(count);
        this.requestExecutors(count);
      },
      onRelease: (executors, count) => this.release(executors, count),
    });
    this.allocation.start();
  }

  /** Gives idle executors back: out of the scheduler first, their map outputs forgotten, then to the AM. */
  private release(executors: ReleasedExecutor[], count: number): void {
    for (const x of executors) {
      const idle = `idle for ${Math.round(x.idleMs / 100) / 10} s`;
      this.server.release(x.id, `released by dynamic allocation (${idle})`);
      this.events?.executorRemoved(x.id, `released by dynamic allocation (${idle})`);
      const forgotten = this.engine.mapOutputs.removeExecutor(x.id);
      this.engine.cache.removeExecutor(x.id);
      this.options.log(
        `executor ${x.id} released: ${idle}` +
          (forgotten > 0
            ? `; its ${forgotten} map output(s) of finished actions are forgotten (an action that reads them again computes them again)`
            : ''),
      );
    }
    this.scheduler.expectExecutors(count);
    this.wantedExecutors = count;
    this.options.am.send({ type: 'release-executors', executorIds: executors.map((x) => x.id), count });
  }

  /** Messages from the AM. */
  onAmMessage(m: AmToDriver): void {
    switch (m.type) {
      case 'executor-launched':
        if (m.node) this.nodes.set(m.executorId, m.node);
        this.scheduler.executorStarting(m.executorId, m.host);
        this.options.log(`executor ${m.executorId} starting in ${m.containerId} on ${m.node ?? m.host}`);
        return;
      case 'executor-lost':
        this.options.log(`executor ${m.executorId} (${m.containerId}) ${m.description}`);
        this.events?.executorRemoved(m.executorId, `${m.containerId}: ${m.description}`);
        this.scheduler.executorNeverRegistered(m.executorId);
        this.server.dropExecutor(m.executorId);
        return;
      case 'abort':
        this.options.log(`the ApplicationMaster stops the job: ${m.reason}`);
        this.engine.abort(new JobAbortedError(m.reason));
        return;
      case 'tokens':
        this.server.useTokens(m.hdfs);
        return;
      default:
        return;
    }
  }

  status(): DriverStatus {
    const outputs = this.engine.mapOutputs.outputsPerExecutor();
    const cached = this.engine.cache.blocksPerExecutor();
    return {
      appId: this.options.init.appId,
      state: this.state,
      startedAt: this.startedAt,
      jobs: this.engine.jobRecords(),
      stages: this.scheduler.progress(),
      executors: this.scheduler.executorLoad().map((e) => ({
        ...e,
        mapOutputs: outputs.get(e.id) ?? 0,
        cachedBlocks: cached.get(e.id)?.blocks ?? 0,
        cachedBytes: cached.get(e.id)?.bytes ?? 0,
      })),
      accumulators: this.engine.accumulators.snapshot(),
    };
  }

  /**
   * Ends the job: no more executors, the last status, the event log's last record written, the
   * output of saves still running undone, the task server closed. `keepOutputs`: leave that output
   * for a later attempt of the application (a SIGTERM YARN may follow with one), which resumes it
   * (commit.ts). `cause`: why it failed, for the event log; `killed`: it was killed (SIGTERM).
   */
  async stop(
    outcome: 'succeeded' | 'failed',
    reason: string,
    options: { keepOutputs?: boolean; cause?: string; killed?: boolean } = {},
  ): Promise<void> {
    const ended = this.endEventLog(
      outcome === 'succeeded' ? 'SUCCEEDED' : options.killed ? 'KILLED' : 'FAILED',
      outcome === 'succeeded' ? undefined : (options.cause ?? reason),
    );
    this.state = outcome;
    if (this.ticker) clearInterval(this.ticker);
    this.allocation?.stop();
    // Executors about to exit must not be replaced.
    this.closeHeldAsk();
    this.options.am.send({ type: 'request-executors', count: 0 });
    this.tick();
    if (!options.keepOutputs) await this.context.abortOpenOutputs();
    await Promise.all([this.server.close(reason), ended]);
  }

  /**
   * Records the application's end in the event log and writes what is buffered; the first call
   * wins (a SIGTERM's KILLED before the stop that follows). Never rejects.
   */
  endEventLog(state: AppFinalState, cause?: string): Promise<unknown> {
    return this.events?.end(state, cause) ?? Promise.resolve();
  }

  private tick(): void {
    const excluded = JSON.stringify(this.scheduler.excludedNodes());
    if (excluded !== this.sentExcluded) {
      this.sentExcluded = excluded;
      this.options.am.send({ type: 'excluded-nodes', nodes: JSON.parse(excluded) as string[] });
    }
    const status = this.status();
    const text = JSON.stringify(status);
    if (text !== this.lastStatus) {
      this.lastStatus = text;
      this.options.am.send({ type: 'status', status });
    }
    const now = Date.now();
    const waiting = status.stages.some((s) => s.state === 'running') && status.executors.length === 0;
    if (!waiting) this.idleSince = undefined;
    else if (this.idleSince === undefined) this.idleSince = now;
    else if (now - this.idleSince >= NO_EXECUTOR_WARNING_MS) {
      this.idleSince = now;
      this.options.log(
        `tasks are waiting, and no executor is connected (${this.allocation?.targetCount ?? this.options.init.job.executors} requested): ` +
          'the cluster may be full, or executors fail at start (see the AM log)',
      );
    }
    // A stage run again (map output recomputed) has several task sets: the last one speaks for it.
    const latest = new Map(status.stages.map((s) => [s.stageId, s]));
    for (const s of latest.values()) {
      const line =
        `stage ${s.stageId} (${s.description}): ${s.succeeded}/${s.tasks} tasks done, ${s.running} running` +
        (s.failedAttempts ? `, ${s.failedAttempts} failed attempt(s)` : '') +
        (s.resubmitted ? `, ${s.resubmitted} rerun (output lost with an executor)` : '') +
        (s.state !== 'running' ? ` [${s.state}]` : '') +
        (s.state !== 'running' && preferredSomewhere(s.locality) ? `; task locality: ${localityWords(s.locality!)}` : '');
      const last = this.lastLine.get(s.stageId);
      if (last && (last.text === line || (s.state === 'running' && now - last.at < PROGRESS_LINE_INTERVAL_MS))) continue;
      if (!last && s.state !== 'running' && s.tasks === 0) continue;
      this.lastLine.set(s.stageId, { at: now, text: line });
      this.options.log(line);
    }
    // As often as a stage's line while stages run; at once when they are done (the action's final values).
    const line = accumulatorsLine(status.accumulators);
    const running = status.stages.some((s) => s.state === 'running');
    if (line && line !== this.accumulatorLine.text && (!running || now - this.accumulatorLine.at >= PROGRESS_LINE_INTERVAL_MS)) {
      this.accumulatorLine = { at: now, text: line };
      this.options.log(line);
    }
  }
}

/** Whether some attempt of a stage preferred a place (a stage of NO_PREF tasks says nothing about locality). */
function preferredSomewhere(counts: TaskSetProgress['locality']): boolean {
  return counts !== undefined && Object.keys(counts).some((level) => level !== 'NO_PREF');
}
