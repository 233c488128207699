/**
 * The job workloads against both Spark peers: Spindle, PySpark and Spark on the JVM run in turn
 * (alternateAll), and the row carries a `peers` list with each peer's time, ratio and goal (issue
 * #21), the legacy single-peer fields repeating the first (PySpark).
 */
import { join } from 'node:path';
import { median } from '../lib/stats.js';
import { sparkSubmit } from '../peers/pyspark.js';
import { sparkJvmSubmit } from '../peers/sparkjvm.js';
import { writeJob } from '../spindle/jobs.js';
import { peerResult, ratioOf, round, summarize, type Row } from '../lib/results.js';
import type { BenchContext } from './context.js';
import { alternateAll, describeAm, describePhases, medianRecord, yarnRun, type Side, type SideResult, type YarnSample } from './measure.js';

/** Goals of issue #21, item 3: Spindle's speed as a multiple of each peer's. */
export const PYSPARK_GOAL = 1.5;
export const SPARK_JVM_GOALS: Readonly<Record<string, number>> = {
  'trivial-job': 1.0,
  'noop-tasks': 1.0,
  join: 1.0,
  sort: 1.0,
  wordcount: 0.8,
  'avro-scan': 0.8,
};

export interface PeerSide<P extends YarnSample> {
  id: 'pyspark' | 'spark-jvm';
  /** For the row: the peer with its version and how it ran. */
  label: string;
  side: Side<P>;
}

export interface RowSpec<S extends YarnSample> {
  name: string;
  /** The row's own goal (shown in the Goal column; earlier issues' goals for the older rows). */
  goal?: { field: string; min: number };
  spindleVia?: string;
  extra?: Record<string, unknown>;
  /** The timed figure of a sample: its wall time by default. */
  seconds?: (s: S) => number;
  /** Per-peer figures from its samples (e.g. tasks_per_s). */
  peerExtra?: (samples: S[]) => Record<string, unknown>;
}

export interface SparkComparison<S extends YarnSample> {
  spindle: SideResult<S>;
  peers: { id: string; label: string; result: SideResult<S> }[];
}

/** Runs Spindle and the peers `runs` times each, rotating who goes first. */
export async function runWithPeers<S extends YarnSample>(
  ctx: BenchContext,
  name: string,
  spindle: Side<S> | { unavailable: string },
  peers: readonly PeerSide<S>[],
): Promise<SparkComparison<S>> {
  const results = (await alternateAll(name, ctx.options.runs, [spindle, ...peers.map((p) => p.side)])) as SideResult<S>[];
  return { spindle: results[0]!, peers: peers.map((p, i) => ({ id: p.id, label: p.label, result: results[i + 1]! })) };
}

const mbOf = (kb: number[]): number | undefined => (kb.length ? Math.round(median(kb) / 1024) : undefined);

