import type { NmRestClient } from '../protocols/nm-rest/index.js';
import { nodeBaseUrl } from '../protocols/nm-rest/index.js';
import type { AppReport, RmRestClient, YarnAppState } from '../protocols/rm-rest/index.js';
import { isFinalState } from '../protocols/rm-rest/index.js';
import { fetchAmStatus, type AmStatus } from './am-status.js';
import type { StartupTimeline } from './cli/format.js';
import { logCopyDir } from '../protocols/app-spec/index.js';
import { ContainerLogTail, DEFAULT_LOG_FILES } from './container-logs.js';
import { attemptOf, type NodeDirectory } from './containers.js';
import type { ContainerEnd } from './failure.js';
import { copyLines, truncationNote, type LogCopySource } from './log-copies.js';
import { ConnectionError, errorMessage, LogUnavailableError, NotFoundError, TimeoutError } from '../protocols/errors/index.js';
import { classifyExit, parseContainerId } from '../protocols/yarn/index.js';

/**
 * Following a running application until it ends: its state (RM report), its progress and startup
 * timeline (the AM's status document, through the RM proxy), its containers (RM container list,
 * AM events) and, live, their log files (NodeManager web services). Listeners get each piece as it
 * arrives; `run()` resolves with the final report, what is known of every container's end, and the
 * timeline. Nothing here prints.
 */

/** Poll period once the application runs. */
export const DEFAULT_POLL_MS = 250;
/** Poll period before it runs: the startup timeline wants finer steps, and this phase is short. */
export const DEFAULT_STARTUP_POLL_MS = 100;
/**
 * How long the follower keeps asking a ResourceManager that does not answer (a restart: with
 * work-preserving recovery the application runs on meanwhile). Hadoop's own clients wait as long
 * (`yarn.resourcemanager.connect.max-wait.ms`, default 15 min).
 */
export const RM_OUTAGE_MAX_MS = 15 * 60_000;
/** Log polls in flight at once (one per container). */
export const LOG_POLL_CONCURRENCY = 6;

/** Whose logs to stream: nobody's, the task containers', the AM's, or all. */
export type LogScope = 'none' | 'workers' | 'am' | 'all';

