import type { AmState, AmStatus } from '../protocols/am-status/index.js';
import type { JobAppSpec } from '../protocols/job-spec/index.js';
import { attemptIdFromContainerId, type ResourceAsk } from '../protocols/yarn/index.js';
import type { TokenFeed } from './container-credentials.js';
import type { AmEnvironment } from './environment.js';
import type { Heartbeat } from './heartbeat.js';
import type { Launcher } from './launcher.js';
import { Launches } from './launches.js';
import type { RmClient } from './rm-client.js';
import { containerLogUrl, spindleVersion, UiModel, type UiDocument } from '../protocols/web-ui/index.js';
import { StatusServer } from './status-server.js';
import { DriverWorkload, ShellWorkload, type AmOutcome, type Workload } from './workloads/index.js';

/**
 * The ApplicationMaster: register, run the application's workload (shell containers, or a driver with
 * or without executors) until it is done or has failed, and hand back the final status to unregister
 * with. `run()` reads top to bottom as the start-up script; the parts it calls own the wire
 * (rm-client), the bookkeeping (allocator), the timing (heartbeat), the NodeManagers (launcher,
 * launches) and what runs (workloads/).
 */

export type { AmOutcome };

export interface ApplicationMasterDeps {
  spec: JobAppSpec;
  env: AmEnvironment;
  rm: RmClient;
  launcher: Launcher;
  heartbeat: Heartbeat;
  /** Environment for the driver process (the AM's own, minus nothing: it runs in the same container). */
  childEnv: Record<string, string | undefined>;
  /**
   * HDTS bytes for a container launched now (the AM's credentials without the AMRMToken, with the
   * freshest HDFS delegation token).
   */
  containerTokens: () => Buffer;
  /** Fresh HDFS delegation tokens (URL string form) as the AM obtains them, for the driver; absent without renewal. */
  hdfsTokens?: TokenFeed;
  log: (message: string) => void;
}

const NOTHING_TO_RUN: AmOutcome = { finalStatus: 'succeeded', diagnostics: 'nothing to run' };
const KILLED: AmOutcome = { finalStatus: 'killed', diagnostics: 'the application was killed' };

export class ApplicationMaster {
  private readonly startedAt = Date.now();
  private registeredAt: number | undefined;
  private state: AmState = 'starting';
  private readonly statusServer: StatusServer;
  private readonly launches: Launches;
  private readonly workload: Workload | undefined;
  /** The web UI's model, folded from the events the driver forwards. */
  private readonly ui: UiModel;
  /** Bumped when something only the AM knows changes (state, containers): the UI's version moves. */
  private revision = 0;
  private amKnown = '';

  constructor(private readonly deps: ApplicationMasterDeps) {
    const { spec, env, rm, heartbeat, containerTokens, log } = deps;
    this.ui = new UiModel(spec.appId);
    this.statusServer = new StatusServer(() => this.status(), {
      proxies: spec.cluster.webProxies ?? [],
      ...(env.webProxyBase ? { proxyBase: env.webProxyBase } : {}),
      ui: () => this.uiDocument(),
    });
    this.launches = new Launches({ launcher: deps.launcher, logDir: env.logDirs[0], wake: () => heartbeat.wake(), log });
    const common = { rm, heartbeat, launches: this.launches, containerTokens };
    if (spec.driver) {
      const driverDeps = {
        ...common,
        spec,
        host: env.host,
        attemptId: attemptIdFromContainerId(env.containerId).attemptId,
        childEnv: deps.childEnv,
        log,
        ...(deps.hdfsTokens ? { hdfsTokens: deps.hdfsTokens } : {}),
        onEvents: (events: Parameters<UiModel['apply']>[0]) => this.ui.apply(events),
      };
      this.workload = new DriverWorkload(spec.driver, spec.job, driverDeps);
    } else if (spec.shell) {
      this.workload = new ShellWorkload(spec.shell, { ...common, appId: spec.appId });
    }
  }

