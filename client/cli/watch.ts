/**
 * Watching a submitted application from the terminal (`run`, `submit`): the live status line, the
 * containers' output as it is written, Ctrl-C (kill unless --detach), --timeout, and at the end the
 * outcome, every failed container explained, and the startup timeline. Returns the exit code.
 */
import { killApp, removeStaging } from '../application.js';
import type { AmStatus } from '../am-status.js';
import type { SubmittedApp } from '../submission.js';
import { containerIdsIn } from '../containers.js';
import { describeEnd, explainFailure, formatFailure, type ContainerEnd, type ContainerFailure } from '../failure.js';
import { ApplicationFollower, type FollowResult, type LogScope } from '../follow.js';
import { hdfsLogCopies } from '../log-copies.js';
import type { AppReport } from '../../protocols/rm-rest/index.js';
import { classifyExit, EXIT_STATUS_UNKNOWN } from '../../protocols/yarn/index.js';
import type { CliContext } from './context.js';
import { EXIT_APP_FAILED, EXIT_OK } from './exit-codes.js';
import { formatDuration, formatTimeline, stateText } from './format.js';
import { TraceFilter } from './traces.js';
import { ConfigError } from '../../protocols/errors/index.js';

/** How long a kill after Ctrl-C or --timeout may take before we give up waiting. */
export const KILL_TIMEOUT_MS = 30_000;
/** The AM's own log lines ("2026-11-24T14:02:43.123Z spindle-am: ..."), told apart from a driver's stderr. */
const AM_LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z spindle-am: /;
/** The AM's lines saying the driver process is gone. */
const DRIVER_ENDED = /spindle-am: (the driver (exited|was killed)|finishing: |stopping: )/;

export interface WatchOptions {
  appId: string;
  submittedAt: number;
  /** 'workers' for run (container output prefixed by container id), 'am' for submit (driver output as is). */
  logs: LogScope;
  /** Size of the worker containers (executors, shell containers) and the option that sets it, for memory-kill advice. */
  memoryMb: number;
  memoryOption: string;
  /** The same for the ApplicationMaster's container (sequence number 1 of any attempt), when it differs. */
  amMemoryMb?: number;
  amMemoryOption?: string;
  timeoutMs?: number;
  detach: boolean;
}

/** A JSON summary of a watched run (--json). */
export interface WatchSummary {
  appId: string;
  state: string;
  finalStatus: string;
  exitCode: number;
  diagnostics: string;
  elapsedMs: number;
  timeline: Record<string, number | undefined>;
  failures: ContainerFailure[];
  stopped?: string;
}

/**
 * Runs a submission with Ctrl-C held back: a press while the application is being submitted would
 * otherwise end the process and leave the application running with nobody watching. The press is
 * remembered instead, and the caller kills the application once it has its id.
 */
export async function submitHoldingInterrupts<T>(ctx: CliContext, submit: () => Promise<T>): Promise<{ app: T; interrupted: boolean }> {
  let interrupted = false;
  const off = ctx.process.onInterrupt(() => {
    interrupted = true;
    ctx.out.warn('interrupted: the application will be killed as soon as it is submitted');
  });
  try {
    return { app: await submit(), interrupted };
  } finally {
    off();
  }
}

/** Kills an application after Ctrl-C; returns the exit code. */
/**
 * What `run` and `submit` do once the RM has the application: say so, then hand the id over
 * (--detach), kill it (Ctrl-C during submission) or follow it to the end.
 */
export async function followSubmitted(
  ctx: CliContext,
  submitted: SubmittedApp,
  interrupted: boolean,
  detach: boolean,
  watch: Omit<WatchOptions, 'appId' | 'submittedAt' | 'detach'>,
): Promise<number> {
  const { out } = ctx;
  out.info(`${submitted.appId} submitted (tracking URL ${ctx.trackingUrl(submitted.appId)})`);
  out.debug(`cache: ${submitted.cacheHits} file(s) already on HDFS, ${submitted.cacheUploads} uploaded`);
  if (detach) {
    out.result(submitted.appId);
    return EXIT_OK;
  }
  if (interrupted) return killInterrupted(ctx, submitted.appId);
  return watchApplication(ctx, { ...watch, appId: submitted.appId, submittedAt: submitted.submittedAt, detach: false });
}

