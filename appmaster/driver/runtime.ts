import type { AmJobProgress } from '../../protocols/am-status/index.js';
import type { Welcome } from '../../protocols/driver-executor/index.js';
import { DEFAULT_EXCLUDE_ON_FAILURE } from '../../protocols/job-spec/index.js';
import { JobContext, type DriverFs } from './context.js';
import { Engine } from './engine.js';
import { JobAbortedError } from './errors.js';
import { exclusionLine } from './exclusion.js';
import type { AppLiveness } from './leftovers.js';
import type { AmToDriver, DriverToAm } from './ipc.js';
import { TaskScheduler, type SchedulerOptions, type TaskSetProgress } from './scheduler.js';
import { TaskServer } from './task-server.js';

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

export interface DriverRuntimeOptions {
  init: InitMessage;
  am: AmPort;
  fs: DriverFs;
  log: (message: string) => void;
  scheduler?: SchedulerOptions;
  /** Whether an application has ended, for cleaning up dead drivers' output leftovers; without it they stay. */
  liveness?: (appId: string) => Promise<AppLiveness>;
  /** How the job's paths become the filesystem's (local mode); default: HDFS paths from the user's home. */
  resolvePath?: (path: string) => string;
  /** The task server's address (local mode: loopback); default: every interface. */
  listenHost?: string;
}

/** The driver's snapshot for the AM: the AM status contract's job progress, with what the driver adds. */
export interface DriverStatus extends AmJobProgress {
  appId: string;
  state: 'running' | 'succeeded' | 'failed';
  startedAt: number;
  jobs: ReturnType<Engine['jobRecords']>;
  stages: TaskSetProgress[];
  /** Connected executors: attempts running, and map outputs held (lost with the executor). */
  executors: { id: string; host: string; running: number; mapOutputs: number }[];
}

export class DriverRuntime {
  readonly scheduler: TaskScheduler;
  readonly engine: Engine;
  readonly server: TaskServer;
  readonly context: JobContext;
  private state: DriverStatus['state'] = 'running';
  private readonly startedAt = Date.now();
  private ticker: NodeJS.Timeout | undefined;
  private lastStatus = '';
  private readonly lastLine = new Map<number, { at: number; text: string }>();
  private idleSince: number | undefined;
  /** The NodeManager of each executor the AM launched (`host:port`). */
  private readonly nodes = new Map<string, string>();
  /** The application's excluded nodes as last sent to the AM. */
  private sentExcluded = '[]';

  constructor(private readonly options: DriverRuntimeOptions) {
    const { init } = options;
    this.scheduler = new TaskScheduler({
      ...(init.job.excludeOnFailure ? { excludeOnFailure: init.job.excludeOnFailure } : {}),
      onExclusion: (e) => options.log(exclusionLine(e, init.job.excludeOnFailure?.timeoutMs ?? DEFAULT_EXCLUDE_ON_FAILURE.timeoutMs)),
      ...options.scheduler,
    });
    const welcome: Welcome = { appId: init.appId, nameNodes: init.nameNodes, hdfsUser: init.user };
    this.server = new TaskServer(Buffer.from(init.secret), welcome, this.scheduler, {
      registered: (e) => options.log(`executor ${e.executorId} registered from ${e.host} (${e.cores} core(s), ${e.containerId})`),
      disconnected: (id, reason) => {
        options.log(`executor ${id} disconnected: ${reason}; its running tasks go to other executors`);
        this.engine.executorLost(id);
      },
      nodeOf: (id) => this.nodes.get(id),
      log: options.log,
    });
    this.engine = new Engine({
      scheduler: this.scheduler,
      maxTaskAttempts: init.job.maxTaskAttempts,
      forgetStage: (id) => this.server.forgetStage(id),
      log: options.log,
    });
    this.context = new JobContext({
      engine: this.engine,
      fs: options.fs,
      appId: init.appId,
      user: init.user,
      defaultParallelism: init.job.executors * init.job.executorVcores,
      log: (m) => options.log(m),
      ...(options.liveness ? { liveness: options.liveness } : {}),
      ...(options.resolvePath ? { resolvePath: options.resolvePath } : {}),
    });
  }

  /** Opens the task server, tells the AM where it is and asks for the executors. */
  async start(): Promise<number> {
    const port = await this.server.listen(0, this.options.listenHost);
    this.options.am.send({ type: 'ready', port });
    this.scheduler.expectExecutors(this.options.init.job.executors);
    this.options.am.send({ type: 'request-executors', count: this.options.init.job.executors });
    this.ticker = setInterval(() => this.tick(), STATUS_INTERVAL_MS);
    this.ticker.unref();
    return port;
  }

  /** Messages from the AM. */
  onAmMessage(m: AmToDriver): void {
    switch (m.type) {
      case 'executor-launched':
        if (m.node) this.nodes.set(m.executorId, m.node);
        this.options.log(`executor ${m.executorId} starting in ${m.containerId} on ${m.node ?? m.host}`);
        return;
      case 'executor-lost':
        this.options.log(`executor ${m.executorId} (${m.containerId}) ${m.description}`);
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
    return {
      appId: this.options.init.appId,
      state: this.state,
      startedAt: this.startedAt,
      jobs: this.engine.jobRecords(),
      stages: this.scheduler.progress(),
      executors: this.scheduler.executorLoad().map((e) => ({ ...e, mapOutputs: outputs.get(e.id) ?? 0 })),
    };
  }

  /** Stops the executors and the task server; removes staging output of unfinished saves. */
  async stop(outcome: 'succeeded' | 'failed', reason: string): Promise<void> {
    this.state = outcome;
    if (this.ticker) clearInterval(this.ticker);
    // Executors about to exit must not be replaced.
    this.options.am.send({ type: 'request-executors', count: 0 });
    this.tick();
    await this.context.abortOpenOutputs();
    await this.server.close(reason);
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
        `tasks are waiting, and no executor is connected (${this.options.init.job.executors} requested): ` +
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
        (s.state !== 'running' ? ` [${s.state}]` : '');
      const last = this.lastLine.get(s.stageId);
      if (last && (last.text === line || (s.state === 'running' && now - last.at < PROGRESS_LINE_INTERVAL_MS))) continue;
      if (!last && s.state !== 'running' && s.tasks === 0) continue;
      this.lastLine.set(s.stageId, { at: now, text: line });
      this.options.log(line);
    }
  }
}