  /** Runs the application until done, failed, or `signal` aborts (a kill). */
  async run(signal: AbortSignal): Promise<AmOutcome> {
    const { env, rm, log } = this.deps;
    const port = await this.statusServer.start();
    const trackingUrl = `http://${env.host}:${port}/`;
    try {
      const registration = await rm.register({ host: env.host, rpcPort: 0, trackingUrl });
      this.registeredAt = Date.now();
      this.state = 'running';
      log(`registered with the ResourceManager at ${rm.server} (SASL protection ${rm.qop ?? 'unknown'}); tracking URL ${trackingUrl}`);
      if (!this.workload) return this.ending(NOTHING_TO_RUN);
      const outcome = await this.workload.run(registration, signal);
      return this.ending(signal.aborted ? KILLED : outcome);
    } finally {
      await this.launches.settle();
    }
  }

  /** Stops the tracking-URL server; called after unregistering, so clients can read the final status. */
  async close(): Promise<void> {
    await this.statusServer.close();
  }

  /** The full ask table, re-sent after the RM lost our registration. */
  resyncAsks(): ResourceAsk[] {
    return this.workload?.allocator()?.allAsks() ?? [];
  }

  /** The document at the tracking URL (protocols/am-status). */
  status(): AmStatus {
    const counts = this.workload?.allocator()?.counts();
    const job = this.workload?.progress();
    return {
      appId: this.deps.spec.appId,
      name: this.deps.spec.name,
      state: this.state,
      ...(counts ? { containers: counts } : {}),
      timeline: {
        amStarted: this.startedAt,
        ...(this.registeredAt !== undefined ? { registered: this.registeredAt } : {}),
        ...(this.launches.firstRunningAt !== undefined ? { firstContainerRunning: this.launches.firstRunningAt } : {}),
      },
      events: this.launches.recentEnds(),
      launched: [...this.launches.launched],
      ...(job ? { job } : {}),
    };
  }

  /** The web UI's document: the driver's events, and what only the AM knows (containers, log links). */
  uiDocument(): UiDocument {
    const { spec, env } = this.deps;
    const counts = this.workload?.allocator()?.counts();
    const nodes = new Map(this.launches.launched.map((l) => [l.containerId, l.nodeHttpAddress]));
    const logUrl = (containerId: string): string | undefined => {
      const node = nodes.get(containerId);
      return node ? containerLogUrl(node, containerId, spec.user) : undefined;
    };
    // Both parts of the version only grow, so their sum changes whenever either does.
    const known = JSON.stringify([this.state, counts, this.launches.launched.length, this.registeredAt, this.launches.firstRunningAt]);
    if (known !== this.amKnown) {
      this.amKnown = known;
      this.revision++;
    }
    return this.ui.document(
      {
        source: 'live',
        user: spec.user,
        amState: this.state,
        ...(counts
          ? {
              containers: {
                target: counts.target,
                running: counts.running,
                pending: counts.pending,
                failed: counts.failed,
                lost: counts.lost,
              },
            }
          : {}),
        timeline: {
          amStarted: this.startedAt,
          ...(this.registeredAt !== undefined ? { registered: this.registeredAt } : {}),
          ...(this.launches.firstRunningAt !== undefined ? { firstContainerRunning: this.launches.firstRunningAt } : {}),
        },
        ...(spec.job?.executorMemoryMb !== undefined ? { executorMemoryMb: spec.job.executorMemoryMb } : {}),
        amContainer: {
          containerId: env.containerId,
          ...(env.nmHttpPort > 0 ? { logUrl: containerLogUrl(`${env.host}:${env.nmHttpPort}`, env.containerId, spec.user) } : {}),
        },
        nodeVersion: process.version,
        spindleVersion: spindleVersion(),
      },
      logUrl,
      this.revision,
    );
  }

  private ending(outcome: AmOutcome): AmOutcome {
    this.state = outcome.finalStatus;
    // One machine-readable line for `spindle` and bench/: when things happened, and what it cost us.
    const metrics = {
      amStarted: this.startedAt,
      registered: this.registeredAt,
      firstAsk: this.launches.askedAt,
      firstContainerRunning: this.launches.firstRunningAt,
      containerStartMs: this.launches.startLatencies,
      maxRssKb: process.resourceUsage().maxRSS,
    };
    this.deps.log(`metrics ${JSON.stringify(metrics)}`);
    return outcome;
  }
}