export async function killInterrupted(ctx: CliContext, appId: string, why = 'interrupted'): Promise<number> {
  ctx.out.warn(`${why}: killing ${appId} (use --detach to leave it running)`);
  const killed = await killApp({ rm: ctx.rm, hdfs: ctx.hdfs, user: ctx.config.user }, appId, KILL_TIMEOUT_MS);
  ctx.out.warn(`${appId} ${stateText(killed)}`);
  return EXIT_APP_FAILED;
}

export async function watchApplication(ctx: CliContext, o: WatchOptions): Promise<number> {
  const { out } = ctx;
  const abort = new AbortController();
  let interrupted = false;
  const off = ctx.process.onInterrupt(() => {
    interrupted = true;
    abort.abort();
  });
  const driver = o.logs === 'am';
  // The AM logs multi-line records (its final diagnostics quote the driver's stderr); once it says
  // the driver has ended, every further unprefixed line is such a continuation, not driver output.
  // Per AM container: a later attempt runs its driver anew.
  const driversEnded = new Set<string>();
  // Stack traces only with --verbose (the container logs keep them).
  const traces = new TraceFilter();
  const shown = (text: string): boolean => out.verbose || traces.keep(text);
  const follower = new ApplicationFollower(
    { rm: ctx.rm, nm: ctx.nm, nodes: ctx.nodes, logCopies: hdfsLogCopies(ctx.hdfs), fetchStatus: ctx.amStatus },
    o.appId,
    {
      submittedAt: o.submittedAt,
      logs: out.json ? 'none' : o.logs,
      signal: abort.signal,
      ...(o.timeoutMs !== undefined ? { deadline: o.submittedAt + o.timeoutMs } : {}),
    },
    {
      onState: (r) => out.debug(`${o.appId}: ${stateText(r)}${r.diagnostics ? ` (${r.diagnostics.split('\n')[0]})` : ''}`),
      onTick: (r, am) => out.status(statusLine(r, am, o.submittedAt, out.interactive)),
      onLine: (containerId, file, text, isAm) => {
        if (driver) {
          if (file === 'stdout') {
            out.raw(`${text}\n`);
          } else if (AM_LOG_LINE.test(text)) {
            if (DRIVER_ENDED.test(text)) driversEnded.add(containerId);
            out.debug(text);
          } else if (driversEnded.has(containerId)) {
            out.debug(text);
          } else if (shown(text)) {
            out.rawErr(`${text}\n`);
          }
        } else if (file === 'stdout') {
          out.result(`[${containerId}] ${text}`);
        } else if (!isAm && shown(text)) {
          out.rawErr(`[${containerId}] ${text}\n`);
        }
      },
      onAttempt: (attempt, reason) => out.warn(`attempt ${attempt} started after: ${reason}`),
      onContainerEnd: (e) => {
        if (classifyExit(e.exitStatus, e.diagnostics).kind === 'success') return;
        const m = memoryOf(o, e.containerId);
        const { summary, advice } = describeEnd(e, m.option, m.mb);
        out.info(`${e.containerId}${e.host ? ` on ${e.host}` : ''} ${summary}${advice ? `; ${advice}` : ''}`);
      },
      onNote: (m) => out.debug(m),
      onWarning: (m) => out.warn(m),
    },
  );
  let result: FollowResult;
  try {
    result = await follower.run();
  } finally {
    off();
  }
  out.clearStatus();

  if (result.stopped) {
    const why = result.stopped === 'deadline' ? `timed out after ${formatDuration(o.timeoutMs!)}` : 'interrupted';
    if (o.detach || (result.stopped === 'aborted' && !interrupted)) {
      out.warn(`${why}: ${o.appId} keeps running; follow it with: spindle logs --follow ${o.appId}`);
      return EXIT_APP_FAILED;
    }
    const code = await killInterrupted(ctx, o.appId, why);
    if (out.json) out.jsonResult(summary(await ctx.rm.application(o.appId), [], result.timeline, code, result.stopped));
    return code;
  }

  const report = result.report;
  const refused = queueRefusal(report);
  if (refused) {
    await removeStaging({ rm: ctx.rm, hdfs: ctx.hdfs, user: ctx.config.user }, o.appId);
    throw new ConfigError(
      `${o.appId}: ${refused}; choose a queue with --queue (the RM lists them at ${ctx.rm.activeRmUrl}/cluster/scheduler)`,
    );
  }
  // The AM removes the staging directory, unless it never ran or was killed first: the application has
  // ended, so nothing needs it any more.
  await removeStaging({ rm: ctx.rm, hdfs: ctx.hdfs, user: ctx.config.user }, o.appId);
  const ok = report.finalStatus === 'SUCCEEDED';
  // Even a successful run shows the failures --max-failures tolerated: none of them stays silent.
  const failures = (await explainFailures(ctx, report, result.ends, o, ok)).map((f) =>
    out.verbose ? f : { ...f, stderrTail: f.stderrTail.filter((l) => traces.keep(l)) },
  );
  const exitCode = ok ? EXIT_OK : EXIT_APP_FAILED;
  const elapsed = report.finishedTime > 0 && report.startedTime > 0 ? report.finishedTime - report.startedTime : report.elapsedTime;
  if (out.json) {
    out.jsonResult(summary(report, failures, result.timeline, exitCode));
    return exitCode;
  }
  const headline = `${o.appId} ${stateText(report)} in ${formatDuration(elapsed)}`;
  if (ok) out.info(headline);
  else out.warn(headline);
  const amExit = ok || out.verbose ? undefined : amContainerExit(report.diagnostics);
  const diagnostics = out.verbose ? report.diagnostics.trim() : traces.text(report.diagnostics.trim());
  if (amExit) out.warn(`  ${amExit}`);
  else if (!ok && diagnostics && failures.length === 0) out.warn(`  ${diagnostics.split('\n').join('\n  ')}`);
  if (ok && failures.length > 0)
    out.warn(`${failures.length} container failure(s) were tolerated (--max-failures) and their containers replaced:`);
  for (const f of failures) out.warn(formatFailure(f));
  if (traces.hidden > 0) out.warn(`(${traces.hidden} line(s) of stack traces hidden; --verbose shows them)`);
  out.info(formatTimeline(result.timeline));
  return exitCode;
}