/** The row of a comparison with both Spark peers. */
export function sparkRow<S extends YarnSample>(ctx: BenchContext, spec: RowSpec<S>, r: SparkComparison<S>): Row {
  const secondsOf = spec.seconds ?? ((s: S) => s.seconds);
  const spindleSeconds = r.spindle.samples.map(secondsOf);
  const spindle = summarize('spindle', spindleSeconds);
  const spindleS = spindle.spindle_s as number | null;
  const peers = r.peers.map((p) => {
    const goalMin = p.id === 'pyspark' ? PYSPARK_GOAL : SPARK_JVM_GOALS[spec.name];
    return peerResult(p.id, p.label, p.result.samples.map(secondsOf), spindleS, {
      goalMin,
      note: p.result.note,
      am_mb: mbOf(p.result.samples.flatMap((s) => (s.am ? [s.am.peakSumRssKb] : []))),
      phases_ms: medianRecord(p.result.samples.map((s) => s.phases as Record<string, number> | undefined)),
      app_ids: p.result.samples.length ? p.result.samples.map((s) => s.appId) : undefined,
      ...(spec.peerExtra && p.result.samples.length ? spec.peerExtra(p.result.samples) : {}),
    });
  });
  const first = peers[0]!;
  const firstSamples = r.peers[0]!.result.samples;
  const row: Row = {
    name: spec.name,
    spindle_s: spindleS,
    peer: first.peer,
    peer_s: first.s,
    speedup: ratioOf(first.s, spindleS),
    ...spindle,
    ...summarize('peer', firstSamples.map(secondsOf)),
    quick: ctx.options.quick,
    measured_at: new Date().toISOString(),
    peers,
  };
  if (spec.goal) row.goal = spec.goal;
  if (spec.spindleVia && r.spindle.samples.length > 0) row.spindle_via = spec.spindleVia;
  if (r.spindle.note) row.spindle_note = r.spindle.note;
  if (r.peers[0]!.result.note) row.peer_note = r.peers[0]!.result.note;
  const yarn: Record<string, unknown> = {
    spindle_phases_ms: medianRecord(r.spindle.samples.map((s) => s.phases as Record<string, number> | undefined)),
    peer_phases_ms: first.phases_ms,
    spindle_timeline_ms: medianRecord(r.spindle.samples.map((s) => s.timeline)),
    spindle_am_mb: mbOf(r.spindle.samples.flatMap((s) => (s.am ? [s.am.peakSumRssKb] : []))),
    peer_am_mb: first.am_mb,
    spindle_app_ids: r.spindle.samples.length ? r.spindle.samples.map((s) => s.appId) : undefined,
    peer_app_ids: first.app_ids,
  };
  for (const [k, v] of Object.entries(yarn)) if (v !== undefined) row[k] = v;
  return Object.assign(row, spec.extra ?? {});
}

/**
 * am-memory of a workload: the medians of each side's AM container peak RSS, with the ratio against
 * each peer (peer MB / Spindle MB: above 1, Spindle uses less).
 */
export function amMemoryRow<S extends YarnSample>(ctx: BenchContext, r: SparkComparison<S>, during: string, spindleNote?: string): Row {
  const spindleMb = mbOf(r.spindle.samples.flatMap((s) => (s.am ? [s.am.peakSumRssKb] : []))) ?? null;
  const peers = r.peers.map((p) => {
    const mb = mbOf(p.result.samples.flatMap((s) => (s.am ? [s.am.peakSumRssKb] : []))) ?? null;
    return {
      id: p.id,
      peer: `${p.label.split(' (')[0]} AM/driver`,
      s: null,
      ratio: ratioOf(mb, spindleMb),
      mb,
      ...(p.result.note ? { note: p.result.note } : {}),
    };
  });
  const first = peers[0]!;
  const row: Row = {
    name: 'am-memory',
    spindle_s: null,
    peer: first.peer,
    peer_s: null,
    speedup: null,
    spindle_mb: spindleMb,
    peer_mb: first.mb,
    ratio: first.ratio,
    spindle_am_process_mb: mbOf(r.spindle.samples.flatMap((s) => (s.amSelfRssKb ? [s.amSelfRssKb] : []))),
    spindle_processes: r.spindle.samples[0]?.am?.processes,
    during,
    quick: ctx.options.quick,
    measured_at: new Date().toISOString(),
    peers,
  };
  if (spindleMb == null) row.spindle_note = spindleNote ?? 'not available yet: no Spindle run';
  return row;
}

/** Rounded median of `values`, or undefined when there are none. */
export function medianOf(values: number[], digits = 3): number | undefined {
  return values.length ? round(median(values), digits) : undefined;
}

export interface SparkSidesSpec<S extends YarnSample> {
  /** Row name, for application names, tags and messages. */
  row: string;
  timeoutMs: number;
  /** The PySpark program in bench/jobs/ and its arguments for run `i` ("out" paths differ per peer). */
  python: { script: string; args?: (i: number, out: string) => string[]; jars?: string[] };
  /** The SparkJvmBench workload and its arguments. */
  jvm: { workload: string; args?: (i: number, out: string) => string[] };
  /** Checks a finished run (untimed) and returns the sample; `out` is the run's HDFS output path. */
  check?: (peer: string, sample: YarnSample, out: string) => Promise<S>;
  describe?: (sample: S) => string;
}

