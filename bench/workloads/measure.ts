/**
 * Measuring: one timed YARN run of any tool (spawn to exit, then what the RM and /proc saw of it),
 * and the alternating loop that runs Spindle and the peer turn about, first one, then the other.
 */
import type { AppReport } from '../../protocols/rm-rest/index.js';
import type { AmMemory } from '../lib/am-rss.js';
import { lastLines, timedRun, type TimedRun } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { amLog, appIdIn, findApp, killQuietly, parseAmMetrics, phasesOf, spindleTimeline, type Phases } from '../lib/yarn.js';
import type { CommandLine } from '../spindle/commands.js';
import type { BenchContext } from './context.js';
import { errorMessage } from '../../protocols/errors/index.js';

export interface YarnSample {
  seconds: number;
  appId: string;
  report: AppReport;
  phases?: Phases;
  am?: AmMemory;
  /** Spindle runs only: the AM's own timeline (ms since the RM accepted the application). */
  timeline?: Record<string, number>;
  /** Spindle runs only: the AM process's peak RSS from its metrics line, KiB. */
  amSelfRssKb?: number;
  run: TimedRun;
}

export interface YarnRunSpec {
  /** For messages: "PySpark trivial-job". */
  what: string;
  cmd: CommandLine;
  /** The YARN tag the tool was given, to find the application if the output does not name it. */
  tag?: string;
  timeoutMs: number;
  /** Read the Spindle AM's metrics line after the run. */
  spindleAm?: boolean;
}

/**
 * Runs a tool that starts one YARN application and waits for it. Rejects (after killing the
 * application) on a timeout, a non-zero exit or an application that did not succeed.
 */
export async function yarnRun(ctx: BenchContext, spec: YarnRunSpec): Promise<YarnSample> {
  const seen = new Set<string>();
  const onLine = (line: string): void => {
    const id = appIdIn(line);
    if (id && !seen.has(id)) {
      seen.add(id);
      ctx.liveApps.add(id);
    }
  };
  let run: TimedRun;
  try {
    run = await timedRun(spec.cmd.command, spec.cmd.args, { env: spec.cmd.env, timeoutMs: spec.timeoutMs, onLine });
  } catch (err) {
    for (const id of seen) await killQuietly(ctx.rm, id);
    throw err;
  }
  const output = `${run.stdout}\n${run.stderr}`;
  const appId = [...seen][0] ?? (await findApp(ctx.rm, output, spec.tag));
  const fail = (why: string): Error => new Error(`${spec.what}: ${why}\n${lastLines(output, 15)}`);
  if (!appId) throw fail(`exit ${run.code}; no application id in its output`);
  let report = await ctx.rm.application(appId);
  if (!['FINISHED', 'FAILED', 'KILLED'].includes(report.state)) {
    await killQuietly(ctx.rm, appId);
    report = await ctx.rm.application(appId);
  }
  for (const id of seen) ctx.liveApps.delete(id);
  if (run.code !== 0 || report.finalStatus !== 'SUCCEEDED') {
    const why = keyLine(report.diagnostics) ?? keyLine(output);
    throw fail(`exit ${run.code}; ${appId} ${report.state}/${report.finalStatus}${why ? `: ${why}` : ''}`);
  }
  const sample: YarnSample = { seconds: run.ms / 1000, appId, report, run };
  const phases = phasesOf(report, run.startedAt, run.endedAt);
  if (phases) sample.phases = phases;
  const am = ctx.sampler.memoryOf(appId);
  if (am) sample.am = am;
  if (spec.spindleAm) {
    const metrics = parseAmMetrics(await amLog(ctx.rm, appId, 'stderr').catch(() => ''));
    if (metrics) {
      sample.timeline = spindleTimeline(report, metrics);
      if (metrics.maxRssKb) sample.amSelfRssKb = metrics.maxRssKb;
    }
  }
  return sample;
}

/** The line of a log that says what went wrong (the first error-looking one), else its first line. */
export function keyLine(text: string): string | undefined {
  // Log lines may start with an ISO timestamp; the message is what matters.
  const lines = text
    .split('\n')
    .map((l) => l.trim().replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z\s+/, ''))
    .filter(Boolean);
  return (lines.find((l) => /\b(\w*Error|\w*Exception|failed)\b[:\s]/.test(l)) ?? lines[0])?.slice(0, 300);
}

/** One side of a comparison. */
export interface Side<S extends { seconds: number }> {
  /** "Spindle", "PySpark 4.3.0", ... */
  label: string;
  /** One run (`i` from 1); rejects on failure. */
  run(i: number): Promise<S>;
  /** A short description of a finished run for the log (phases, memory...). */
  describe?(sample: S): string;
}

export interface SideResult<S> {
  samples: S[];
  /** Why the side stopped early, if it did. */
  note?: string;
}

/**
 * Runs `spindle` and `peer` `runs` times each, alternating which goes first (Spindle on odd runs).
 * A side that fails stops there (the other goes on); its note says why. `spindle` may be a reason
 * why Spindle cannot run this yet, in which case only the peer runs.
 */