/** The live status, e.g. "application_… RUNNING 4.2s  containers: 3 running, 1 done (of 4)". */
export function statusLine(r: AppReport, am: AmStatus | undefined, submittedAt: number, withElapsed: boolean): string {
  const elapsed = withElapsed ? ` ${formatDuration(Date.now() - submittedAt)}` : '';
  const head = `${r.id} ${r.state}${elapsed}`;
  if (r.state !== 'RUNNING') {
    const why = shortDiagnostics(r.diagnostics);
    return why ? `${head}: ${why}` : head;
  }
  const stages = am?.job?.stages;
  const stage = stages?.filter((g) => g.state === 'running').at(-1) ?? stages?.at(-1);
  if (stage) {
    const failed = stage.failedAttempts ? `, ${stage.failedAttempts} failed attempts` : '';
    return `${head}  stage ${stage.stageId} ${progressBar(stage.succeeded, stage.tasks)} ${stage.succeeded}/${stage.tasks} tasks, ${stage.running} running${failed} (${stage.description})`;
  }
  const c = am?.containers;
  if (!c || c.target === 0) return head;
  const parts = [`${c.running} running`, `${c.succeeded} done`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.pending + c.launching) parts.push(`${c.pending + c.launching} starting`);
  return `${head}  containers: ${parts.join(', ')} (of ${c.target})`;
}

/**
 * The RM's diagnostics when the AM's container itself failed ("AM Container for appattempt_… exited
 * with exitCode: 127 … Last 4096 bytes of stderr :\n…"), in one line with what to do; undefined for
 * other diagnostics. The whole text is for --verbose.
 */
export function amContainerExit(diagnostics: string): string | undefined {
  const m = /AM Container for \S+ exited with\s+exitCode: (-?\d+)/.exec(diagnostics);
  if (!m) return undefined;
  const code = Number(m[1]);
  const stderr = /Last \d+ bytes of stderr :\n[ \t]*(\S[^\n]*)/.exec(diagnostics)?.[1]?.trim();
  const what = `the ApplicationMaster's container exited with code ${code}${stderr ? `: ${stderr}` : ''}`;
  // 127: bash found no such command: the Node binary the container command names.
  if (code === 127) return `${what}\n  Node was not found on the node: check --node, or pass --ship-node to ship this machine's Node`;
  return `${what}\n  (--verbose shows YARN's whole diagnostics)`;
}

/**
 * Why the scheduler refused the application's queue, from the diagnostics of an application that
 * FAILED before its AM ran ("… to unknown queue: x", "… is not a leaf queue", "Queue x is STOPPED"),
 * or undefined.
 */