/** The PySpark and Spark JVM sides of a workload. */
export function sparkSides<S extends YarnSample>(ctx: BenchContext, spec: SparkSidesSpec<S>): PeerSide<S>[] {
  const check = spec.check ?? (async (_peer: string, s: YarnSample) => s as S);
  const common = (id: string, i: number): { name: string; tag: string; out: string } => ({
    name: `bench-${spec.row}-${id}-${i}`,
    tag: `${ctx.session}-${spec.row}-${id}-${i}`,
    out: `${ctx.hdfsScratch}/${spec.row}-${id}-${i}`,
  });
  const pyLabel = `PySpark ${ctx.spark.version}`;
  const jvmLabel = `Spark JVM ${ctx.sparkJvm.version}`;
  const python: PeerSide<S> = {
    id: 'pyspark',
    label: `${pyLabel} RDD (spark-submit, YARN cluster mode)`,
    side: {
      label: pyLabel,
      run: async (i) => {
        const c = common('pyspark', i);
        const cmd = sparkSubmit(ctx.spark, {
          name: c.name,
          tag: c.tag,
          executors: ctx.executors,
          confDir: ctx.confDir,
          script: join(ctx.repoRoot, 'bench', 'jobs', spec.python.script),
          args: spec.python.args?.(i, `${ctx.defaultFs}${c.out}`) ?? [],
          ...(spec.python.jars ? { jars: spec.python.jars } : {}),
        });
        const s = await yarnRun(ctx, { what: `${pyLabel} ${spec.python.script}`, cmd, tag: c.tag, timeoutMs: spec.timeoutMs });
        return check(pyLabel, s, c.out);
      },
      ...(spec.describe ? { describe: spec.describe } : { describe: (s: S) => `${describePhases(s.phases)} ${describeAm(s.am)}` }),
    },
  };
  const jvm: PeerSide<S> = {
    id: 'spark-jvm',
    label: `${jvmLabel} Java RDD (spark-submit, YARN cluster mode)`,
    side: {
      label: jvmLabel,
      run: async (i) => {
        const c = common('jvm', i);
        const cmd = sparkJvmSubmit(
          ctx.sparkJvm,
          { name: c.name, tag: c.tag, executors: ctx.executors, confDir: ctx.confDir },
          spec.jvm.workload,
          spec.jvm.args?.(i, `${ctx.defaultFs}${c.out}`) ?? [],
        );
        const s = await yarnRun(ctx, { what: `${jvmLabel} ${spec.jvm.workload}`, cmd, tag: c.tag, timeoutMs: spec.timeoutMs });
        return check(jvmLabel, s, c.out);
      },
      ...(spec.describe ? { describe: spec.describe } : { describe: (s: S) => `${describePhases(s.phases)} ${describeAm(s.am)}` }),
    },
  };
  return [python, jvm];
}

/** The Spindle side of a job workload: `spindle submit` of the job `source(i, out)` builds. */
export function spindleSide<S extends YarnSample>(
  ctx: BenchContext,
  spec: {
    row: string;
    timeoutMs: number;
    source: (i: number, out: string) => string;
    check?: (peer: string, sample: YarnSample, out: string) => Promise<S>;
    describe?: (sample: S) => string;
  },
): Side<S> | { unavailable: string } {
  if (ctx.spindle.via.submit !== 'cli') return { unavailable: '`spindle submit` is not in the CLI (dist/client/cli.js) yet' };
  const check = spec.check ?? (async (_peer: string, s: YarnSample) => s as S);
  return {
    label: 'Spindle',
    run: async (i) => {
      const out = `${ctx.hdfsScratch}/${spec.row}-spindle-${i}`;
      const file = writeJob(ctx.tmp, `${spec.row}-${i}`, spec.source(i, `${ctx.defaultFs}${out}`));
      const app = { name: `bench-${spec.row}-${i}`, tag: `${ctx.session}-${spec.row}-s${i}` };
      const cmd = ctx.spindle.submit(file, ctx.executors, app)!;
      const s = await yarnRun(ctx, { what: `spindle submit ${spec.row}`, cmd, tag: app.tag, timeoutMs: spec.timeoutMs, spindleAm: true });
      return check('Spindle', s, out);
    },
    describe: spec.describe ?? ((s: S) => `${describePhases(s.phases)} ${describeAm(s.am)}`),
  };
}