export interface FollowDeps {
  rm: RmRestClient;
  nm: NmRestClient;
  nodes: NodeDirectory;
  /** The AM status fetcher (default: GET through the RM proxy). */
  fetchStatus?: (trackingUrl: string) => Promise<AmStatus | undefined>;
  /**
   * The AMs' copies of their logs on HDFS, read once the application has ended when a NodeManager
   * cannot serve the files (a secure one without Hadoop's native library). Default: none.
   */
  logCopies?: LogCopySource;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface FollowOptions {
  /** Epoch ms of the submission, for the timeline. Default: the RM's start time. */
  submittedAt?: number;
  logs: LogScope;
  /** Files to stream. Default stdout and stderr. */
  files?: readonly string[];
  /** Stream only this container. */
  containerId?: string;
  pollMs?: number;
  startupPollMs?: number;
  /** Stop following (not the application) when aborted. */
  signal?: AbortSignal;
  /** Stop following at this epoch ms (the caller decides what a timeout means). */
  deadline?: number;
}

export interface FollowListener {
  /** The state or final status changed. */
  onState?(report: AppReport): void;
  /** After every poll. */
  onTick?(report: AppReport, am: AmStatus | undefined): void;
  /** One line of a container's log file. */
  onLine?(containerId: string, file: string, text: string, isAm: boolean): void;
  /**
   * YARN started attempt `attempt` (2 or more) of the ApplicationMaster, after the one before ended
   * for `reason` (from the RM's attempt diagnostics).
   */
  onAttempt?(attempt: number, reason: string): void;
  /** A container ended (from the AM's events). */
  onContainerEnd?(end: ContainerEnd & { kind?: string }): void;
  /** Something the user may want to know (e.g. a NodeManager that does not answer). */
  onNote?(message: string): void;
  /** Something the user must know: output that could not be shown, or only in part. */
  onWarning?(message: string): void;
}

export interface FollowResult {
  report: AppReport;
  timeline: StartupTimeline;
  ends: ContainerEnd[];
  lastAmStatus?: AmStatus;
  /** Why following stopped before the application ended. */
  stopped?: 'aborted' | 'deadline';
}

interface Tracked {
  tail: ContainerLogTail;
  am: boolean;
  ended: boolean;
  drained: boolean;
  failures: number;
  /** Its NodeManager cannot serve its files, ever: not asked again; an AM's come from its copy at the end. */
  unavailable?: LogUnavailableError;
}

/** How many container ids a warning names before "and n more". */
const MAX_IDS_NAMED = 3;

const STARTED: readonly YarnAppState[] = ['ACCEPTED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'];

/** The AM container and its NodeManager, from the report's AM log link. */
export function amContainerOf(report: AppReport): { containerId: string; node: string } | undefined {
  const m = /^(https?:\/\/[^/]+)\/node\/containerlogs\/(container_[\w]+)\//.exec(report.amContainerLogs ?? '');
  return m ? { containerId: m[2]!, node: m[1]! } : undefined;
}

/** The attempt number in an AM container id ("container_…_02_000001" → 2). */
function attemptNumberOf(containerId: string): number | undefined {
  try {
    return parseContainerId(containerId).appAttemptId.attemptId;
  } catch {
    return undefined;
  }
}

/** Words of RM attempt diagnostics that carry nothing: the launch exception's own name. */
const EMPTY_DETAIL = /^(Exception from container-launch\.?)?$/;

/**
 * Why an AM attempt ended, in one line, from its RM diagnostics ("AM Container for appattempt_…
 * exited with  exitCode: -100\nFailing this attempt.Diagnostics: Container released on a *lost*
 * node\n…"): the exit status in words, and the NodeManager's own words when they say more.
 */
export function attemptEndReason(diagnostics: string | undefined): string {
  const d = diagnostics?.trim() ?? '';
  if (!d) return 'the previous attempt ended (the ResourceManager gives no reason)';
  const exit = /exited with\s+exitCode: (-?\d+)/.exec(d);
  if (!exit) return d.split('\n')[0]!.trim();
  const detail = (/Diagnostics: *(?:\[[^\]]*\] *)?([^\n]*)/.exec(d)?.[1] ?? '').trim();
  const words = `the ApplicationMaster's ${classifyExit(Number(exit[1])).description}`;
  return EMPTY_DETAIL.test(detail) ? words : `${words} (${detail})`;
}

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export class ApplicationFollower {
  private readonly tracked = new Map<string, Tracked>();
  private readonly ends = new Map<string, ContainerEnd>();
  private readonly timeline: StartupTimeline;
  private lastKey = '';
  private lastAm: AmStatus | undefined;
  /** The newest AM attempt seen (0 before the first). */
  private attempt = 0;
  private readonly notes = new Set<string>();
  /** The application's user, whose `.spindle` directory holds the AMs' log copies. */
  private user = '';
  /** Containers whose output could not be shown at all, and why (the first reason). */
  private readonly unread: string[] = [];
  private unreadReason = '';
  /** NodeManager look-ups for short-lived containers, awaited before the final drain. */
  private readonly pendingLocates = new Set<Promise<void>>();
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly deps: FollowDeps,
    readonly appId: string,
    private readonly options: FollowOptions,
    private readonly listener: FollowListener = {},
  ) {
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
    this.timeline = { submitted: options.submittedAt ?? 0 };
  }

  /** Follows until the application is in a final state (or the signal/deadline stops us). */
  async run(): Promise<FollowResult> {
    const { rm } = this.deps;
    const { signal, deadline } = this.options;
    let unreachableSince: number | undefined;
    for (;;) {
      let report: AppReport;
      try {
        report = await rm.application(this.appId);
      } catch (err) {
        // Unreachable (restarting), or up but not yet knowing the application it reported before (still
        // recovering): ask again, within the budget.
        const seen = this.lastKey !== '';
        if (!(err instanceof ConnectionError || err instanceof TimeoutError || (seen && err instanceof NotFoundError))) throw err;
        if (unreachableSince === undefined) {
          unreachableSince = this.now();
          this.listener.onNote?.(`the ResourceManager does not answer (${errorMessage(err)}); still following ${this.appId}`);
        } else if (this.now() - unreachableSince > RM_OUTAGE_MAX_MS) throw err;
        if (signal?.aborted || (deadline !== undefined && this.now() >= deadline)) throw err;
        await this.sleep(this.options.pollMs ?? DEFAULT_POLL_MS, signal);
        continue;
      }
      if (unreachableSince !== undefined) {
        this.listener.onNote?.(`the ResourceManager answers again (after ${Math.round((this.now() - unreachableSince) / 1000)} s)`);
        unreachableSince = undefined;
      }
      this.observe(report);
      await this.observeAttempt(report);
      if (this.timeline.accepted === undefined && STARTED.includes(report.state)) await this.observeAccepted();
      if (isFinalState(report.state)) {
        await this.pollLogs(true);
        return this.result(report);
      }
      if (report.state === 'RUNNING') await this.observeRunning(report);
      await this.pollLogs(false);
      this.listener.onTick?.(report, this.lastAm);
      if (signal?.aborted) return this.result(report, 'aborted');
      if (deadline !== undefined && this.now() >= deadline) return this.result(report, 'deadline');
      const pause =
        report.state === 'RUNNING' ? (this.options.pollMs ?? DEFAULT_POLL_MS) : (this.options.startupPollMs ?? DEFAULT_STARTUP_POLL_MS);
      await this.sleep(deadline !== undefined ? Math.max(0, Math.min(pause, deadline - this.now())) : pause, signal);
    }
  }

  private result(report: AppReport, stopped?: 'aborted' | 'deadline'): FollowResult {
    return {
      report,
      timeline: { ...this.timeline },
      ends: [...this.ends.values()],
      ...(this.lastAm ? { lastAmStatus: this.lastAm } : {}),
      ...(stopped ? { stopped } : {}),
    };
  }

  private observe(report: AppReport): void {
    const t = this.timeline;
    this.user = report.user;
    if (!t.submitted) t.submitted = report.startedTime;
    if (report.launchTime) t.amLaunched ??= report.launchTime;
    if (report.finishedTime > 0) t.finished ??= report.finishedTime;
    const key = `${report.state}/${report.finalStatus}`;
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.listener.onState?.(report);
    }
    const am = amContainerOf(report);
    if (am && this.wants(am.containerId, true)) this.track(am.containerId, am.node, true);
  }

  /** Says when YARN starts another attempt, and why the one before ended. */
  private async observeAttempt(report: AppReport): Promise<void> {
    const am = amContainerOf(report);
    const n = am ? attemptNumberOf(am.containerId) : undefined;
    if (n === undefined || n <= this.attempt) return;
    const first = this.attempt === 0;
    this.attempt = n;
    if (first && n === 1) return;
    // A follower that starts late (`logs --follow`) still says that an attempt came before.
    const { rm } = this.deps;
    const attempts = await rm.attempts(this.appId).catch(() => []);
    const before = attempts.filter((a) => a.id < n).at(-1);
    const diagnostics = before?.attemptId ? await rm.attemptDiagnostics(this.appId, before.attemptId).catch(() => undefined) : undefined;
    this.listener.onAttempt?.(n, attemptEndReason(diagnostics ?? before?.diagnostics));
  }

  /**
   * The RM creates the first attempt when it accepts the application, so the attempt's start time
   * is the acceptance time, more exactly than our polls could tell.
   */
  private async observeAccepted(): Promise<void> {
    // The attempt only refines the timeline; the next poll's report carries on without it.
    const attempts = await this.deps.rm.attempts(this.appId).catch(() => []);
    this.timeline.accepted = attempts[0]?.startTime || this.now();
  }

  private async observeRunning(report: AppReport): Promise<void> {
    const { rm } = this.deps;
    if (report.trackingUrl) {
      const status = await (this.deps.fetchStatus ?? fetchAmStatus)(report.trackingUrl);
      if (status) {
        this.lastAm = status;
        const t = this.timeline;
        t.amStarted ??= status.timeline.amStarted;
        t.amRegistered ??= status.timeline.registered;
        t.firstContainerRunning ??= status.timeline.firstContainerRunning;
        for (const e of status.events) {
          const { exitStatus, diagnostics, host } = e;
          this.containerEnded(e.containerId, { exitStatus, diagnostics, host, node: e.nodeHttpAddress, kind: e.classification.kind });
        }
      }
    }
    const am = amContainerOf(report);
    if (!am || !this.streamsWorkers()) return;
    // Polled again on the next tick: a missed listing only delays streaming a new container's logs.
    const live = await rm.containers(this.appId, attemptOf(am.containerId)).catch(() => undefined);
    if (!live) return;
    const liveIds = new Set(live.map((c) => c.id));
    for (const c of live) if (this.wants(c.id, c.id === am.containerId)) this.track(c.id, c.nodeHttpAddress, c.id === am.containerId);
    // A worker the RM no longer lists has ended, whether or not the AM told us yet.
    for (const [id, t] of this.tracked) if (!t.am && !liveIds.has(id)) t.ended = true;
  }

  private containerEnded(containerId: string, e: Omit<ContainerEnd, 'containerId'> & { kind?: string }): void {
    if (this.ends.has(containerId)) return;
    const end: ContainerEnd = {
      containerId,
      exitStatus: e.exitStatus,
      diagnostics: e.diagnostics,
      ...(e.host ? { host: e.host } : {}),
      ...(e.node ? { node: nodeBaseUrl(e.node) } : {}),
    };
    this.ends.set(containerId, end);
    const t = this.tracked.get(containerId);
    if (t) {
      t.ended = true;
      end.node ??= t.tail.node;
    } else if (this.wants(containerId, false)) {
      // Too short-lived for the RM's list: find its NodeManager to read what it wrote.
      void this.locateAndTrack(end);
    }
    this.listener.onContainerEnd?.({ ...end, ...(e.kind ? { kind: e.kind } : {}) });
  }

  private locateAndTrack(end: ContainerEnd): Promise<void> {
    const p = (async () => {
      // A container whose node cannot be found has no logs to read; the end itself is already recorded.
      const node = end.node ?? (await this.deps.nodes.locate(end.containerId, end.host).catch(() => undefined));
      if (!node) return;
      end.node = node;
      const t = this.track(end.containerId, node, false);
      t.ended = true;
    })().finally(() => this.pendingLocates.delete(p));
    this.pendingLocates.add(p);
    return p;
  }

  private streamsWorkers(): boolean {
    return this.options.logs === 'workers' || this.options.logs === 'all';
  }

  private wants(containerId: string, isAm: boolean): boolean {
    const { logs, containerId: only } = this.options;
    if (only !== undefined) return containerId === only;
    if (logs === 'none') return false;
    if (logs === 'all') return true;
    return isAm ? logs === 'am' : logs === 'workers';
  }

  private track(containerId: string, node: string, am: boolean): Tracked {
    let t = this.tracked.get(containerId);
    if (!t) {
      t = {
        tail: new ContainerLogTail(this.deps.nm, containerId, nodeBaseUrl(node), this.options.files ?? DEFAULT_LOG_FILES),
        am,
        ended: this.ends.has(containerId),
        drained: false,
        failures: 0,
      };
      this.tracked.set(containerId, t);
    }
    return t;
  }

  /** One round of log reads; `final` drains and flushes everything (the application has ended). */
  private async pollLogs(final: boolean): Promise<void> {
    if (final) await Promise.allSettled([...this.pendingLocates]);
    const due = [...this.tracked.entries()].filter(([, t]) => !t.drained && (final || t.ended || !t.unavailable));
    for (let i = 0; i < due.length; i += LOG_POLL_CONCURRENCY) {
      await Promise.all(due.slice(i, i + LOG_POLL_CONCURRENCY).map(([id, t]) => this.pollOne(id, t, final || t.ended, final)));
    }
    if (final && this.unread.length > 0) {
      const named = this.unread.slice(0, MAX_IDS_NAMED).join(', ');
      const more = this.unread.length > MAX_IDS_NAMED ? ` and ${this.unread.length - MAX_IDS_NAMED} more` : '';
      this.listener.onWarning?.(
        `cannot show the output of ${named}${more} (only ApplicationMasters copy theirs to HDFS): ${this.unreadReason}`,
      );
      this.unread.length = 0;
    }
  }

  private async pollOne(containerId: string, t: Tracked, last: boolean, final: boolean): Promise<void> {
    if (!t.unavailable) {
      try {
        const { lines } = await t.tail.poll();
        for (const l of lines) this.listener.onLine?.(containerId, l.file, l.text, t.am);
        t.failures = 0;
      } catch (err) {
        t.failures++;
        if (err instanceof LogUnavailableError) {
          t.unavailable = err;
          // Said once: every further read would fail the same way.
          const then = this.deps.logCopies
            ? "; an ApplicationMaster's output is read from its copy on HDFS once the application has ended"
            : '';
          this.note(`the NodeManagers cannot serve log files (${errorMessage(err)})${then}`);
        } else {
          this.note(`cannot read the logs of ${containerId} yet: ${errorMessage(err)}`);
        }
        if (!last) return;
      }
    }
    if (!last) return;
    // The copy is complete once the AM has unregistered, that is once the application has ended.
    if (t.unavailable && (final || !t.am)) await this.fromCopy(containerId, t);
    else if (t.unavailable) return;
    for (const l of t.tail.flush()) this.listener.onLine?.(containerId, l.file, l.text, t.am);
    t.drained = true;
  }

  /** An AM's output from the copy it kept on HDFS; anything else whose NodeManager cannot serve it is unread. */
  private async fromCopy(containerId: string, t: Tracked): Promise<void> {
    const copies = this.deps.logCopies;
    const reason = errorMessage(t.unavailable);
    if (!t.am || !copies) {
      this.unread.push(containerId);
      this.unreadReason ||= reason;
      return;
    }
    const where = `${logCopyDir(this.user, this.appId)}/${containerId}`;
    let found = 0;
    try {
      for (const file of this.options.files ?? DEFAULT_LOG_FILES) {
        const copy = await copies.read(this.user, this.appId, containerId, file);
        if (!copy) continue;
        found++;
        const { lines, missingBytes } = copyLines(copy, t.tail.offset(file));
        if (missingBytes > 0) this.listener.onWarning?.(truncationNote(copy, missingBytes));
        for (const l of lines) this.listener.onLine?.(containerId, l.file, l.text, true);
      }
    } catch (err) {
      this.listener.onWarning?.(
        `cannot show the output of ${containerId}: ${reason}; reading its copy ${where} failed: ${errorMessage(err)}`,
      );
      return;
    }
    if (found === 0) this.listener.onWarning?.(`cannot show the output of ${containerId}: ${reason}; its AM kept no copy in ${where}`);
  }

  private note(message: string): void {
    if (this.notes.has(message)) return;
    this.notes.add(message);
    this.listener.onNote?.(message);
  }
}