export function queueRefusal(r: Pick<AppReport, 'state' | 'diagnostics'>): string | undefined {
  if (r.state !== 'FAILED') return undefined;
  const d = r.diagnostics;
  const unknown = /to unknown queue: (\S+)/.exec(d);
  if (unknown) return `the ResourceManager has no queue named "${unknown[1]}"`;
  const notLeaf = /queue:? (\S+) is not a leaf queue/i.exec(d) ?? /(\S+) is not a leaf queue/i.exec(d);
  if (notLeaf) return `queue ${notLeaf[1]} is a parent queue; applications go to its leaf queues`;
  const stopped = /Queue (\S+) is STOPPED/i.exec(d);
  if (stopped) return `queue ${stopped[1]} is stopped and accepts no applications`;
  return undefined;
}

/** `[#####.....]`: `done` of `total` in ten cells. */
export function progressBar(done: number, total: number, cells = 10): string {
  const filled = total > 0 ? Math.min(cells, Math.floor((done / total) * cells)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}]`;
}

/**
 * The first sentence of the RM's diagnostics for a waiting application ("Application is Activated,
 * waiting for resources to be assigned for AM."), without its timestamp and scheduler details.
 */
export function shortDiagnostics(diagnostics: string): string {
  const first =
    diagnostics
      .trim()
      .split('\n')[0]
      ?.replace(/^\[[^\]]*\]\s*/, '') ?? '';
  const cut = /^(.*?\.)\s+(?:Last Node|Details|\[)/.exec(first);
  return (cut ? cut[1]! : first).trim();
}

/**
 * Explains the failed containers: those the AM reported, or, when the application ended before we
 * saw its events, those its diagnostics name ("… last: container_… on host … (exit status 3)").
 */
async function explainFailures(
  ctx: CliContext,
  report: AppReport,
  ends: readonly ContainerEnd[],
  o: WatchOptions,
  succeeded: boolean,
): Promise<ContainerFailure[]> {
  let failed = ends.filter((e) => classifyExit(e.exitStatus, e.diagnostics).countsAsFailure);
  if (failed.length === 0 && !succeeded && report.diagnostics) {
    // Only the container the AM names as the last failure ("…; last: container_… on host …"): the
    // diagnostics also quote the driver's stderr, which names containers that did not fail.
    const last = /\blast: (container_\S+)/.exec(report.diagnostics)?.[1];
    const { ids } = containerIdsIn(last ?? '');
    const status = /\(exit status (-?\d+)\)/.exec(report.diagnostics);
    const host = / on ([\w.-]+) /.exec(report.diagnostics)?.[1];
    failed = ids
      .filter((id) => !id.endsWith('_000001'))
      .slice(0, 1)
      .map((id) => ({
        containerId: id,
        exitStatus: status ? Number(status[1]) : EXIT_STATUS_UNKNOWN,
        diagnostics: report.diagnostics,
        ...(host ? { host } : {}),
      }));
  }
  const deps = { nm: ctx.nm, nodes: ctx.nodes };
  return Promise.all(
    failed.slice(-5).map((e) => {
      const m = memoryOf(o, e.containerId);
      return explainFailure(deps, e, { memoryOption: m.option, ...(m.mb !== undefined ? { limitMb: m.mb } : {}) });
    }),
  );
}

/** The container size and option behind a container: the AM's own for sequence number 1, else the workers'. */
export function memoryOf(
  o: Pick<WatchOptions, 'memoryMb' | 'memoryOption' | 'amMemoryMb' | 'amMemoryOption'>,
  containerId: string,
): { mb: number | undefined; option: string } {
  if (o.amMemoryOption && /_0*1$/.test(containerId)) return { mb: o.amMemoryMb, option: o.amMemoryOption };
  return { mb: o.memoryMb, option: o.memoryOption };
}

function summary(r: AppReport, failures: ContainerFailure[], timeline: object, exitCode: number, stopped?: string): WatchSummary {
  return {
    appId: r.id,
    state: r.state,
    finalStatus: r.finalStatus,
    exitCode,
    diagnostics: r.diagnostics,
    elapsedMs: r.elapsedTime,
    timeline: timeline as Record<string, number | undefined>,
    failures,
    ...(stopped ? { stopped } : {}),
  };
}