export async function alternate<S extends { seconds: number }, P extends { seconds: number }>(
  name: string,
  runs: number,
  spindle: Side<S> | { unavailable: string },
  peer: Side<P>,
): Promise<{ spindle: SideResult<S>; peer: SideResult<P> }> {
  const result = { spindle: { samples: [] as S[] } as SideResult<S>, peer: { samples: [] as P[] } as SideResult<P> };
  if ('unavailable' in spindle) {
    result.spindle.note = `not available yet: ${spindle.unavailable}`;
    console.log(`  ${name}: Spindle ${result.spindle.note}; measuring the peer only`);
  }
  const step = async <T extends { seconds: number }>(side: Side<T>, r: SideResult<T>, i: number, isSpindle: boolean): Promise<void> => {
    if (r.note) return;
    try {
      const sample = await side.run(i);
      r.samples.push(sample);
      console.log(
        `  ${name} run ${i}/${runs} ${side.label}: ${sample.seconds.toFixed(2)} s${side.describe ? `  ${side.describe(sample)}` : ''}`,
      );
    } catch (err) {
      const msg = errorMessage(err);
      const first = msg.split('\n')[0]!;
      r.note = isSpindle && r.samples.length === 0 ? `not available yet: ${first}` : `failed on run ${i}: ${first}`;
      console.log(`  ${name} run ${i}/${runs} ${side.label}: FAILED\n${indent(msg)}`);
    }
  };
  for (let i = 1; i <= runs; i++) {
    if ('unavailable' in spindle) {
      await step(peer, result.peer, i, false);
      continue;
    }
    if (i % 2 === 1) {
      await step(spindle, result.spindle, i, true);
      await step(peer, result.peer, i, false);
    } else {
      await step(peer, result.peer, i, false);
      await step(spindle, result.spindle, i, true);
    }
  }
  return result;
}

/**
 * As {@link alternate} for any number of sides (Spindle first in the list): each run rotates which
 * side goes first (run 1 starts with side 0, run 2 with side 1, ...). A side that is a reason instead
 * of a Side does not run; its note says why. Results come back in the order of `sides`.
 */
export async function alternateAll(
  name: string,
  runs: number,
  sides: ReadonlyArray<Side<{ seconds: number }> | { unavailable: string }>,
): Promise<SideResult<{ seconds: number }>[]> {
  const results: SideResult<{ seconds: number }>[] = sides.map(() => ({ samples: [] }));
  sides.forEach((side, k) => {
    if ('unavailable' in side) {
      results[k]!.note = `not available yet: ${side.unavailable}`;
      console.log(`  ${name}: side ${k + 1} ${results[k]!.note}`);
    }
  });
  for (let i = 1; i <= runs; i++) {
    for (let j = 0; j < sides.length; j++) {
      const k = (i - 1 + j) % sides.length;
      const side = sides[k]!;
      const r = results[k]!;
      if ('unavailable' in side || r.note) continue;
      try {
        const sample = await side.run(i);
        r.samples.push(sample);
        console.log(
          `  ${name} run ${i}/${runs} ${side.label}: ${sample.seconds.toFixed(2)} s${side.describe ? `  ${side.describe(sample)}` : ''}`,
        );
      } catch (err) {
        const msg = errorMessage(err);
        const first = msg.split('\n')[0]!;
        r.note = k === 0 && r.samples.length === 0 ? `not available yet: ${first}` : `failed on run ${i}: ${first}`;
        console.log(`  ${name} run ${i}/${runs} ${side.label}: FAILED\n${indent(msg)}`);
      }
    }
  }
  return results;
}

function indent(text: string): string {
  return text
    .split('\n')
    .slice(0, 20)
    .map((l) => `    | ${l}`)
    .join('\n');
}

/** Per-key medians of a list of records (keys missing from some records use the others). */
export function medianRecord(records: ReadonlyArray<Record<string, number> | undefined>): Record<string, number> | undefined {
  const present = records.filter((r): r is Record<string, number> => r !== undefined);
  if (present.length === 0) return undefined;
  const keys = [...new Set(present.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, Math.round(median(present.map((r) => r[k]).filter((v): v is number => v !== undefined)))]));
}

/** "client 1.2 s | submit→AM 0.9 s | AM→end 3.1 s | after end 0.4 s" for a run's phases. */
export function describePhases(p: Phases | undefined): string {
  if (!p) return '';
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  return `[client ${s(p.client_before_submit)} | RM→AM launch ${s(p.submit_to_am_launch)} | AM→end ${s(p.am_launch_to_end)} | after end ${s(p.client_after_end)}]`;
}

/** "AM peak 312 MB (java, python)" from what the sampler saw. */
export function describeAm(am: AmMemory | undefined): string {
  return am ? `AM peak ${Math.round(am.peakSumRssKb / 1024)} MB (${am.processes.join(', ')})` : '';
}

/** Common fields of a YARN row: phases, AM memory, Spindle's timeline, as medians. */
export function yarnFields(spindle: readonly YarnSample[], peer: readonly YarnSample[]): Record<string, unknown> {
  const mb = (kb: number[]): number | undefined => (kb.length ? Math.round(median(kb) / 1024) : undefined);
  const fields: Record<string, unknown> = {
    spindle_phases_ms: medianRecord(spindle.map((s) => s.phases as Record<string, number> | undefined)),
    peer_phases_ms: medianRecord(peer.map((s) => s.phases as Record<string, number> | undefined)),
    spindle_timeline_ms: medianRecord(spindle.map((s) => s.timeline)),
    spindle_am_mb: mb(spindle.flatMap((s) => (s.am ? [s.am.peakSumRssKb] : []))),
    peer_am_mb: mb(peer.flatMap((s) => (s.am ? [s.am.peakSumRssKb] : []))),
    spindle_app_ids: spindle.map((s) => s.appId),
    peer_app_ids: peer.map((s) => s.appId),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
}
